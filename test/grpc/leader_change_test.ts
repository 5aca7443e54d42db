/**
 * Watch and keep-alive streams on a follower survive the leader's SIGKILL (issue 10), on a real 3-member
 * cluster (gRPC and the gateway on each member's one client URL, the default):
 * - real etcdctl 3.4 on the surviving follower F: `watch --prefix k/` and `lease keep-alive`;
 * - our own CLI on F's gateway: `watch --prefix k/` and `lease keep-alive`;
 * - a raw gRPC LeaseKeepAlive stream on F, a request every 200 ms, which must never end on its own (on
 *   etcd a follower's renewal waits for the new leader; it must not fail the stream in the election), and
 *   a raw gRPC Watch stream on F, which must see every acknowledged put without ever ending (etcdctl
 *   would resume a broken watch silently);
 * - etcdctl's pair on the leader that dies: as on etcd 3.4 (checked by hand with the same scenario), its
 *   keep-alive prints "lease … expired or revoked." one TTL after its last renewal and exits 0.
 * A writer puts k/0, k/1, … through the gateway of the other survivor before and after the kill. Every
 * acknowledged put must appear exactly once and in order in every watch; each lease (one per keeper)
 * must still be alive with its key more than a TTL after the kill, and every keeper must have printed or
 * received renewals after it.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { type ClientHttp2Session, connect as connectHttp2, constants } from "node:http2";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { LeaseClient } from "../../src/client/lease.ts";
import { connect } from "../../src/client/mod.ts";
import type { LeaseKeepAliveResponse, WatchResponse } from "../../src/codec/messages.ts";
import { decodeProtobuf, encodeProtobuf } from "../../src/codec/protobuf.ts";
import { frameMessage, MessageReader } from "../../src/grpc/framing.ts";
import { decodeGrpcMessage } from "../../src/grpc/status.ts";
import { type MemberSlot, ProcessCluster } from "../cluster/harness.ts";

const REPO = join(import.meta.dir, "..", "..");
const BUN = join(REPO, "node_modules", ".bin", "bun");
const ETCDCTL = process.env.ETCDCTL_BIN ?? "etcdctl";
const LEASE_TTL_S = 3;
const PUTS_BEFORE_KILL = 10;
/** Writes go on this long after the kill: past the election and past a whole TTL. */
const WRITE_AFTER_KILL_MS = LEASE_TTL_S * 1_000 + 2_000;
const MAX_PUTS = 200;
const PUT_PAUSE_MS = 50;
const RAW_KEEPALIVE_EVERY_MS = 200;
const WAIT_LIMIT_MS = 8_000;
const CHILD_LIMIT_MS = 40_000;
const ENC = new TextEncoder();
const DEC = new TextDecoder();

/** A background client process: its output lines with the time each arrived, and its exit. */
interface Background {
  name: string;
  lines: { atMs: number; text: string }[];
  stderr(): string;
  exit: Promise<number | string>;
  exited(): boolean;
  stop(): Promise<void>;
}

function background(name: string, bin: string, args: string[]): Background {
  const child: ChildProcess = spawn(bin, args, {
    cwd: REPO,
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, ETCDCTL_API: "3" },
  });
  const lines: { atMs: number; text: string }[] = [];
  let partial = "";
  let stderr = "";
  child.stdout!.on("data", (chunk: Buffer) => {
    const parts = (partial + chunk.toString()).split("\n");
    partial = parts.pop()!;
    for (const text of parts) lines.push({ atMs: Date.now(), text });
  });
  child.stderr!.on("data", (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4_000)));
  let done = false;
  const limit = setTimeout(() => child.kill("SIGKILL"), CHILD_LIMIT_MS);
  const exit = new Promise<number | string>((resolve) => {
    child.on("exit", (code, signal) => {
      done = true;
      clearTimeout(limit);
      resolve(code ?? signal ?? "unknown");
    });
  });
  return {
    name,
    lines,
    stderr: () => stderr,
    exit,
    exited: () => done,
    stop: async () => {
      if (!done) child.kill("SIGKILL");
      await exit;
    },
  };
}

/**
 * `promise`'s value, or `fallback` past `limitMs`; the timer is cleared either way, so that it does not hold
 * the test's process open for the rest of the limit.
 */
async function within<T, F>(promise: Promise<T>, limitMs: number, fallback: F): Promise<T | F> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<F>((resolve) => (timer = setTimeout(() => resolve(fallback), limitMs)));
  try {
    return await Promise.race([promise, late]);
  } finally {
    clearTimeout(timer);
  }
}

