// Differential: the same writes and watch requests against a real etcd 3.4 (its gateway's POST /v3/watch)
// and against our route + hub; the NDJSON lines of each watch id must be identical once the member's ids
// and term are masked. Lines of different watch ids interleave by timing on etcd, so each id's sequence is
// compared on its own. etcd runs on a port pair from 27020–27099, in a temp dir removed afterwards.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { handleWatch } from "../../src/api/watch_route.ts";
import { etcdBinary } from "../helpers/etcd.ts";
import { Fixture } from "./harness.ts";

type Op = { put: [string, string] } | { txn: [string, string][] } | { del: string } | { compact: number };

interface Target {
  watchUrl: string;
  apply(op: Op): Promise<void>;
  stop(): Promise<void>;
}

function b64(text: string): string {
  return Buffer.from(text).toString("base64");
}

async function startEtcd(): Promise<Target> {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-watch-diff-"));
  const client = 27020 + 2 * Math.floor(Math.random() * 40);
  const url = `http://127.0.0.1:${client}`;
  const peer = `http://127.0.0.1:${client + 1}`;
  const child: ChildProcess = spawn(etcdBinary(), [
    "--data-dir", dir, "--listen-client-urls", url, "--advertise-client-urls", url,
    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `default=${peer}`,
  ], { stdio: "ignore" });
  const stop = async (): Promise<void> => {
    child.kill("SIGKILL");
    await new Promise((resolve) => child.once("exit", resolve).once("error", resolve));
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + 10_000;
  for (;;) {
    const ok = await fetch(`${url}/health`).then((r) => r.ok, () => false);
    if (ok) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error("etcd did not become healthy");
    }
    await Bun.sleep(50);
  }
  const call = async (path: string, body: unknown): Promise<void> => {
    const response = await fetch(`${url}${path}`, { method: "POST", body: JSON.stringify(body) });
    if (!response.ok) throw new Error(`${path}: ${response.status} ${await response.text()}`);
    await response.text();
  };
  return {
    watchUrl: `${url}/v3/watch`,
    apply: (op) => {
      if ("put" in op) return call("/v3/kv/put", { key: b64(op.put[0]), value: b64(op.put[1]) });
      if ("del" in op) return call("/v3/kv/deleterange", { key: b64(op.del) });
      if ("compact" in op) return call("/v3/kv/compaction", { revision: String(op.compact), physical: true });
      const success = op.txn.map(([k, v]) => ({ request_put: { key: b64(k), value: b64(v) } }));
      return call("/v3/kv/txn", { success });
    },
    stop,
  };
}

function startOurs(): Target {
  let f: Fixture | undefined;
  f = new Fixture({
    header: (revision) => ({ cluster_id: 11n, member_id: 22n, revision, raft_term: 3 }),
    requestStep: () => setTimeout(() => f?.hub.step(), 1),
  });
  const fixture = f;
  const server = Bun.serve({
    port: 0,
    hostname: "127.0.0.1",
    fetch: (request, srv) => handleWatch(request, fixture.hub, { onStreamStart: (r) => srv.timeout(r, 0) }),
  });
  return {
    watchUrl: `http://127.0.0.1:${server.port}/v3/watch`,
    apply: async (op) => {
      if ("put" in op) fixture.put(op.put[0], op.put[1]);
      else if ("del" in op) fixture.del(op.del);
      else if ("compact" in op) fixture.store.compact(op.compact);
      else fixture.putMany(op.txn);
    },
    stop: async () => void server.stop(true),
  };
}

/** A watch stream whose lines are collected as they come. */
function openWatch(url: string, body: string): { lines: string[]; close(): void } {
  const controller = new AbortController();
  const lines: string[] = [];
  void (async () => {
    const response = await fetch(url, { method: "POST", body, signal: controller.signal });
    const reader = response.body!.getReader();
    const decoder = new TextDecoder();
    let text = "";
    for (;;) {
      const chunk = await reader.read();
      if (chunk.done) return;
      text += decoder.decode(chunk.value, { stream: true });
      const parts = text.split("\n");
      text = parts.pop()!;
      lines.push(...parts);
    }
  })().catch(() => {});
  return { lines, close: () => controller.abort() };
}

/** Lines grouped by watch id, the member's identity masked. */
function byWatchId(lines: string[]): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const line of lines) {
    const masked = line.replace(/"cluster_id":"\d+","member_id":"\d+"/, '"cluster_id":"C","member_id":"M"')
      .replace(/"raft_term":"\d+"/, '"raft_term":"T"');
    const id = /"watch_id":"(-?\d+)"/.exec(line)?.[1] ?? "0";
    (groups[id] ??= []).push(masked);
  }
  return groups;
}

/** Runs the scenario on one target; returns every stream's lines grouped by watch id. */
async function scenario(t: Target): Promise<Record<string, string[]>[]> {
  await t.apply({ put: ["a", "1"] });
  await t.apply({ put: ["b", "1"] }); // revision 3
  const first = openWatch(t.watchUrl, [
    `{"create_request":{"key":"${b64("a")}","prev_kv":true}}`,
    `{"create_request":{"key":"AA==","range_end":"AA==","start_revision":1}}`,
    `{"create_request":{"key":"${b64("b")}","watch_id":7}}`,
    `{"create_request":{"key":"${b64("b")}","watch_id":7}}`,
    `{"create_request":{"key":"${b64("a")}","filters":["NOPUT"]}}`,
    `{"progress_request":{}}`,
  ].join("\n"));
  await Bun.sleep(400); // etcd syncs history watchers every 100 ms
  await t.apply({ put: ["a", "2"] });
  await t.apply({ txn: [["a", "3"], ["b", "2"]] });
  await t.apply({ del: "a" });
  await t.apply({ put: ["c", "x"] }); // revision 7
  await t.apply({ compact: 4 });
  const second = openWatch(t.watchUrl, [
    `{"create_request":{"key":"${b64("a")}","start_revision":3}}`,
    `{"create_request":{"key":"${b64("a")}","start_revision":4,"prev_kv":true}}`,
  ].join(" "));
  await Bun.sleep(400);
  first.close();
  second.close();
  return [byWatchId(first.lines), byWatchId(second.lines)];
}

test("watch streams: etcd 3.4's gateway and ours answer the same, line for line per watch id", async () => {
  const etcd = await startEtcd();
  const ours = startOurs();
  try {
    const expected = await scenario(etcd);
    const got = await scenario(ours);
    assert.ok(Object.keys(expected[0]!).length >= 4, `etcd answered too little: ${JSON.stringify(expected)}`);
    assert.equal(got, expected);
  } finally {
    await etcd.stop();
    await ours.stop();
  }
});

test.run();
