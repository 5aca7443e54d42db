// `tsetcd watch` in-process against a route + hub on an in-memory store. Expected texts are what etcdctl
// 3.4.23 printed against etcd 3.4 for the same writes (captured by hand; ids and term are that member's).
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import type { CommandContext, Io } from "../../commands/command.ts";
import { globalsFrom } from "../../commands/command.ts";
import { CliError } from "../../commands/errors.ts";
import { parseCommandLine } from "../../commands/flags.ts";
import { runWatch, WATCH_FLAGS, type WatchDeps } from "../../commands/watch.ts";
import type { ResponseHeader } from "../../src/codec/messages.ts";
import { handleWatch } from "../../src/api/watch_route.ts";
import { Fixture } from "./harness.ts";

const CLUSTER_ID = 14683696539752221034n;
const MEMBER_ID = 9791106034210434137n;

function etcdHeader(revision: number): ResponseHeader {
  return { cluster_id: CLUSTER_ID, member_id: MEMBER_ID, revision, raft_term: 2 };
}

interface Run {
  out: string;
  err: string;
  /** Exit code and the text mod.ts would print for the error that ended the command. */
  exit: Promise<{ code: number; message: string }>;
  stop(): void;
}

interface Member {
  f: Fixture;
  endpoint: string;
  stop(): void;
}

function serveMember(): Member {
  let f: Fixture | undefined;
  f = new Fixture({ header: etcdHeader, requestStep: () => setTimeout(() => f?.hub.step(), 1) });
  const fixture = f;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (request, srv) => handleWatch(request, fixture.hub, { onStreamStart: (r) => srv.timeout(r, 0) }),
  });
  return { f: fixture, endpoint: `127.0.0.1:${server.port}`, stop: () => server.stop(true) };
}

/** Runs `tsetcd watch <argv>` against `m`; `lines` feeds interactive mode. */
function runCommand(m: Member, argv: string[], options: { env?: Record<string, string>; lines?: AsyncIterable<string>; exec?: WatchDeps["exec"] } = {}): Run {
  const controller = new AbortController();
  const run = { out: "", err: "" } as Run;
  const io: Io = {
    stdout: (text) => void (run.out += text),
    stdoutBytes: (bytes) => void (run.out += Buffer.from(bytes).toString("latin1")),
    stderr: (text) => void (run.err += text),
    readStdin: () => new Uint8Array(),
    readStdinLine: () => undefined,
    env: options.env ?? {},
    stdoutIsTty: false,
  };
  const deps: WatchDeps = {
    argv: ["watch", ...argv],
    lines: () => options.lines ?? (async function* () {})(),
    exec: options.exec ?? captureExec(run),
    signal: controller.signal,
  };
  run.stop = () => controller.abort();
  run.exit = (async () => {
    try {
      const line = parseCommandLine(["--endpoints", m.endpoint, ...argv], WATCH_FLAGS, io.env);
      const ctx: CommandContext = { io, args: line.args, flags: line.flags, globals: globalsFrom(line.flags) };
      return { code: await runWatch(ctx, deps), message: "" };
    } catch (error) {
      if (!(error instanceof CliError)) throw error;
      return { code: error.exitCode, message: error.raw ? error.message : `Error: ${error.message}\n` };
    }
  })();
  return run;
}

/** Runs the command with its output captured into the run's stdout (the real one inherits ours). */
function captureExec(run: { out: string; err: string }): WatchDeps["exec"] {
  return (args, env) => {
    const result = spawnSync(args[0]!, args.slice(1), { env: { ...process.env, ...env }, encoding: "utf8" });
    run.out += result.stdout ?? "";
    run.err += result.stderr ?? "";
    return { status: result.status, signal: result.signal };
  };
}

async function waitFor(check: () => boolean, timeoutMs = 3_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check() && Date.now() < deadline) await Bun.sleep(5);
  assert.ok(check(), "condition not reached in time");
}

