/**
 * gRPC keepalive and --max-concurrent-streams as etcd 3.4 applies them, seen from a raw HTTP/2 client
 * (test/grpc/raw_h2.ts) on an in-process gRPC listener with short durations. The observations are the ones
 * etcd 3.4.23 gives to the same raw client (checked by hand with --grpc-keepalive-min-time 1s,
 * --grpc-keepalive-interval 1s, --grpc-keepalive-timeout 1s, --max-concurrent-streams 2):
 * - the 4th ping sooner than min-time after the last: GOAWAY ENHANCE_YOUR_CALM "too_many_pings", closed;
 * - an idle connection is pinged after the interval; one that never answers is closed a timeout later;
 * - the stream past the limit is reset with REFUSED_STREAM, the ones before it go on.
 * Also the flags themselves: Go's duration syntax, etcd's defaults and errors, and a `tsetcd server` that
 * applies them. Ports 27500–27508.
 */
import { connect } from "node:http2";
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { GrpcServices } from "../../src/grpc/routes.ts";
import { type GrpcListener, startGrpcServer } from "../../src/grpc/server.ts";
import { ETCD_KEEPALIVE, type KeepaliveOptions, PingPolicy } from "../../src/grpc/keepalive.ts";
import { parseServerArgs, type ServerConfig } from "../../src/server/config.ts";
import { parseGoDurationMs } from "../../src/server/go_duration.ts";
import { errorCodeOf, FrameType, goawayDebugText, openRawH2, settingOf } from "./raw_h2.ts";
import { startTsetcd } from "./servers.ts";

const ENHANCE_YOUR_CALM = 0x0b;
const REFUSED_STREAM = 0x07;
const SETTINGS_MAX_CONCURRENT_STREAMS = 0x3;
/** No call here reaches a service: the unknown method answers at once, and Range waits for its message. */
const NO_SERVICES = {} as GrpcServices;
const RANGE = "/etcdserverpb.KV/Range";
const UNKNOWN = "/etcdserverpb.KV/Nope";

