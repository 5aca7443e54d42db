/**
 * etcdctl 3.4 (gRPC) against a Deno member on its one client URL: the front on node:net
 * (src/front/node_front.ts) splices HTTP/2 to the gRPC engine and HTTP/1 to the gateway on the same port.
 * put/get, a watch, a lease kept alive, and a few answers (errors included) compared with etcd 3.4's.
 */
import { spawn } from "node:child_process";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { runEtcdctl } from "../helpers/etcd.ts";
import { startMember } from "./deno_member.ts";

/** Loopback ports of this file (helper U2's range). */
const DENO_PORTS = { client: 25730, peer: 25731 };
const ETCD_PORTS = { client: 25732, peer: 25733 };
const WATCH_LIMIT_MS = 10_000;

async function ctl(endpoint: string, args: string[]): Promise<string> {
  const run = await runEtcdctl([`--endpoints=${endpoint}`, ...args]);
  assert.is(run.code, 0, `etcdctl ${args.join(" ")}: ${run.err}`);
  return run.out;
}

/** Runs `etcdctl watch` until its output holds `until` (bounded), then stops it; its output. */
function watchUntil(endpoint: string, args: string[], until: string): Promise<string> {
  return new Promise((done) => {
    const child = spawn("etcdctl", [`--endpoints=${endpoint}`, "watch", ...args],
      { stdio: ["ignore", "pipe", "ignore"], env: { ...process.env, ETCDCTL_API: "3" } });
    let out = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), WATCH_LIMIT_MS);
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      if (out.includes(until)) child.kill("SIGKILL");
    });
    child.on("exit", () => {
      clearTimeout(timer);
      done(out);
    });
  });
}

test("etcdctl put/get/watch/lease keep-alive on a Deno member's one client URL; the gateway on the same port", async () => {
  const member = await startMember(DENO_PORTS);
  try {
    const at = member.endpoint;
    assert.is(await ctl(at, ["put", "foo", "bar"]), "OK\n");
    assert.is(await ctl(at, ["get", "foo"]), "foo\nbar\n");
    // The watch starts at revision 3 (the put below), so it sees the put whenever it gets going.
    const watched = watchUntil(at, ["w", "--rev=3"], "v1\n");
    assert.is(await ctl(at, ["put", "w", "v1"]), "OK\n");
    assert.is(await watched, "PUT\nw\nv1\n");
    const granted = await ctl(at, ["lease", "grant", "30"]);
    const id = /^lease ([0-9a-f]+) granted with TTL\(30s\)\n$/.exec(granted)?.[1];
    assert.ok(id, granted);
    assert.is(await ctl(at, ["lease", "keep-alive", "--once", id!]), `lease ${id} keepalived with TTL(30)\n`);
    assert.is(await ctl(at, ["put", "held", "x", `--lease=${id}`]), "OK\n");
    assert.is(await ctl(at, ["lease", "timetolive", id!, "--keys"]).then((t) => t.replace(/remaining\(\d+s\)/, "remaining(Ns)")),
      `lease ${id} granted with TTL(30s), remaining(Ns), attached keys([held])\n`);
    // HTTP/1 on the same port: the gateway reads what gRPC wrote.
    const range = await fetch(`http://${at}/v3/kv/range`, { method: "POST", body: JSON.stringify({ key: btoa("foo") }) });
    assert.is(atob(((await range.json()) as { kvs: { value: string }[] }).kvs[0]!.value), "bar");
  } finally {
    await member.stop();
  }
});

test("the same etcdctl commands print what etcd 3.4 prints (errors included)", async () => {
  const [deno, etcd] = await Promise.all([startMember(DENO_PORTS), startMember(ETCD_PORTS, { etcd: true })]);
  try {
    const script: string[][] = [
      ["put", "a", "1"], ["put", "a", "2"], ["put", "b", "3"],
      ["get", "a", "--prefix=false"], ["get", "", "--prefix", "--keys-only"], ["get", "a", "--rev=2"],
      ["txn"], ["compaction", "3"], ["get", "a", "--rev=2"], ["del", "", "--prefix"], ["get", "", "--prefix", "--count-only", "-w", "simple"],
    ];
    const errors: string[] = [];
    for (const args of script) {
      const [d, e] = await Promise.all([runEtcdctl([`--endpoints=${deno.endpoint}`, ...args]),
        runEtcdctl([`--endpoints=${etcd.endpoint}`, ...args])]);
      assert.equal({ code: d.code, out: d.out, err: d.err.replace(/^\{.*\}\n/gm, "").replace(/^\S+ \S+ /gm, "") },
        { code: e.code, out: e.out, err: e.err.replace(/^\{.*\}\n/gm, "").replace(/^\S+ \S+ /gm, "") }, args.join(" "));
      errors.push(d.err);
    }
    // The compacted read failed alike on both, with etcd's words, not merely both empty.
    assert.match(errors[8]!, /Error: etcdserver: mvcc: required revision has been compacted/);
  } finally {
    await Promise.all([deno.stop(), etcd.stop()]);
  }
});

test.run();
