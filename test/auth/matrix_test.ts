/**
 * The auth permission matrix on tsetcd: users (root, two users with key grants, no token, a forged token)
 * × operations (range, put, put with prev_kv, delete, delete with prev_kv, txn compare, nested txn write,
 * txn failure-branch read, user list, member remove) × key shapes (inside, outside, across a granted
 * range; single key, range, prefix, from-key, every key), each cell over gateway JSON, gateway CBOR and
 * gRPC, against the answer written down in test/auth/matrix.ts. test/compat/auth_etcd_test.ts runs the
 * same cells on etcd 3.4.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { startTsetcd, type TestServer } from "../grpc/servers.ts";
import { closeSessions, matrixCells, matrixTokens, runMatrix, setUp, type Target } from "./matrix.ts";

let server: TestServer;
let target: Target;
let tokens: Record<string, string | undefined>;

test.before(async () => {
  server = await startTsetcd({ grpc: 28100, peer: 28101, http: 28102 }, { extraArgs: ["--bcrypt-cost", "4"] });
  target = { httpUrl: server.httpUrl, grpcEndpoint: server.grpcEndpoint };
  await setUp(target);
  tokens = await matrixTokens(target);
});

test.after(async () => {
  closeSessions();
  await server?.stop();
});

test("the matrix has cells for every user, allowed and denied ones", () => {
  const cells = matrixCells();
  assert.ok(cells.length > 300, `${cells.length} cells`);
  assert.ok(cells.some((c) => c.user === "alice" && c.expected === "ok"));
  assert.ok(cells.some((c) => c.user === "alice" && c.expected === "etcdserver: permission denied"));
  assert.ok(cells.some((c) => c.user === "bob" && c.expected === "ok"));
});

for (const transport of ["json", "cbor", "grpc"] as const) {
  test(`every cell answers as expected over ${transport}`, async () => {
    const wrong = await runMatrix(target, transport, tokens);
    assert.equal(wrong, [], `${wrong.length} of ${matrixCells().length} cells wrong:\n${wrong.slice(0, 40).join("\n")}`);
  });
}

test.run();
