/**
 * --auth-token jwt on tsetcd and etcd 3.4 side by side (the same key files): a token is a JWT with etcd's
 * header and claims, it works, a tampered one is an invalid token, and after any auth change the old token
 * gets "revision of auth store is old" on reads and writes until the client authenticates again. Then
 * the pure parts: the flag's parsing, and ES256 / PS256 tokens that verify only with their own key.
 * Ports 28130–28134.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { generateKeyPairSync } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { JwtTokens, parseAuthToken } from "../../src/auth/jwt.ts";
import { startEtcd, startTsetcd, type TestServer } from "../grpc/servers.ts";
import { AuthRpcs, closeSessions, KvRpcs, send, type Target } from "./matrix.ts";

const dir = mkdtempSync(join(tmpdir(), "tsetcd-jwt-"));

function keyPair(name: string, type: "rsa" | "ec"): { pub: string; priv: string } {
  const pair = type === "rsa"
    ? generateKeyPairSync("rsa", { modulusLength: 2048 })
    : generateKeyPairSync("ec", { namedCurve: "P-256" });
  const pub = join(dir, `${name}.pub.pem`);
  const priv = join(dir, `${name}.priv.pem`);
  writeFileSync(pub, pair.publicKey.export({ type: "spki", format: "pem" }));
  writeFileSync(priv, pair.privateKey.export({ type: "pkcs8", format: "pem" }));
  return { pub, priv };
}

const rsa = keyPair("rsa", "rsa");
const servers: [string, TestServer][] = [];

test.before(async () => {
  const flag = ["--auth-token", `jwt,sign-method=RS256,pub-key=${rsa.pub},priv-key=${rsa.priv},ttl=5m`, "--bcrypt-cost", "4"];
  servers.push(
    ["etcd", await startEtcd({ grpc: 28130, peer: 28131 }, { extraArgs: flag })],
    ["tsetcd", await startTsetcd({ grpc: 28132, peer: 28133, http: 28134 }, { extraArgs: flag })],
  );
});

test.after(async () => {
  closeSessions();
  for (const [, server] of servers) await server.stop();
  rmSync(dir, { recursive: true, force: true });
});

function claimsOf(token: string): unknown {
  const [header, payload] = token.split(".");
  const claims = JSON.parse(Buffer.from(payload!, "base64url").toString()) as Record<string, unknown>;
  return { header: JSON.parse(Buffer.from(header!, "base64url").toString()), keys: Object.keys(claims), revision: claims.revision, username: claims.username };
}

test("JWT tokens: etcd's claims, refused when tampered, old after an auth change — as etcd 3.4", async () => {
  const seen: Record<string, unknown[]> = {};
  for (const [name, server] of servers) {
    const target: Target = { httpUrl: server.httpUrl, grpcEndpoint: server.grpcEndpoint };
    const answer = async (rpc: Parameters<typeof send>[2], token?: string): Promise<string> =>
      (await send("json", target, rpc, token)).message;
    const log: unknown[] = [];
    log.push(await answer(AuthRpcs.userAdd("root", "rootpw")));
    log.push(await answer(AuthRpcs.grantRole("root", "root")));
    log.push(await answer(AuthRpcs.enable()));
    const token = String((await send("json", target, AuthRpcs.authenticate("root", "rootpw"))).response!.token);
    log.push(claimsOf(token));
    log.push(await answer(KvRpcs.range("/a"), token));
    log.push(await answer(KvRpcs.range("/a"), `${token.slice(0, -4)}AAAA`));
    log.push(await answer(AuthRpcs.roleAdd("x"), token));
    log.push(await answer(KvRpcs.range("/a"), token));
    log.push(await answer(KvRpcs.put("/a"), token));
    const fresh = String((await send("json", target, AuthRpcs.authenticate("root", "rootpw"))).response!.token);
    log.push(await answer(KvRpcs.put("/a"), fresh));
    seen[name] = log;
  }
  assert.equal(seen.tsetcd![7], "etcdserver: revision of auth store is old");
  assert.equal(seen.tsetcd, seen.etcd);
});

test("the flag: simple, jwt with its options, and etcd-style refusals", () => {
  assert.equal(parseAuthToken("simple"), { kind: "simple" });
  const parsed = parseAuthToken("jwt,sign-method=ES256,pub-key=/p,priv-key=/k,ttl=10m");
  assert.equal(parsed, { kind: "jwt", options: { signMethod: "ES256", pubKeyPath: "/p", privKeyPath: "/k", ttlMs: 600_000 } });
  assert.equal(parseAuthToken("jwt,sign-method=RS256,pub-key=/p"), { kind: "jwt", options: { signMethod: "RS256", pubKeyPath: "/p", ttlMs: 300_000 } });
  assert.type(parseAuthToken("jwt,sign-method=none,pub-key=/p"), "string");
  assert.type(parseAuthToken("jwt,sign-method=RS256"), "string");
  assert.type(parseAuthToken("jwt,sign-method=RS256,pub-key=/p,ttl=5"), "string");
  assert.type(parseAuthToken("paseto"), "string");
});

test("ES256 and PS256 tokens verify with their own key only, and not after they expire", () => {
  const ec = keyPair("ec", "ec");
  const other = keyPair("ec2", "ec");
  let nowMs = 1_000_000_000_000;
  const clock = () => nowMs;
  const es = new JwtTokens({ signMethod: "ES256", pubKeyPath: ec.pub, privKeyPath: ec.priv, ttlMs: 60_000 }, clock);
  const token = es.sign("alice", 7);
  assert.equal(es.verify(token), { user: "alice", revision: 7 });
  const stranger = new JwtTokens({ signMethod: "ES256", pubKeyPath: other.pub, ttlMs: 60_000 }, clock);
  assert.is(stranger.verify(token), undefined);
  const ps = new JwtTokens({ signMethod: "PS256", pubKeyPath: rsa.pub, privKeyPath: rsa.priv, ttlMs: 60_000 }, clock);
  assert.equal(ps.verify(ps.sign("bob", 1)), { user: "bob", revision: 1 });
  // The algorithm is the server's, never the token's: an RS256 token is not a PS256 one.
  const rs = new JwtTokens({ signMethod: "RS256", pubKeyPath: rsa.pub, privKeyPath: rsa.priv, ttlMs: 60_000 }, clock);
  assert.is(ps.verify(rs.sign("bob", 1)), undefined);
  nowMs += 61_000;
  assert.is(es.verify(token), undefined);
});

test.run();
