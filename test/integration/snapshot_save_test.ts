// `tsetcd snapshot save|status` and POST /v3/maintenance/snapshot against an in-process member: the saved
// file is a database copy plus its SHA-256, status reads the right revision and row counts in every -w
// format, the gateway's JSON lines and the CBOR frames concatenate to a valid snapshot file, the argument
// errors match etcdctl 3.4's texts and exit codes, and no temp copy outlives its stream.
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { encodeStreamFrame, FrameDecoder } from "../../src/codec/frames.ts";
import { decodeCborValue } from "../../src/codec/cbor.ts";
import { connect } from "../../src/client/mod.ts";
import { startServer, type TsetcdServer } from "../../src/server/mod.ts";
import { checkSnapshotFile, extractSnapshotDb } from "../../src/server/snapshot_file.ts";
import { snapshotStatus } from "../../src/server/snapshot_status.ts";
import { EXPORT_PREFIX, SnapshotExporter } from "../../src/server/snapshot_export.ts";
import { runCliCaptured } from "../helpers/cli.ts";
import { handleSnapshot } from "../../src/api/snapshot_route.ts";
import { TLS_FIXTURES } from "../helpers/etcd.ts";
import { humanizeBytes } from "../../commands/format.ts";
import { EtcdError, GrpcCode } from "../../src/codec/errors.ts";
import { openDatabase } from "../../src/storage/sqlite_bun.ts";

const dir = mkdtempSync(join(tmpdir(), "tsetcd-snapshot-save-"));
const dataDir = join(dir, "data");
let server: TsetcdServer;
let endpoint = "";
/** Revision after the setup writes: 1 + 30 puts + 1 delete. */
const REVISION = 32;

/** A lone member with its peer URL in our port range (etcd's default 2380 may be taken). */
function memberOptions(peerPort: number): Parameters<typeof startServer>[0] {
  const peer = `http://127.0.0.1:${peerPort}`;
  return {
    listenPeerUrls: [peer],
    initialAdvertisePeerUrls: [peer],
    initialCluster: new Map([["default", [peer]]]),
  };
}

test.before(async () => {
  server = await startServer({ dataDir, listenClientUrls: ["http://127.0.0.1:0"], ...memberOptions(21_871) });
  endpoint = server.clientUrl.replace("http://", "");
  const client = connect({ endpoints: [endpoint] });
  // Big values, so the copy spans several 32 KiB chunks.
  for (let i = 0; i < 30; i++) await client.put(`k${i}`, "v".repeat(4_000) + i);
  await client.delete("k0");
});

test.after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** uvu has no async `rejects`: the error `fn` rejects with, or a failure when it resolves. */
async function rejection(fn: () => Promise<unknown>): Promise<Error> {
  try {
    await fn();
  } catch (error) {
    return error as Error;
  }
  throw new Error("expected a rejection");
}

function tempCopies(): string[] {
  return readdirSync(dataDir).filter((name) => name.startsWith(EXPORT_PREFIX));
}

/** The member removes a copy once its file handle is closed, just after the stream ends. */
async function expectNoTempCopies(): Promise<void> {
  const deadline = Date.now() + 5_000;
  while (tempCopies().length > 0 && Date.now() < deadline) await Bun.sleep(20);
  assert.equal(tempCopies(), []);
}

test("snapshot save writes db + SHA-256 and prints etcdctl's line; status reads it in every format", async () => {
  const path = join(dir, "backup.db");
  const saved = await runCliCaptured(["--endpoints", endpoint, "snapshot", "save", path]);
  assert.equal(saved, { code: 0, out: `Snapshot saved at ${path}\n`, err: "" });
  const check = checkSnapshotFile(path);
  assert.ok(check.hashOk);
  assert.ok(check.dbBytes > 64 * 1024, `db of ${check.dbBytes} bytes`);
  assert.equal(readdirSync(dir).filter((n) => n.endsWith(".part")), []);
  const status = snapshotStatus(path);
  // 30 revision rows + 1 tombstone, 29 live keys, 3 meta rows, no leases.
  assert.equal({ revision: status.revision, totalKey: status.totalKey }, { revision: REVISION, totalKey: 63 });
  assert.is(status.totalSize, check.dbBytes);
  const hex = status.hash.toString(16);
  const size = humanizeBytes(check.dbBytes);
  const simple = await runCliCaptured(["snapshot", "status", path]);
  assert.equal(simple, { code: 0, out: `${hex}, ${REVISION}, 63, ${size}\n`, err: "" });
  const json = await runCliCaptured(["snapshot", "status", path, "-w", "json"]);
  assert.is(json.out, `{"hash":${status.hash},"revision":${REVISION},"totalKey":63,"totalSize":${check.dbBytes}}\n`);
  const fields = await runCliCaptured(["snapshot", "status", path, "-w", "fields"]);
  assert.is(fields.out, `"Hash" : ${status.hash}\n"Revision" : ${REVISION}\n"Keys" : 63\n"Size" : ${check.dbBytes}\n`);
  const table = await runCliCaptured(["snapshot", "status", path, "-w", "table"]);
  const lines = table.out.split("\n");
  assert.is(lines[1], "|   HASH   | REVISION | TOTAL KEYS | TOTAL SIZE |");
  assert.ok(lines[3]!.includes(`| ${hex.padStart(8)} |`) && lines[3]!.includes(`${size} |`), table.out);
  await expectNoTempCopies();
});

