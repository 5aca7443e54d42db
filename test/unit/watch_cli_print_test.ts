// watch's pure CLI parts: etcdctl's argument rules and its protobuf display (bytes captured from etcdctl
// 3.4.23 `watch w9 --prev-kv -w protobuf` while putting v1, v2 and deleting w9 at revisions 46–48).
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Event, KeyValue, WatchResponse } from "../../src/codec/messages.ts";
import { displayWatch, eventEnv, goQuoteList, isProgressNotify, parseWatchArgs } from "../../commands/watch_print.ts";
import { processWatchDeps } from "../../commands/watch.ts";

const enc = new TextEncoder();

function kv(mod: number, version: number, value: string, create = 46): KeyValue {
  return { key: enc.encode("w9"), create_revision: create, mod_revision: mod, version, value: enc.encode(value), lease: 0n };
}

function resp(revision: number, events: Event[]): WatchResponse {
  const header = { cluster_id: 14683696539752221034n, member_id: 9791106034210434137n, revision, raft_term: 2 };
  return { header, watch_id: 0, events };
}

test("protobuf display: byte for byte as etcdctl", () => {
  const responses = [
    resp(46, [{ type: 0, kv: kv(46, 1, "v1") }]),
    resp(47, [{ type: 0, kv: kv(47, 2, "v2"), prev_kv: kv(46, 1, "v1") }]),
    resp(48, [{ type: 1, kv: kv(48, 0, "", 0), prev_kv: kv(47, 2, "v2") }]),
  ];
  const hex = responses.map((r) => Buffer.from(displayWatch(r, { format: "protobuf" }) as Uint8Array).toString("hex"));
  assert.is(hex.join(""), "0a1a08ea92c18cc986bee3cb0110d9d8afba80e2bff08701182e20025a10120e0a027739102e182e20012a0276310a1a08ea92c18cc986bee3cb0110d9d8afba80e2bff08701182f20025a20120e0a027739102e182f20022a0276321a0e0a027739102e182e20012a0276310a1a08ea92c18cc986bee3cb0110d9d8afba80e2bff08701183020025a1a080112060a02773918301a0e0a027739102e182f20022a027632");
});

test("json display of a progress notification: an empty event list, as etcdctl 3.4.23 printed it", () => {
  const text = displayWatch(resp(48, []), { format: "json" });
  assert.is(text, '{"Header":{"cluster_id":14683696539752221034,"member_id":9791106034210434137,"revision":48,"raft_term":2},"Events":[],"CompactRevision":0,"Canceled":false,"Created":false}\n');
});

test("table output is refused as etcdctl refuses it", () => {
  assert.throws(() => displayWatch(resp(1, []), { format: "table" }), /table not supported as output format/);
});

test("argument rules: separator, command split, environment key", () => {
  assert.equal(parseWatchArgs(["foo", "--", "echo", "hi"], ["foo", "echo", "hi"], "", ""), {
    watchArgs: ["foo"],
    execArgs: ["echo", "hi"],
  });
  assert.equal(parseWatchArgs(["foo", "bar", "--rev", "1", "--", "echo", "foo"], ["foo", "bar", "echo", "foo"], "", ""), {
    watchArgs: ["foo", "bar"],
    execArgs: ["echo", "foo"],
  });
  assert.equal(parseWatchArgs(["--", "echo"], ["echo"], "k", "l"), { watchArgs: ["k", "l"], execArgs: ["echo"] });
  assert.throws(() => parseWatchArgs(["foo", "--", "echo"], ["foo", "echo"], "k", ""), /conflicting environment key/);
  assert.throws(() => parseWatchArgs(["foo", "--"], ["foo"], "", ""), /separator --/);
  assert.throws(() => parseWatchArgs([], [], "", ""), /bad number of arguments/);
  assert.equal(parseWatchArgs(["a", "b", "c"], ["a", "b", "c"], "", ""), { watchArgs: ["a", "b", "c"], execArgs: [] });
});

test("event environment and Go quoting", () => {
  const r = resp(9, [{ type: 1, kv: { ...kv(9, 0, ""), key: enc.encode('a"\n') } }]);
  assert.equal(eventEnv(r, r.events[0]!), {
    ETCD_WATCH_REVISION: "9",
    ETCD_WATCH_EVENT_TYPE: '"DELETE"',
    ETCD_WATCH_KEY: '"a\\"\\n"',
    ETCD_WATCH_VALUE: '""',
  });
  assert.is(goQuoteList(["sh", "-c", "x y"]), '["sh" "-c" "x y"]');
  assert.ok(isProgressNotify(resp(5, [])));
  assert.not.ok(isProgressNotify({ ...resp(5, []), created: true }));
  assert.not.ok(isProgressNotify(resp(0, [])));
});

test("the real per-event runner: exit status, environment, a missing program as Go words it", () => {
  const deps = processWatchDeps();
  assert.equal(deps.exec(["sh", "-c", 'test "$ETCD_WATCH_KEY" = \'"k"\' && exit 3'], { ETCD_WATCH_KEY: '"k"' }), { status: 3, signal: null });
  assert.equal(deps.exec(["sh", "-c", "kill -9 $$"], {}).signal, "SIGKILL");
  assert.equal(deps.exec(["tsetcd-no-such-program"], {}), {
    status: null,
    error: 'exec: "tsetcd-no-such-program": executable file not found in $PATH',
  });
});

test.run();