/** The k/<n> keys a `watch --prefix k/` printed, in order (etcdctl's and our CLI's simple format). */
function watchedKeys(watcher: Background): number[] {
  const keys: number[] = [];
  for (const { text } of watcher.lines) {
    const match = /^k\/(\d+)$/.exec(text);
    if (match !== null) keys.push(Number(match[1]));
  }
  return keys;
}

/** A raw bidirectional gRPC stream: every message it got (with its arrival time), and how it ended. */
interface RawStream {
  messages: { atMs: number; bytes: Uint8Array }[];
  /** Set once the server sent a status (even with our side still open) or the stream closed. */
  ended?: { atMs: number; status: string; message: string };
  /** Writes one message unless the stream ended; false when it did. */
  send(message: Uint8Array): boolean;
  /** Half-closes (or, with `reset`, resets) the stream and waits, bounded, for it to close. */
  end(options?: { reset?: boolean }): Promise<void>;
}

function openRawStream(endpoint: string, path: string): RawStream {
  const session: ClientHttp2Session = connectHttp2(`http://${endpoint}`);
  session.on("error", () => {});
  const stream = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
  const reader = new MessageReader({ maxMessageBytes: 1 << 22 });
  const raw: RawStream = {
    messages: [],
    send: (message) => {
      if (stream.closed || stream.destroyed || raw.ended !== undefined) return false;
      stream.write(frameMessage(message));
      return true;
    },
    end: async () => {},
  };
  let status = "none";
  let message = "";
  const take = (headers: Record<string, unknown>): void => {
    if (headers["grpc-status"] === undefined) return;
    status = String(headers["grpc-status"]);
    if (headers["grpc-message"] !== undefined) message = decodeGrpcMessage(String(headers["grpc-message"]));
    raw.ended ??= { atMs: Date.now(), status, message };
  };
  stream.on("response", take);
  stream.on("trailers", take);
  stream.on("error", () => {});
  stream.on("data", (chunk: Uint8Array) => {
    for (const bytes of reader.push(new Uint8Array(chunk))) raw.messages.push({ atMs: Date.now(), bytes });
  });
  const closed = new Promise<void>((resolve) => {
    stream.on("close", () => {
      raw.ended ??= { atMs: Date.now(), status, message };
      session.destroy();
      resolve();
    });
  });
  raw.end = async (options = {}) => {
    if (!stream.closed && !stream.destroyed) {
      if (options.reset === true) stream.close(constants.NGHTTP2_CANCEL);
      else stream.end();
    }
    const limit = setTimeout(() => session.destroy(), WAIT_LIMIT_MS);
    await closed;
    clearTimeout(limit);
  };
  return raw;
}

/** A raw LeaseKeepAlive stream sending one request every RAW_KEEPALIVE_EVERY_MS until `end()`. */
interface RawKeepAlive {
  stream: RawStream;
  sent: number;
  answers(): { atMs: number; TTL: number }[];
  end(): Promise<void>;
}

function rawKeepAlive(endpoint: string, id: bigint): RawKeepAlive {
  const stream = openRawStream(endpoint, "/etcdserverpb.Lease/LeaseKeepAlive");
  const keeper: RawKeepAlive = {
    stream,
    sent: 0,
    answers: () =>
      stream.messages.map((m) => ({ atMs: m.atMs, TTL: decodeProtobuf<LeaseKeepAliveResponse>("LeaseKeepAliveResponse", m.bytes).TTL })),
    end: async () => {
      clearInterval(timer);
      await stream.end();
    },
  };
  const timer = setInterval(() => {
    if (stream.send(encodeProtobuf("LeaseKeepAliveRequest", { ID: id }))) keeper.sent++;
    else clearInterval(timer);
  }, RAW_KEEPALIVE_EVERY_MS);
  return keeper;
}

/** A raw Watch stream on the prefix k/: the k/<n> keys of its PUT events, in order. */
function rawWatch(endpoint: string): { stream: RawStream; keys(): number[]; created(): boolean } {
  const stream = openRawStream(endpoint, "/etcdserverpb.Watch/Watch");
  stream.send(encodeProtobuf("WatchRequest", { create_request: { key: ENC.encode("k/"), range_end: ENC.encode("k0") } }));
  const responses = (): WatchResponse[] => stream.messages.map((m) => decodeProtobuf<WatchResponse>("WatchResponse", m.bytes));
  return {
    stream,
    created: () => responses().some((r) => r.created),
    keys: () => {
      const keys: number[] = [];
      for (const r of responses()) {
        for (const event of r.events ?? []) {
          const match = /^k\/(\d+)$/.exec(DEC.decode(event.kv?.key ?? new Uint8Array(0)));
          if (match !== null) keys.push(Number(match[1]));
        }
      }
      return keys;
    },
  };
}