test("status is the same for two saves of the same state", async () => {
  const a = join(dir, "a.db");
  const b = join(dir, "b.db");
  const client = connect({ endpoints: [endpoint] });
  await client.saveSnapshot(a);
  await client.saveSnapshot(b);
  assert.equal(snapshotStatus(a), snapshotStatus(b));
});

test("gateway JSON: {result:{remaining_bytes,blob}} lines, hash last, blobs form a snapshot file", async () => {
  const res = await fetch(`${server.clientUrl}/v3/maintenance/snapshot`, { method: "POST", body: "{}" });
  assert.is(res.status, 200);
  assert.is(res.headers.get("content-type"), "application/json");
  const lines = (await res.text()).split("\n");
  assert.is(lines.pop(), "");
  const results = lines.map((line) => JSON.parse(line) as { result: { remaining_bytes?: string; blob: string } });
  const blobs = results.map((r) => Buffer.from(r.result.blob, "base64"));
  const dbBytes = blobs.slice(0, -1).reduce((n, b) => n + b.length, 0);
  let remaining = dbBytes;
  for (const [i, r] of results.slice(0, -1).entries()) {
    assert.equal(Object.keys(r), ["result"]);
    remaining -= blobs[i]!.length;
    if (remaining > 0) {
      assert.equal(Object.keys(r.result), ["remaining_bytes", "blob"]);
      assert.is(r.result.remaining_bytes, String(remaining));
      assert.is(blobs[i]!.length, 32 * 1024);
    } else {
      assert.equal(Object.keys(r.result), ["blob"]);
    }
  }
  assert.equal(Object.keys(results.at(-1)!.result), ["blob"]);
  assert.is(blobs.at(-1)!.length, 32);
  const file = join(dir, "json.db");
  writeFileSync(file, Buffer.concat(blobs));
  assert.ok(checkSnapshotFile(file).hashOk);
  assert.is(snapshotStatus(file).revision, REVISION);
});

test("CBOR: the same messages as length-prefixed frames", async () => {
  const res = await fetch(`${server.clientUrl}/v3/maintenance/snapshot`, {
    method: "POST",
    body: new Uint8Array([0xa0]),
    headers: { "content-type": "application/cbor" },
  });
  assert.is(res.status, 200);
  assert.is(res.headers.get("content-type"), "application/cbor");
  const frames = new FrameDecoder(16 * 1024 * 1024).push(new Uint8Array(await res.arrayBuffer()));
  const blobs = frames.map((f) => (decodeCborValue(f) as { result: { blob: Uint8Array } }).result.blob);
  assert.is(blobs.at(-1)!.length, 32);
  const file = join(dir, "cbor.db");
  writeFileSync(file, Buffer.concat(blobs));
  assert.ok(checkSnapshotFile(file).hashOk);
});

test("bad bodies get the gateway's errors; GET is 405", async () => {
  const bad = await fetch(`${server.clientUrl}/v3/maintenance/snapshot`, { method: "POST", body: "{bad" });
  assert.is(bad.status, 400);
  const text = "invalid character 'b' looking for beginning of object key string";
  assert.is(await bad.text(), JSON.stringify({ error: text, message: text, code: 3 }));
  const array = await fetch(`${server.clientUrl}/v3/maintenance/snapshot`, { method: "POST", body: "[]" });
  assert.is(array.status, 400);
  assert.ok((await array.text()).includes("json: cannot unmarshal array into Go value of type map[string]json.RawMessage"));
  const cbor = await fetch(`${server.clientUrl}/v3/maintenance/snapshot`, {
    method: "POST",
    body: new Uint8Array([0xff, 0x00]),
    headers: { "content-type": "application/cbor" },
  });
  assert.is(cbor.status, 400);
  assert.is(cbor.headers.get("content-type"), "application/cbor");
  const get = await fetch(`${server.clientUrl}/v3/maintenance/snapshot`);
  assert.is(get.status, 405);
  await expectNoTempCopies();
});

