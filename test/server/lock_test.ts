// The data-dir lock is an OS lock: a second holder is refused, a dead holder (even an unreaped zombie)
// blocks nothing, and a lock file naming a live PID that holds no lock blocks nothing. Ports 32000–32001.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawn, type ChildProcess } from "node:child_process";
import { LOCK_FILE, lockDataDir } from "../../src/server/lock.ts";

const LOCK_MODULE = new URL("../../src/server/lock.ts", import.meta.url).pathname;
const CHILD_READY_TIMEOUT_MS = 15_000;
const ZOMBIE_TIMEOUT_MS = 5_000;
const POLL_MS = 20;

function tempDir(): string {
  return mkdtempSync(join(tmpdir(), "tsetcd-lock-"));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/**
 * A Bun process that takes the lock on `dir` and then idles, started by a shell that backgrounds it and
 * then becomes `sleep`: its parent never waits, so once killed it stays a zombie until the wrapper ends.
 * Resolves with the holder's PID once it holds the lock.
 */
async function spawnHolderUnderNonReapingParent(dir: string): Promise<{ wrapper: ChildProcess; holderPid: number }> {
  const code = `const { lockDataDir } = await import(${JSON.stringify(LOCK_MODULE)});` +
    `lockDataDir(${JSON.stringify(dir)}); console.log("locked"); setInterval(() => {}, 1000);`;
  const wrapper = spawn("sh", ["-c", `"$0" -e "$1" & echo "pid $!"; exec sleep 60`, process.execPath, code], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  wrapper.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  const deadline = Date.now() + CHILD_READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    const pid = /pid (\d+)/.exec(out)?.[1];
    if (pid !== undefined && out.includes("locked")) return { wrapper, holderPid: Number(pid) };
    await sleep(POLL_MS);
  }
  wrapper.kill("SIGKILL");
  throw new Error(`the lock holder did not start: ${JSON.stringify(out)}`);
}

/** The one-letter process state from /proc (Linux), e.g. "S", "Z"; undefined when the PID is gone. */
function processState(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[0];
  } catch {
    return undefined;
  }
}