async function waitFor(what: string, ok: () => boolean, limitMs = WAIT_LIMIT_MS): Promise<void> {
  const deadlineMs = Date.now() + limitMs;
  while (!ok()) {
    if (Date.now() > deadlineMs) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(50);
  }
}

/** etcdctl's --endpoints for a member: its client URL's host:port (gRPC shares the port with the gateway). */
function grpcEndpoint(slot: MemberSlot): string {
  return `127.0.0.1:${slot.clientPort}`;
}

/** Each acknowledged put exactly once, everything in ascending order, nothing that was never put. */
function checkWatch(name: string, keys: number[], acked: Set<number>, attempted: number): void {
  for (let i = 1; i < keys.length; i++) {
    assert.ok(keys[i]! > keys[i - 1]!, `${name}: k/${keys[i]} after k/${keys[i - 1]} (duplicate or out of order): ${keys.join(",")}`);
  }
  const seen = new Set(keys);
  const missing = [...acked].filter((n) => !seen.has(n));
  assert.equal(missing, [], `${name}: acknowledged puts missing from the watch`);
  assert.ok(keys.every((n) => n < attempted), `${name}: a key that was never put`);
}

test("a follower's watch and keep-alive streams (etcdctl 3.4, our CLI, raw gRPC) survive the leader's SIGKILL", async () => {
  const cluster = new ProcessCluster({ size: 3, basePort: 30600 });
  const processes: Background[] = [];
  let raw: RawKeepAlive | undefined;
  let watch: ReturnType<typeof rawWatch> | undefined;
  try {
    await cluster.start();
    const leader = await cluster.waitForLeader();
    const [follower, writerSlot] = cluster.slots.filter((s) => s !== leader) as [MemberSlot, MemberSlot];
    const onFollower = connect({ endpoints: [follower.clientUrl], commandTimeoutMs: 5_000 });
    const writer = connect({ endpoints: [writerSlot.clientUrl], commandTimeoutMs: 3_000 });
    const leases = new LeaseClient(onFollower);
    const keepers = ["etcdctl", "tsetcd", "raw", "doomed"] as const;
    const ids = new Map<string, bigint>();
    for (const keeper of keepers) {
      const { ID } = await leases.grant(LEASE_TTL_S);
      ids.set(keeper, ID);
      await onFollower.put(`held/${keeper}`, "v", { lease: ID });
    }
    const hex = (keeper: string): string => ids.get(keeper)!.toString(16);

    const f = grpcEndpoint(follower);
    const ctlWatch = background("etcdctl watch", ETCDCTL, [`--endpoints=${f}`, "watch", "--prefix", "k/"]);
    const ctlKeep = background("etcdctl keep-alive", ETCDCTL, [`--endpoints=${f}`, "lease", "keep-alive", hex("etcdctl")]);
    const ourWatch = background("tsetcd watch", BUN, ["mod.ts", `--endpoints=${follower.clientUrl}`, "watch", "--prefix", "k/"]);
    const ourKeep = background("tsetcd keep-alive", BUN, ["mod.ts", `--endpoints=${follower.clientUrl}`, "lease", "keep-alive", hex("tsetcd")]);
    const doomedKeep = background("etcdctl keep-alive on the leader", ETCDCTL, [
      `--endpoints=${grpcEndpoint(leader)}`, "lease", "keep-alive", hex("doomed"),
    ]);
    processes.push(ctlWatch, ctlKeep, ourWatch, ourKeep, doomedKeep);
    raw = rawKeepAlive(f, ids.get("raw")!);
    watch = rawWatch(f);
    const rawWatcher = watch;

    // The watches print nothing until they are set up: put a marker until both have shown it.
    const watchers = [ctlWatch, ourWatch];
    await waitFor("every watch to be set up", () => {
      void writer.put("k/ready", "1").catch(() => {});
      return watchers.every((w) => w.lines.some((l) => l.text === "k/ready")) && rawWatcher.created();
    }, 10_000);
    const keepers2 = [ctlKeep, ourKeep, doomedKeep];
    await waitFor("every keep-alive to renew once", () => keepers2.every((k) => k.lines.some((l) => /keepalived/.test(l.text))));

    const acked = new Set<number>();
    let attempted = 0;
    const putNext = async (): Promise<void> => {
      const n = attempted++;
      try {
        await writer.put(`k/${n}`, `v${n}`);
        acked.add(n);
      } catch {
        // not acknowledged (the election): it may or may not have been applied
      }
    };
    while (attempted < PUTS_BEFORE_KILL) await putNext();
    const killMs = Date.now();
    await cluster.kill(leader);
    while (Date.now() - killMs < WRITE_AFTER_KILL_MS && attempted < MAX_PUTS) {
      await putNext();
      await Bun.sleep(PUT_PAUSE_MS);
    }
    const last = Math.max(...acked);
    assert.ok(last >= PUTS_BEFORE_KILL, `no put was acknowledged after the kill (attempted ${attempted})`);
    await cluster.waitForLeader(WAIT_LIMIT_MS);
    await waitFor(`k/${last} in every watch`, () => watchers.every((w) => watchedKeys(w).includes(last)) && rawWatcher.keys().includes(last));
    console.log(
      `leader change: ${attempted} puts, ${acked.size} acknowledged; keys seen by etcdctl ${watchedKeys(ctlWatch).length}, ` +
        `by tsetcd ${watchedKeys(ourWatch).length}, by the raw gRPC watch ${rawWatcher.keys().length}`,
    );
    for (const w of watchers) checkWatch(w.name, watchedKeys(w), acked, attempted);
    // etcdctl resumes a broken watch by itself; the raw stream shows the one stream lived through it all.
    checkWatch("raw gRPC watch", rawWatcher.keys(), acked, attempted);
    assert.equal(rawWatcher.stream.ended, undefined, `the raw watch stream ended: ${JSON.stringify(rawWatcher.stream.ended)}`);

    // Every keeper on the follower renewed after the kill, its stream still running more than a TTL on.
    const ttlAfterKillMs = killMs + LEASE_TTL_S * 1_000 + 500;
    await waitFor("a TTL and a renewal after the kill", () => Date.now() > ttlAfterKillMs + RAW_KEEPALIVE_EVERY_MS * 2);
    for (const keeper of [ctlKeep, ourKeep]) {
      assert.not.ok(keeper.exited(), `${keeper.name} exited: ${keeper.lines.map((l) => l.text).join(" | ")} ${keeper.stderr()}`);
      const renewed = keeper.lines.filter((l) => l.atMs > ttlAfterKillMs && /keepalived with TTL\(3\)/.test(l.text));
      assert.ok(renewed.length > 0, `${keeper.name}: no renewal printed a TTL after the kill: ${keeper.lines.map((l) => l.text).join(" | ")}`);
      assert.not.ok(keeper.lines.some((l) => /expired|revoked/.test(l.text)), `${keeper.name} saw its lease end`);
    }
    const answers = raw.answers();
    assert.equal(raw.stream.ended, undefined, `the raw keep-alive stream ended during the leader change: ${JSON.stringify(raw.stream.ended)}`);
    assert.ok(
      answers.some((a) => a.atMs > ttlAfterKillMs),
      `the raw keep-alive stream got no answer a TTL after the kill (sent ${raw.sent}; answers at ${answers.map((a) => a.atMs - killMs)} ms after it)`,
    );
    assert.ok(answers.every((a) => a.TTL === LEASE_TTL_S), `a raw keep-alive answered TTL ${answers.map((a) => a.TTL)}`);
    await raw.end();
    assert.equal(raw.stream.ended?.status, "0", `the raw keep-alive stream's status after the half-close: ${JSON.stringify(raw.stream.ended)}`);
    assert.equal(raw.answers().length, raw.sent, "one answer per keep-alive request");

    for (const keeper of ["etcdctl", "tsetcd", "raw"]) {
      const ttl = await leases.timeToLive(ids.get(keeper)!, { keys: true });
      assert.ok(ttl.TTL > 0, `lease of ${keeper}: TTL ${ttl.TTL} ${Date.now() - killMs} ms after the kill`);
      assert.equal((ttl.keys ?? []).map((k) => new TextDecoder().decode(k)), [`held/${keeper}`]);
      assert.equal((await onFollower.get(`held/${keeper}`)).kvs.length, 1, `held/${keeper} is gone`);
    }

    // etcd 3.4 with the same scenario: the keep-alive on the killed member ends one TTL after its last
    // renewal with this line, exit status 0.
    assert.equal(await within(doomedKeep.exit, WAIT_LIMIT_MS, "running"), 0);
    assert.equal(doomedKeep.lines.at(-1)?.text, `lease ${hex("doomed").padStart(16, "0")} expired or revoked.`);
  } catch (error) {
    for (const p of processes) console.error(`---- ${p.name}: ${p.lines.map((l) => l.text).join(" | ").slice(-1_500)}\n${p.stderr()}`);
    console.error(cluster.logs());
    throw error;
  } finally {
    await raw?.end();
    await watch?.stream.end({ reset: true });
    for (const p of processes) await p.stop();
    await cluster.close();
  }
});

test.run();