test("a save during writes is one consistent point: the copy's newest row is its current revision", async () => {
  const client = connect({ endpoints: [endpoint] });
  const before = (await client.get("k1")).header.revision;
  let writing = true;
  const writer = (async () => {
    for (let i = 0; writing && i < 2_000; i++) await client.put(`busy/${i % 50}`, `v${i}`);
  })();
  await Bun.sleep(50);
  const path = join(dir, "busy.db");
  await client.saveSnapshot(path);
  writing = false;
  await writer;
  const status = snapshotStatus(path);
  assert.ok(status.revision > before, `revision ${status.revision} after ${before}`);
  const extracted = join(dir, "busy-extracted.db");
  extractSnapshotDb(path, checkSnapshotFile(path).dbBytes, extracted);
  const db = openDatabase(extracted, { durable: false });
  try {
    const newest = db.prepare("SELECT MAX(main) AS main FROM mvcc_revisions").get()!;
    assert.is(Number(newest.main), status.revision);
  } finally {
    db.close();
  }
});

test("a client that disconnects mid-stream leaves no temp copy", async () => {
  // 8 MB: more than the socket buffers hold, so the stream is still open when the client leaves.
  const client = connect({ endpoints: [endpoint] });
  for (let i = 0; i < 8; i++) await client.put(`big/${i}`, "b".repeat(1_000_000));
  const controller = new AbortController();
  const res = await fetch(`${server.clientUrl}/v3/maintenance/snapshot`, {
    method: "POST",
    body: "{}",
    signal: controller.signal,
  });
  const reader = res.body!.getReader();
  await reader.read();
  assert.is(tempCopies().length, 1);
  controller.abort();
  await reader.cancel().catch(() => {});
  await expectNoTempCopies();
  // The slot was released too: another snapshot runs.
  await client.saveSnapshot(join(dir, "after-abort.db"));
});

test("an aborted save removes its .part file and leaves nothing at the path", async () => {
  const path = join(dir, "aborted.db");
  const client = connect({ endpoints: [endpoint] });
  const controller = new AbortController();
  let chunks = 0;
  const saving = client.saveSnapshot(path, {
    signal: controller.signal,
    onProgress: () => {
      if (++chunks === 1) controller.abort();
    },
  });
  assert.is((await rejection(() => saving)).message, "context canceled");
  assert.equal(readdirSync(dir).filter((n) => n.startsWith("aborted.db")), []);
});

test("a stream without its SHA-256 trailer is refused by the client", async () => {
  const fake = Bun.serve({
    port: 0,
    // One 10-byte chunk and the end: the 32-byte hash never comes.
    fetch: () =>
      new Response(encodeStreamFrame({ result: { blob: new Uint8Array(10) } }), {
        headers: { "content-type": "application/cbor" },
      }),
  });
  try {
    const client = connect({ endpoints: [`127.0.0.1:${fake.port}`] });
    const error = await rejection(() => client.saveSnapshot(join(dir, "cut.db")));
    assert.is(error.message, "snapshot stream incomplete: no SHA-256 trailer");
    assert.equal(readdirSync(dir).filter((n) => n.startsWith("cut.db")), []);
  } finally {
    fake.stop(true);
  }
});

test("CLI errors: etcdctl 3.4's texts and exit codes", async () => {
  const two = await runCliCaptured(["--endpoints", `${endpoint},${endpoint}`, "snapshot", "save", join(dir, "x.db")]);
  assert.equal(two, {
    code: 5,
    out: "",
    err: `Error: snapshot must be requested to one selected node, not multiple [${endpoint} ${endpoint}]\n`,
  });
  assert.equal(await runCliCaptured(["snapshot", "save"]), {
    code: 128,
    out: "",
    err: "Error: snapshot save expects one argument\n",
  });
  assert.equal(await runCliCaptured(["snapshot", "status"]), {
    code: 128,
    out: "",
    err: "Error: snapshot status requires exactly one argument\n",
  });
  assert.equal(await runCliCaptured(["snapshot", "status", "nonexist.db"]), {
    code: 1,
    out: "",
    err: "Error: stat nonexist.db: no such file or directory\n",
  });
  const garbage = join(dir, "garbage.db");
  writeFileSync(garbage, "garbage\n");
  assert.equal(await runCliCaptured(["snapshot", "status", garbage]), { code: 1, out: "", err: "Error: invalid database\n" });
  const backup = join(dir, "backup.db");
  assert.equal(await runCliCaptured(["snapshot", "status", backup, "-w", "protobuf"]), {
    code: 4,
    out: "",
    err: "Error: protobuf not supported as output format\n",
  });
  const noDir = await runCliCaptured(["--endpoints", endpoint, "snapshot", "save", "/nonexistent-dir/x.db"]);
  assert.equal(noDir, {
    code: 5,
    out: "",
    err: "Error: could not open /nonexistent-dir/x.db.part (open /nonexistent-dir/x.db.part: no such file or directory)\n",
  });
  const down = await runCliCaptured(["--endpoints", "127.0.0.1:1", "--command-timeout", "1s", "snapshot", "save", join(dir, "d.db")]);
  assert.equal(down, { code: 5, out: "", err: "Error: context deadline exceeded\n" });
  assert.equal(readdirSync(dir).filter((n) => n.startsWith("d.db")), []);
});

