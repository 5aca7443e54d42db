/**
 * `tsetcd cluster up` as a process: members healthy and writable through every printed endpoint,
 * SIGINT leaves no member behind, --data-dir keeps keys and ports across runs, and
 * --kill-leader-every SIGKILLs the leader and brings it back with the cluster still writable.
 */
import { type ChildProcess, spawn, spawnSync } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";

const MOD_TS = join(import.meta.dir, "../../mod.ts");
const WAIT_MS = 20_000;
const STEP_MS = 50;

interface Run {
  child: ChildProcess;
  out: () => string;
  exit: Promise<number | null>;
}

function clusterUp(args: string[]): Run {
  const child = spawn(process.execPath, [MOD_TS, "cluster", "up", ...args], { stdio: ["ignore", "pipe", "pipe"] });
  let text = "";
  child.stdout!.setEncoding("utf8").on("data", (chunk: string) => void (text += chunk));
  child.stderr!.setEncoding("utf8").on("data", (chunk: string) => void (text += chunk));
  const exit = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, out: () => text, exit };
}

async function waitFor<T>(what: string, probe: () => Promise<T | undefined> | T | undefined, run: Run): Promise<T> {
  const deadlineMs = Date.now() + WAIT_MS;
  while (Date.now() < deadlineMs) {
    const found = await probe();
    if (found !== undefined) return found;
    await new Promise((resolve) => setTimeout(resolve, STEP_MS));
  }
  throw new Error(`timed out waiting for ${what}; output:\n${run.out().slice(-3000)}`);
}

function childPids(pid: number): number[] {
  const ps = spawnSync("ps", ["-o", "pid=", "--ppid", String(pid)], { encoding: "utf8" });
  return ps.stdout.split("\n").map((s) => Number(s.trim())).filter((n) => n > 0);
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const b64 = (text: string): string => Buffer.from(text).toString("base64");

async function call(url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const response = await fetch(`${url}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { "content-type": "application/json" },
    signal: AbortSignal.timeout(3_000),
  });
  const json = (await response.json()) as Record<string, unknown>;
  if (!response.ok) throw new Error(`${path} on ${url}: ${JSON.stringify(json)}`);
  return json;
}

async function get(url: string, key: string): Promise<string | undefined> {
  const answer = await call(url, "/v3/kv/range", { key: b64(key) });
  const kv = (answer.kvs as { value?: string }[] | undefined)?.[0];
  return kv === undefined ? undefined : Buffer.from(kv.value ?? "", "base64").toString();
}

/** The endpoints from the export line, checked against each member's own line. */
function printedEndpoints(out: string): string[] {
  const line = out.split("\n").find((l) => l.startsWith("export ETCDCTL_ENDPOINTS="))!;
  const urls = line.slice("export ETCDCTL_ENDPOINTS=".length).split(",");
  urls.forEach((url, i) => assert.ok(out.includes(`m${i + 1}  client ${url}  peer `), `m${i + 1}'s line names ${url}`));
  assert.ok(out.includes(`tsetcd --endpoints=${urls.join(",")} `), "the tsetcd hint");
  assert.ok(out.includes(`console: ${urls[0]}/ui\n`), "the console URL");
  return urls;
}

/** SIGINT: exit code 0, and every member process (seen before the signal) gone. */
async function interruptAndCheck(run: Run, members: number[]): Promise<void> {
  assert.ok(members.every(alive), "members alive before SIGINT");
  run.child.kill("SIGINT");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise((resolve) => (timer = setTimeout(() => resolve("late"), WAIT_MS)));
  const code = await Promise.race([run.exit, late]);
  clearTimeout(timer);
  assert.is(code, 0, `exit code; output:\n${run.out().slice(-2000)}`);
  assert.equal(members.filter(alive), [], "no member process left");
}

const root = mkdtempSync(join(tmpdir(), "tsetcd-cluster-up-test-"));

test("cluster up 3 --data-dir: healthy, writable through every endpoint, stops on SIGINT", async () => {
  const run = clusterUp(["3", "--data-dir", root]);
  await waitFor("endpoints", () => (run.out().includes("console: ") ? true : undefined), run);
  const urls = printedEndpoints(run.out());
  assert.is(urls.length, 3);
  for (const [i, url] of urls.entries()) {
    const health = (await (await fetch(`${url}/health`)).json()) as { health: string };
    assert.is(health.health, "true", url);
    await call(url, "/v3/kv/put", { key: b64(`k${i}`), value: b64(`v${i}`) });
  }
  for (const url of urls) assert.equal(await Promise.all([0, 1, 2].map((i) => get(url, `k${i}`))), ["v0", "v1", "v2"]);
  assert.ok(/^m1 \| /m.test(run.out()) && /^m3 \| /m.test(run.out()), "member log lines carry their prefix");
  const members = childPids(run.child.pid!);
  assert.is(members.length, 3, "three member processes");
  await interruptAndCheck(run, members);
  (globalThis as { firstUrls?: string[] }).firstUrls = urls;
});

test("a second run on the same --data-dir: same endpoints, the keys kept; --kill-leader-every restarts the leader", async () => {
  const run = clusterUp(["3", "--data-dir", root, "--kill-leader-every", "2s"]);
  await waitFor("endpoints", () => (run.out().includes("console: ") ? true : undefined), run);
  const urls = printedEndpoints(run.out());
  assert.equal(urls, (globalThis as { firstUrls?: string[] }).firstUrls, "ports reused from the state file");
  assert.is(await get(urls[1]!, "k0"), "v0");
  const killed = await waitFor("a leader killed", () => /SIGKILL leader (m\d) \(pid (\d+)\)/.exec(run.out()) ?? undefined, run);
  await waitFor("the leader restarted", () => (run.out().includes(`restarted ${killed[1]}`) ? true : undefined), run);
  assert.not.ok(alive(Number(killed[2])), "the killed process is gone");
  // The cluster takes writes again, through the restarted member too.
  const restartedUrl = urls[Number(killed[1]!.slice(1)) - 1]!;
  await waitFor("a write through the restarted member", async () => {
    try {
      await call(restartedUrl, "/v3/kv/put", { key: b64("after"), value: b64("chaos") });
      return true;
    } catch {
      return undefined;
    }
  }, run);
  for (const url of urls) {
    await waitFor(`after=chaos on ${url}`, async () => ((await get(url, "after").catch(() => undefined)) === "chaos" ? true : undefined), run);
  }
  const members = childPids(run.child.pid!);
  assert.is(members.length, 3, "three member processes after the restart");
  await interruptAndCheck(run, members);
  rmSync(root, { recursive: true, force: true });
});

test.run();