/** The writes of the captured session: put w1 "hello world", put w1 second, del w1. */
async function session(m: Member, run: Run, expectedOut: string): Promise<void> {
  await waitFor(() => m.f.hub.counts().watchers === 1);
  m.f.put("w1", "hello world");
  m.f.put("w1", "second");
  m.f.del("w1");
  await waitFor(() => run.out.length >= expectedOut.length);
  run.stop();
  assert.equal((await run.exit).message, "Error: watch is canceled by the server\n");
  assert.is(run.out, expectedOut);
  await waitFor(() => m.f.hub.counts().watchers === 0); // the next session's watcher must be the only one
}

test("simple output, with and without --prev-kv, and --hex", async () => {
  const m = serveMember();
  try {
    let run = runCommand(m, ["w1"]);
    await session(m, run, "PUT\nw1\nhello world\nPUT\nw1\nsecond\nDELETE\nw1\n\n");
    run = runCommand(m, ["w1", "--prev-kv"]);
    await session(m, run, "PUT\nw1\nhello world\nPUT\nw1\nhello world\nw1\nsecond\nDELETE\nw1\nsecond\nw1\n\n");
    run = runCommand(m, ["w1", "--hex"]);
    const hex = "PUT\n\\x77\\x31\n\\x68\\x65\\x6c\\x6c\\x6f\\x20\\x77\\x6f\\x72\\x6c\\x64\nPUT\n\\x77\\x31\n" +
      "\\x73\\x65\\x63\\x6f\\x6e\\x64\nDELETE\n\\x77\\x31\n\n";
    await session(m, run, hex);
  } finally {
    m.stop();
  }
});

test("json and fields output as etcdctl's", async () => {
  const m = serveMember();
  try {
    const h = `"cluster_id":${CLUSTER_ID},"member_id":${MEMBER_ID}`;
    let run = runCommand(m, ["w", "--prefix", "-w", "json"]);
    await session(m, run, [
      `{"Header":{${h},"revision":2,"raft_term":2},"Events":[{"kv":{"key":"dzE=","create_revision":2,"mod_revision":2,"version":1,"value":"aGVsbG8gd29ybGQ="}}],"CompactRevision":0,"Canceled":false,"Created":false}`,
      `{"Header":{${h},"revision":3,"raft_term":2},"Events":[{"kv":{"key":"dzE=","create_revision":2,"mod_revision":3,"version":2,"value":"c2Vjb25k"}}],"CompactRevision":0,"Canceled":false,"Created":false}`,
      `{"Header":{${h},"revision":4,"raft_term":2},"Events":[{"type":1,"kv":{"key":"dzE=","mod_revision":4}}],"CompactRevision":0,"Canceled":false,"Created":false}`,
      "",
    ].join("\n"));
    run = runCommand(m, ["w1", "-w", "fields", "--prev-kv"]);
    const header = (rev: number): string =>
      `"ClusterID" : ${CLUSTER_ID}\n"MemberID" : ${MEMBER_ID}\n"Revision" : ${rev}\n"RaftTerm" : 2\n`;
    const kv = (p: string, c: number, mod: number, v: number, value: string): string =>
      `"${p}Key" : "w1"\n"${p}CreateRevision" : ${c}\n"${p}ModRevision" : ${mod}\n"${p}Version" : ${v}\n` +
      `"${p}Value" : "${value}"\n"${p}Lease" : 0\n`;
    await session(m, run,
      header(5) + '"Type" : PUT\n' + kv("", 5, 5, 1, "hello world") +
      header(6) + '"Type" : PUT\n' + kv("Prev", 5, 5, 1, "hello world") + kv("", 5, 6, 2, "second") +
      header(7) + '"Type" : DELETE\n' + kv("Prev", 5, 6, 2, "second") + kv("", 0, 7, 0, ""));
  } finally {
    m.stop();
  }
});