test("a damaged snapshot file is reported, not read", async () => {
  const backup = readFileSync(join(dir, "backup.db"));
  const damaged = join(dir, "damaged.db");
  const copy = Buffer.from(backup);
  copy[copy.length - 1] = copy[copy.length - 1]! ^ 0xff;
  writeFileSync(damaged, copy);
  const run = await runCliCaptured(["snapshot", "status", damaged]);
  assert.is(run.code, 1);
  assert.match(run.err, /integrity check failed/);
});

test("over mutual TLS: the CLI's --cacert/--cert/--key carry over to the snapshot stream", async () => {
  const tlsDir = join(dir, "tls-member");
  const tls = (name: string): string => join(TLS_FIXTURES, name);
  const secure = await startServer({
    dataDir: tlsDir,
    listenClientUrls: ["https://127.0.0.1:0"],
    ...memberOptions(21_872),
    clientTls: { certFile: tls("server.pem"), keyFile: tls("server-key.pem"), trustedCaFile: tls("ca.pem"), clientCertAuth: true, autoTls: false },
  });
  try {
    const path = join(dir, "tls.db");
    const credentials = [`--cacert=${tls("ca.pem")}`, `--cert=${tls("client.pem")}`, `--key=${tls("client-key.pem")}`];
    const saved = await runCliCaptured(["--endpoints", secure.clientUrl, ...credentials, "snapshot", "save", path]);
    assert.equal(saved, { code: 0, out: `Snapshot saved at ${path}\n`, err: "" });
    assert.ok(checkSnapshotFile(path).hashOk);
    // Without a client certificate the member refuses the handshake: nothing is saved.
    const refused = await runCliCaptured([
      "--endpoints", secure.clientUrl, `--cacert=${tls("ca.pem")}`, "--command-timeout", "1s", "snapshot", "save", join(dir, "no-cert.db"),
    ]);
    assert.is(refused.code, 5);
    assert.equal(readdirSync(dir).filter((n) => n.startsWith("no-cert.db")), []);
  } finally {
    await secure.close();
  }
});

test("a client that stops reading loses its stream after the stall bound, and the copy is released", async () => {
  let closed = 0;
  let sent = 0;
  const source = {
    open: () =>
      Promise.resolve({
        sizeBytes: 1 << 30,
        next: () => Promise.resolve({ blob: new Uint8Array(32 * 1024), remainingBytes: 1 << 20 }).finally(() => sent++),
        close: () => void closed++,
      }),
  };
  const request = new Request("http://x/v3/maintenance/snapshot", { method: "POST", body: "{}" });
  const response = await handleSnapshot(request, source, { stallTimeoutMs: 100 });
  const reader = response.body!.getReader();
  await reader.read();
  await Bun.sleep(300);
  assert.is(closed, 1);
  assert.ok(sent <= 3, `${sent} chunks made for a client that read one`);
  await rejection(() => reader.read());
});

test("at most two snapshots in flight per member; a third is ResourceExhausted until one ends", async () => {
  const exportDir = join(dir, "export");
  const statePath = join(dir, "export-state.db");
  mkdirSync(exportDir);
  const db = openDatabase(statePath, { durable: false });
  db.exec("CREATE TABLE t (x INTEGER)");
  db.close();
  let commits = 0;
  const exporter = new SnapshotExporter({ dataDir: exportDir, statePath, commitState: () => commits++ });
  const first = await exporter.open();
  const second = await exporter.open();
  const busy = await rejection(() => exporter.open());
  assert.ok(busy instanceof EtcdError && busy.code === GrpcCode.ResourceExhausted, String(busy));
  assert.is(busy.message, "etcdserver: too many snapshots in flight (at most 2); retry later");
  first.close();
  const third = await exporter.open();
  assert.is(commits, 3);
  second.close();
  third.close();
  await Bun.sleep(50);
  assert.equal(readdirSync(exportDir), []);
});

test.run();
