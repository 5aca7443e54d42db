// Lock and elect against a real 3-member cluster of `tsetcd server` processes (each client on another member): five concurrent `tsetcd lock` processes
// increment a counter file with no overlap (the same script without the lock does overlap, so the check
// can fail), each holder sees a higher ETCD_LOCK_REV than the one before; `tsetcd elect` hands over to the
// next campaigner when the leader is interrupted, and `elect -l` prints each new leader.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { background, Cluster, exec, tsetcd } from "./procs.ts";

let cluster: Cluster;
let endpoints: string[];
let dir: string;

test.before(async () => {
  cluster = new Cluster(3);
  await cluster.start(30_000);
  endpoints = cluster.endpoints;
  dir = mkdtempSync(join(tmpdir(), "tsetcd-it-lock-"));
});
test.after(async () => {
  await cluster.close();
  rmSync(dir, { recursive: true, force: true });
});

const HOLDERS = 5;

/** The endpoints starting from member i (mod the cluster size), so holders talk to different members. */
function rotated(i: number): string[] {
  const k = i % endpoints.length;
  return [...endpoints.slice(k), ...endpoints.slice(0, k)];
}

/**
 * The critical section: `mkdir held` fails if another holder is inside (an overlap, recorded), then a slow
 * read-increment-write of the counter, and the lock revision appended to a log.
 */
function criticalSection(d: string): string {
  return `mkdir ${d}/held 2>/dev/null || echo overlap >> ${d}/overlaps; ` +
    `n=$(cat ${d}/counter); sleep 0.2; echo $((n + 1)) > ${d}/counter; ` +
    `echo "\${ETCD_LOCK_REV:-0} \${ETCD_LOCK_KEY:-none}" >> ${d}/revs; rmdir ${d}/held 2>/dev/null; true`;
}

function reset(d: string): void {
  rmSync(d, { recursive: true, force: true });
  mkdirSync(d, { recursive: true });
  writeFileSync(join(d, "counter"), "0\n");
}

test("five concurrent tsetcd lock processes increment a counter with no overlap", async () => {
  const d = join(dir, "locked");
  reset(d);
  const runs = await Promise.all(
    Array.from({ length: HOLDERS }, (_, i) => tsetcd(rotated(i), ["lock", "it-counter", "--", "sh", "-c", criticalSection(d)], { timeoutMs: 30_000 })),
  );
  for (const run of runs) assert.is(run.code, 0, run.stderr);
  assert.is(readFileSync(join(d, "counter"), "utf8").trim(), String(HOLDERS));
  assert.throws(() => readFileSync(join(d, "overlaps"), "utf8"), "no overlap recorded");
  // Fencing: in the order holders entered, each one's lock revision is higher than the previous one's.
  const revs = readFileSync(join(d, "revs"), "utf8").trim().split("\n").map((l) => l.split(" "));
  assert.is(revs.length, HOLDERS);
  for (const [rev, key] of revs) assert.ok(Number(rev) > 0 && key!.startsWith("it-counter/"), `${rev} ${key}`);
  const order = revs.map(([rev]) => Number(rev));
  assert.equal(order, [...order].sort((a, b) => a - b));
  const left = await tsetcd(endpoints, ["get", "it-counter", "--prefix", "--keys-only"]);
  assert.is(left.stdout, "", "every holder released its key");
});

test("the same critical section without the lock does overlap (the check can fail)", async () => {
  const d = join(dir, "unlocked");
  reset(d);
  await Promise.all(Array.from({ length: HOLDERS }, () => exec("sh", ["-c", criticalSection(d)])));
  assert.match(readFileSync(join(d, "overlaps"), "utf8"), "overlap");
});

test("elect: the leader prints its key and proposal, the next campaigner wins when it is interrupted", async () => {
  const observer = background(rotated(2), ["elect", "-l", "it-elect"]);
  const first = background(rotated(0), ["elect", "it-elect", "p1"]);
  try {
    await first.waitFor((out) => out.includes("p1\n"));
    assert.match(first.stdout(), /^it-elect\/[0-9a-f]+\np1\n$/);
    const second = background(rotated(1), ["elect", "it-elect", "p2"]);
    try {
      await Bun.sleep(500);
      assert.is(second.stdout(), "", "the second campaigner waits");
      const stopped = await first.stop("SIGINT");
      assert.is(stopped.code, 0, stopped.stderr);
      await second.waitFor((out) => out.includes("p2\n"));
      await observer.waitFor((out) => out.includes("p1\n") && out.includes("p2\n"));
      assert.match(observer.stdout(), /^it-elect\/[0-9a-f]+\np1\nit-elect\/[0-9a-f]+\np2\n$/);
    } finally {
      await second.stop("SIGINT");
    }
  } finally {
    await first.stop("SIGKILL");
    await observer.stop("SIGKILL");
  }
});

test.run();