test("-- command: ETCD_WATCH_* per event; a failing command ends the watch with exit 1", async () => {
  const m = serveMember();
  try {
    const run = runCommand(m, ["w1", "--", "sh", "-c", "env | grep ETCD_WATCH | sort; echo done"]);
    await session(m, run, [
      "PUT", "w1", "hello world",
      'ETCD_WATCH_EVENT_TYPE="PUT"', 'ETCD_WATCH_KEY="w1"', "ETCD_WATCH_REVISION=2", 'ETCD_WATCH_VALUE="hello world"', "done",
      "PUT", "w1", "second",
      'ETCD_WATCH_EVENT_TYPE="PUT"', 'ETCD_WATCH_KEY="w1"', "ETCD_WATCH_REVISION=3", 'ETCD_WATCH_VALUE="second"', "done",
      "DELETE", "w1", "",
      'ETCD_WATCH_EVENT_TYPE="DELETE"', 'ETCD_WATCH_KEY="w1"', "ETCD_WATCH_REVISION=4", 'ETCD_WATCH_VALUE=""', "done",
      "",
    ].join("\n"));
    const failing = runCommand(m, ["w1", "--", "false"]);
    await waitFor(() => m.f.hub.counts().watchers === 1);
    m.f.put("w1", "x");
    assert.equal(await failing.exit, { code: 1, message: 'command ["false"] error (exit status 1)\n' });
    assert.is(failing.out, "PUT\nw1\nx\n");
    failing.stop();
  } finally {
    m.stop();
  }
});

test("a compacted --rev: canceled on stderr, the response displayed, exit 5", async () => {
  const m = serveMember();
  try {
    for (const v of ["v1", "v2", "v3"]) m.f.put("b", v);
    m.f.del("b");
    m.f.store.compact(4);
    const run = runCommand(m, ["--rev", "2", "b", "-w", "json"]);
    assert.equal(await run.exit, { code: 5, message: "Error: watch is canceled by the server\n" });
    assert.is(run.err, "watch was canceled (etcdserver: mvcc: required revision has been compacted)\n");
    assert.is(run.out, `{"Header":{"cluster_id":${CLUSTER_ID},"member_id":${MEMBER_ID},"raft_term":2},"Events":[],"CompactRevision":4,"Canceled":true,"Created":false}\n`);
  } finally {
    m.stop();
  }
});

test("argument errors, word for word, exit 128", async () => {
  const m = serveMember();
  try {
    const cases: [string[], Record<string, string>, string][] = [
      [[], {}, "Error: bad number of arguments\n"],
      [["w1", "--"], {}, "Error: bad number of arguments (found separator --, but no commands)\n"],
      [["w1"], { ETCDCTL_WATCH_KEY: "w1" }, "Error: bad number of arguments (found conflicting environment key)\n"],
      [["w1"], { ETCDCTL_WATCH_RANGE_END: "w1" }, 'Error: ETCDCTL_WATCH_KEY is empty but got ETCDCTL_WATCH_RANGE_END="w1"\n'],
      [["--prefix", "a", "b"], {}, "Error: `range_end` and `--prefix` are mutually exclusive\n"],
    ];
    for (const [argv, env, message] of cases) {
      const run = runCommand(m, argv, { env });
      assert.equal(await run.exit, { code: 128, message }, argv.join(" "));
      run.stop();
    }
  } finally {
    m.stop();
  }
});

test("-i: watch and progress lines, etcdctl's complaints, EOF ends with exit 3", async () => {
  const m = serveMember();
  try {
    m.f.put("w1", "0"); // revision 2
    let release!: () => void;
    const gate = new Promise<void>((resolve) => (release = resolve));
    const lines = (async function* () {
      yield "watch w1";
      yield "progress";
      yield "foo";
      yield "";
      yield "watch";
      yield "watch w --prefix --prev-kv -- echo hi";
      await gate;
    })();
    const run = runCommand(m, ["-i"], { lines });
    await waitFor(() => m.f.hub.counts().watchers === 2 && run.out.includes("progress notify"));
    m.f.put("w1", "x");
    await waitFor(() => run.out.split("\n").length >= 11);
    release();
    assert.equal(await run.exit, { code: 3, message: "Error: Error reading watch request line: EOF\n" });
    assert.is(run.err, "Invalid command foo (only support watch)\nInvalid command:  (watch and progress supported)\n" +
      "Invalid command watch (command type or key is not provided)\n");
    const out = run.out.split("\n");
    assert.is(out[0], "progress notify: 2");
    // Two watches print the same put (their order is a race, as in etcdctl); the second runs echo.
    assert.equal(out.slice(1).sort(), ["", "0", "PUT", "PUT", "hi", "w1", "w1", "w1", "x", "x"].sort());
    run.stop();
  } finally {
    m.stop();
  }
});

test.run();