test("a second holder in the same process is refused with a clear message; release frees the dir", () => {
  const dir = tempDir();
  try {
    const lock = lockDataDir(dir);
    assert.is(readFileSync(join(dir, LOCK_FILE), "utf8").trim(), String(process.pid));
    assert.throws(() => lockDataDir(dir), (err: Error) =>
      err.message === `data dir ${dir} is in use by another tsetcd server (pid ${process.pid}; lock file ${lock.path})`);
    lock.release();
    lock.release(); // idempotent
    const again = lockDataDir(dir);
    again.release();
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a lock file naming a live process that holds no lock blocks nothing (PID 1, our parent, ourselves, garbage)", () => {
  const dir = tempDir();
  try {
    for (const text of ["1\n", `${process.ppid}\n`, `${process.pid}\n`, "garbage", ""]) {
      writeFileSync(join(dir, LOCK_FILE), text);
      const lock = lockDataDir(dir);
      assert.is(readFileSync(join(dir, LOCK_FILE), "utf8"), `${process.pid}\n`);
      lock.release();
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

/** Takes the lock, retrying while another process still holds it, for at most `timeoutMs`. */
async function lockWithin(dir: string, timeoutMs: number): Promise<ReturnType<typeof lockDataDir>> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return lockDataDir(dir);
    } catch (err) {
      if (Date.now() >= deadline) throw err;
    }
    await sleep(POLL_MS);
  }
}

test("another process holding the dir is refused; once SIGKILLed — still an unreaped zombie — the dir is free at once", async () => {
  const dir = tempDir();
  const { wrapper, holderPid } = await spawnHolderUnderNonReapingParent(dir);
  try {
    assert.throws(() => lockDataDir(dir), new RegExp(`in use by another tsetcd server \\(pid ${holderPid};`));
    process.kill(holderPid, "SIGKILL");
    const deadline = Date.now() + ZOMBIE_TIMEOUT_MS;
    while (processState(holderPid) !== "Z" && Date.now() < deadline) await sleep(POLL_MS);
    assert.is(processState(holderPid), "Z", "the killed holder should be a zombie (its parent never waits)");
    // The lock file still names the zombie's PID, which kill(pid, 0) reports as alive.
    assert.is(readFileSync(join(dir, LOCK_FILE), "utf8").trim(), String(holderPid));
    // The leader thread shows Z while the process's other threads may still be tearing down its files; the
    // kernel drops the lock when the last one is gone, a moment later and still without any reaping.
    const lock = await lockWithin(dir, ZOMBIE_TIMEOUT_MS);
    assert.is(processState(holderPid), "Z", "the holder must still be unreaped when its lock is taken over");
    assert.is(readFileSync(join(dir, LOCK_FILE), "utf8").trim(), String(process.pid));
    lock.release();
  } finally {
    wrapper.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

test("a SIGKILLed server whose process is still an unreaped zombie is restarted on its data dir at once", async () => {
  const dir = tempDir();
  const clientUrl = "http://127.0.0.1:32000";
  const peerUrl = "http://127.0.0.1:32001";
  const args = [
    "server", "--data-dir", dir, "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
    "--listen-peer-urls", peerUrl, "--initial-advertise-peer-urls", peerUrl, "--initial-cluster", `default=${peerUrl}`,
  ];
  const modTs = new URL("../../mod.ts", import.meta.url).pathname;
  // The shell backgrounds the server and becomes `sleep`, which never waits for it.
  const wrapper = spawn("sh", ["-c", `"$0" "$@" 2>&1 & echo "pid $!"; exec sleep 60`, process.execPath, modTs, ...args], {
    stdio: ["ignore", "pipe", "inherit"],
  });
  let out = "";
  wrapper.stdout!.on("data", (chunk: Buffer) => (out += chunk.toString()));
  let restarted: ChildProcess | undefined;
  try {
    const deadline = Date.now() + CHILD_READY_TIMEOUT_MS;
    while (!out.includes("ready to serve client requests") && Date.now() < deadline) await sleep(POLL_MS);
    assert.ok(out.includes("ready to serve client requests"), `the first server did not start: ${out}`);
    const serverPid = Number(/pid (\d+)/.exec(out)![1]);
    const put = await fetch(`${clientUrl}/v3/kv/put`, { method: "POST", body: JSON.stringify({ key: btoa("k"), value: btoa("v") }) });
    assert.is(put.status, 200);
    process.kill(serverPid, "SIGKILL");
    const zombieDeadline = Date.now() + ZOMBIE_TIMEOUT_MS;
    while (processState(serverPid) !== "Z" && Date.now() < zombieDeadline) await sleep(POLL_MS);
    assert.is(processState(serverPid), "Z", "the killed server should be a zombie");
    restarted = spawn(process.execPath, [modTs, ...args], { stdio: ["ignore", "ignore", "pipe"] });
    let log = "";
    restarted.stderr!.on("data", (chunk: Buffer) => (log += chunk.toString()));
    const restartDeadline = Date.now() + CHILD_READY_TIMEOUT_MS;
    while (!log.includes("ready to serve client requests") && restarted.exitCode === null && Date.now() < restartDeadline) {
      await sleep(POLL_MS);
    }
    assert.ok(log.includes("ready to serve client requests"), `the restart did not serve: ${log}`);
    const range = await fetch(`${clientUrl}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: btoa("k") }) });
    const body = await range.json() as { kvs?: { value: string }[] };
    assert.is(atob(body.kvs![0].value), "v");
  } finally {
    if (restarted !== undefined && restarted.exitCode === null) {
      const exited = new Promise((resolve) => restarted!.once("exit", resolve));
      restarted.kill("SIGTERM");
      // A timer cleared at once, not sleep(): a pending one would hold the process open for the rest of it.
      let timer: ReturnType<typeof setTimeout> | undefined;
      await Promise.race([exited, new Promise((resolve) => (timer = setTimeout(resolve, 10_000)))]);
      clearTimeout(timer);
      if (restarted.exitCode === null) restarted.kill("SIGKILL");
    }
    wrapper.kill("SIGKILL");
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