async function listen(port: number, options: { keepalive?: KeepaliveOptions; maxConcurrentStreams?: number }): Promise<GrpcListener> {
  return startGrpcServer(new URL(`http://127.0.0.1:${port}`), NO_SERVICES, { maxRequestBytes: 1_572_864, ...options });
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

test("pings sooner than min-time: the third strike gets GOAWAY ENHANCE_YOUR_CALM too_many_pings and the connection closes", async () => {
  const grpc = await listen(27500, { keepalive: { minTimeMs: 1_000, intervalMs: 0, timeoutMs: 0 } });
  const raw = await openRawH2(27500);
  try {
    // One finished call first, as in the etcd run: the server's answer clears the strikes once.
    raw.openCall(1, UNKNOWN);
    raw.data(1, new Uint8Array(0), true);
    assert.ok(await raw.waitFor((f) => f.type === FrameType.HEADERS && f.streamId === 1, 2_000), "the call is answered");
    for (let i = 1; i <= 3; i++) {
      raw.ping(new Uint8Array(8).fill(i));
      assert.ok(await raw.waitFor((f) => f.type === FrameType.PING && f.payload[0] === i, 1_000), `ping ${i} acknowledged`);
      assert.not.ok(raw.frames.some((f) => f.type === FrameType.GOAWAY), `no GOAWAY after ping ${i}`);
    }
    raw.ping(new Uint8Array(8).fill(4));
    assert.ok(await raw.waitClosed(2_000), "the server closed the connection");
    const goaway = raw.frames.find((f) => f.type === FrameType.GOAWAY);
    assert.ok(goaway, "a GOAWAY came before the close");
    assert.is(errorCodeOf(goaway!), ENHANCE_YOUR_CALM);
    assert.is(goawayDebugText(goaway!), "too_many_pings");
  } finally {
    raw.destroy();
    await grpc.close();
  }
});

test("pings at min-time or slower on an open call are never punished", async () => {
  const grpc = await listen(27501, { keepalive: { minTimeMs: 100, intervalMs: 0, timeoutMs: 0 } });
  const raw = await openRawH2(27501);
  try {
    raw.openCall(1, RANGE); // stays open: Range waits for its request message
    for (let i = 1; i <= 5; i++) {
      await sleep(150);
      raw.ping(new Uint8Array(8).fill(i));
      assert.ok(await raw.waitFor((f) => f.type === FrameType.PING && f.payload[0] === i, 1_000), `ping ${i} acknowledged`);
    }
    assert.not.ok(raw.frames.some((f) => f.type === FrameType.GOAWAY));
    assert.is(raw.closedAtMs(), undefined);
  } finally {
    raw.destroy();
    await grpc.close();
  }
});

test("a ping after each answered call never strikes (the server's answer starts the count over)", async () => {
  const grpc = await listen(27508, { keepalive: { minTimeMs: 60_000, intervalMs: 0, timeoutMs: 0 } });
  const raw = await openRawH2(27508);
  try {
    for (let i = 1; i <= 6; i++) {
      const id = 2 * i - 1;
      raw.openCall(id, UNKNOWN);
      raw.data(id, new Uint8Array(0), true);
      assert.ok(await raw.waitFor((f) => f.type === FrameType.HEADERS && f.streamId === id, 2_000), `call ${i} answered`);
      raw.ping(new Uint8Array(8).fill(i));
      assert.ok(await raw.waitFor((f) => f.type === FrameType.PING && f.payload[0] === i, 1_000), `ping ${i} acknowledged`);
    }
    assert.not.ok(raw.frames.some((f) => f.type === FrameType.GOAWAY), "six quick pings, none a strike");
    assert.is(raw.closedAtMs(), undefined);
  } finally {
    raw.destroy();
    await grpc.close();
  }
});

test("a long answer leaving over many flow-control windows clears the strikes per frame sent, as grpc-go: the client's pings between its window updates never add up", async () => {
  // 256 KiB of value: four 64 KiB windows (the client's default), each released by a WINDOW_UPDATE that
  // follows a ping sent sooner than min-time. With strikes cleared only when the answer was queued, the
  // third ping was the third strike and the fourth closed the connection mid-answer.
  const value = new Uint8Array(256 * 1024).fill(0x61);
  const kv = { key: new TextEncoder().encode("big"), value, createRevision: 2n, modRevision: 2n, version: 1n, lease: 0n };
  const services = {
    kv: { range: () => Promise.resolve({ header: { clusterId: 1n, memberId: 1n, revision: 2n, raftTerm: 2n }, kvs: [kv], more: false, count: 1n }) },
  } as unknown as GrpcServices;
  const grpc = await startGrpcServer(new URL("http://127.0.0.1:27509"), services, {
    maxRequestBytes: 1_572_864,
    keepalive: { minTimeMs: 60_000, intervalMs: 0, timeoutMs: 0 },
  });
  const raw = await openRawH2(27509);
  try {
    raw.openCall(1, RANGE);
    raw.data(1, new Uint8Array([0, 0, 0, 0, 5, 0x0a, 3, 0x62, 0x69, 0x67]), true); // RangeRequest{key: "big"}
    const dataBytes = (): number => raw.frames.filter((f) => f.type === FrameType.DATA && f.streamId === 1).reduce((n, f) => n + f.payload.length, 0);
    for (let window = 1; window <= 5 && dataBytes() < value.length; window++) {
      const before = dataBytes();
      assert.ok(await raw.waitFor(() => dataBytes() > before, 2_000), `window ${window}: DATA came`);
      raw.ping(new Uint8Array(8).fill(window));
      assert.ok(await raw.waitFor((f) => f.type === FrameType.PING && f.payload[0] === window, 1_000), `ping ${window} acknowledged`);
      assert.not.ok(raw.frames.some((f) => f.type === FrameType.GOAWAY), `no GOAWAY after ping ${window}`);
      raw.windowUpdate(0, 65_535);
      raw.windowUpdate(1, 65_535);
    }
    assert.ok(await raw.waitFor((f) => f.type === FrameType.HEADERS && f.streamId === 1 && (f.flags & 1) === 1, 2_000), "the answer ended with its trailers");
    assert.ok(dataBytes() > value.length, `the whole answer came (${dataBytes()} bytes)`);
    assert.is(raw.closedAtMs(), undefined, "the connection stayed open");
  } finally {
    raw.destroy();
    await grpc.close();
  }
});

test("an idle connection is pinged after the interval; one that never answers is closed a timeout later", async () => {
  const grpc = await listen(27502, { keepalive: { minTimeMs: 5_000, intervalMs: 300, timeoutMs: 400 } });
  const raw = await openRawH2(27502, { ackPings: false });
  try {
    assert.ok(await raw.waitClosed(3_000), "the silent connection was closed");
    const pings = raw.frames.filter((f) => f.type === FrameType.PING && (f.flags & 1) === 0);
    assert.is(pings.length, 1, "one ping, then the close");
    assert.ok(pings[0]!.atMs >= 250, `pinged after the interval (${pings[0]!.atMs.toFixed(0)} ms)`);
    const silentMs = raw.closedAtMs()! - pings[0]!.atMs;
    assert.ok(silentMs >= 350 && silentMs < 1_500, `closed a timeout after the ping (${silentMs.toFixed(0)} ms)`);
  } finally {
    raw.destroy();
    await grpc.close();
  }
});

test("a client that answers the server's pings stays connected past many intervals", async () => {
  const grpc = await listen(27503, { keepalive: { minTimeMs: 5_000, intervalMs: 200, timeoutMs: 200 } });
  const session = connect("http://127.0.0.1:27503");
  session.on("error", () => {});
  let pings = 0;
  session.on("ping", () => pings++);
  let closed = false;
  session.on("close", () => (closed = true));
  try {
    await sleep(1_300);
    assert.not.ok(closed, "still connected");
    assert.ok(pings >= 3, `the server kept pinging (${pings} pings in 1.3 s at a 200 ms interval)`);
  } finally {
    session.destroy();
    await grpc.close();
  }
});

test("--max-concurrent-streams: announced in SETTINGS; the stream past it is refused with REFUSED_STREAM", async () => {
  const grpc = await listen(27504, { maxConcurrentStreams: 2 });
  const raw = await openRawH2(27504);
  try {
    for (const id of [1, 3, 5]) raw.openCall(id, RANGE);
    assert.ok(await raw.waitFor((f) => f.type === FrameType.RST_STREAM && f.streamId === 5, 2_000), "stream 5 reset");
    const settings = raw.frames.find((f) => f.type === FrameType.SETTINGS && f.flags === 0);
    assert.is(settingOf(settings!, SETTINGS_MAX_CONCURRENT_STREAMS), 2);
    const reset = raw.frames.find((f) => f.type === FrameType.RST_STREAM && f.streamId === 5)!;
    assert.is(errorCodeOf(reset), REFUSED_STREAM);
    // The two within the limit still serve: an empty Range message gets an answer (Internal here: no services).
    raw.data(1, Uint8Array.of(0, 0, 0, 0, 0), true);
    assert.ok(await raw.waitFor((f) => f.type === FrameType.HEADERS && f.streamId === 1, 2_000), "stream 1 answered");
    assert.not.ok(raw.frames.some((f) => f.type === FrameType.RST_STREAM && f.streamId !== 5));
  } finally {
    raw.destroy();
    await grpc.close();
  }
});

test("tsetcd server (one client URL, its default) applies --max-concurrent-streams and the keepalive flags to gRPC", async () => {
  const server = await startTsetcd({ grpc: 27505, peer: 27506 }, {
    extraArgs: ["--max-concurrent-streams", "1", "--grpc-keepalive-interval", "300ms", "--grpc-keepalive-timeout", "0.3s", "--grpc-keepalive-min-time", "1m"],
  });
  const raw = await openRawH2(27505);
  try {
    raw.openCall(1, RANGE);
    raw.openCall(3, RANGE);
    assert.ok(await raw.waitFor((f) => f.type === FrameType.RST_STREAM && f.streamId === 3, 3_000), "stream 3 refused");
    assert.is(errorCodeOf(raw.frames.find((f) => f.type === FrameType.RST_STREAM)!), REFUSED_STREAM);
    assert.ok(await raw.waitClosed(3_000), "the silent client is pinged, then closed");
    const pinged = raw.frames.some((f) => f.type === FrameType.PING && (f.flags & 1) === 0);
    assert.ok(pinged, "a PING came before the close");
  } finally {
    raw.destroy();
    await server.stop();
  }
});

test("PingPolicy: grpc-go's strikes (min-time with calls open, two hours without, cleared by a server write)", () => {
  const policy = new PingPolicy(1_000);
  assert.not.ok(policy.onPing(0, 1), "the first ping is free");
  assert.not.ok(policy.onPing(1_000, 1), "at min-time: no strike");
  assert.not.ok(policy.onPing(1_500, 1), "strike 1");
  assert.not.ok(policy.onPing(1_600, 1), "strike 2");
  policy.noteWrite();
  assert.not.ok(policy.onPing(1_700, 1), "a write in between clears them");
  assert.not.ok(policy.onPing(1_800, 1), "strike 1 again");
  assert.not.ok(policy.onPing(1_900, 1), "strike 2 again");
  assert.ok(policy.onPing(2_000, 1), "strike 3: go away");
  const idle = new PingPolicy(1_000);
  idle.onPing(0, 0);
  assert.not.ok(idle.onPing(10_000, 0));
  assert.not.ok(idle.onPing(20_000, 0));
  assert.ok(idle.onPing(30_000, 0), "no call open: pings closer than two hours strike");
  const unset = new PingPolicy(0);
  unset.onPing(0, 1);
  unset.onPing(60_000, 1);
  unset.onPing(120_000, 1);
  assert.ok(unset.onPing(180_000, 1), "min-time 0: grpc-go's 5 minutes");
});

test("parseGoDurationMs: Go's time.ParseDuration syntax", () => {
  const good: [string, number][] = [
    ["5s", 5_000], ["2h0m0s", 7_200_000], ["2h", 7_200_000], ["1.5m", 90_000], ["300ms", 300], ["0", 0],
    ["-1s", -1_000], ["+20s", 20_000], ["1h30m", 5_400_000], ["1500us", 1.5], ["2µs", 0.002], [".5s", 500], ["1.s", 1_000],
  ];
  for (const [text, ms] of good) assert.is(parseGoDurationMs(text), ms, text);
  for (const text of ["", "5", "s", "1x", "1s2", " 1s", "1 s", "--1s", "-", "1e3s", "1s ", "9999999999999999h"]) {
    assert.is(parseGoDurationMs(text), undefined, JSON.stringify(text));
  }
});

test("the flags: etcd's names, defaults and parse errors", () => {
  const run = (args: string[]): ServerConfig => {
    const parsed = parseServerArgs(args, {});
    if (parsed.kind !== "run") throw new Error(JSON.stringify(parsed));
    return parsed.config;
  };
  const defaults = run([]);
  assert.equal(
    [defaults.grpcKeepaliveMinTimeMs, defaults.grpcKeepaliveIntervalMs, defaults.grpcKeepaliveTimeoutMs],
    [ETCD_KEEPALIVE.minTimeMs, ETCD_KEEPALIVE.intervalMs, ETCD_KEEPALIVE.timeoutMs],
  );
  assert.equal([ETCD_KEEPALIVE.minTimeMs, ETCD_KEEPALIVE.intervalMs, ETCD_KEEPALIVE.timeoutMs], [5_000, 7_200_000, 20_000]);
  assert.is(defaults.maxConcurrentStreams, 4_294_967_295);
  const set = run(["--grpc-keepalive-min-time=1s", "--grpc-keepalive-interval", "1m30s", "-grpc-keepalive-timeout", "0", "--max-concurrent-streams", "7"]);
  assert.equal([set.grpcKeepaliveMinTimeMs, set.grpcKeepaliveIntervalMs, set.grpcKeepaliveTimeoutMs, set.maxConcurrentStreams], [1_000, 90_000, 0, 7]);
  assert.is(run([], ).maxConcurrentStreams, run(["--max-concurrent-streams", "4294967295"]).maxConcurrentStreams);
  const fromEnv = parseServerArgs([], { ETCD_GRPC_KEEPALIVE_INTERVAL: "10s" });
  assert.is(fromEnv.kind === "run" && fromEnv.config.grpcKeepaliveIntervalMs, 10_000);
  // etcd 3.4.23's own messages for the same arguments.
  assert.equal(parseServerArgs(["--grpc-keepalive-min-time", "abc"], {}), {
    kind: "error",
    message: 'invalid value "abc" for flag -grpc-keepalive-min-time: parse error',
    exitCode: 2,
  });
  assert.equal(parseServerArgs(["--max-concurrent-streams", "4294967296"], {}), {
    kind: "error",
    message: 'invalid value "4294967296" for flag -max-concurrent-streams: strconv.ParseUint: parsing "4294967296": value out of range',
    exitCode: 2,
  });
});

test.run();
