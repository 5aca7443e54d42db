// The web console's pure parts: tree paging over a large keyspace, value rendering and parsing, the guarded
// txns and how their answers read, history steps and the lease countdown.
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  b64, base64ToBytes, compareB64, formatBytes, groupTreePage, guardedDeleteTxn, guardedPrefixDeleteTxn,
  guardedPutTxn, isCompactedError, keyAfterB64, memberIdHex, needsLogin, parseEdited, prefixEndB64,
  prefixEndBytes, previousRevision, renderValue, treePageRequest, ttlLeftSeconds, unb64, writeOutcome,
} from "../../src/console/logic.ts";

const enc = new TextEncoder();

/**
 * A model of the server's range over a sorted keyspace: keys in [start, end), at most `limit`, and `more`.
 * Keys compare as bytes, as etcd's.
 */
function rangeModel(all: string[], request: Record<string, any>): { keys: string[]; more: boolean } {
  const start = request.key as string;
  const end = request.range_end as string;
  const inRange = all.filter((k) => compareB64(b64(k), start) >= 0 && (end === b64("\0") || compareB64(b64(k), end) < 0));
  return { keys: inRange.slice(0, request.limit), more: inRange.length > request.limit };
}

/** Walks every page of `prefix` with the console's requests; answers the rows and the keys fetched. */
function walk(all: string[], prefix: string, limit: number): { rows: string[]; fetched: number; pages: number } {
  const rows: string[] = [];
  let fetched = 0;
  let start: string | undefined;
  for (let pages = 1; pages <= 10_000; pages++) {
    const answer = rangeModel(all, treePageRequest(prefix, start, limit));
    fetched += answer.keys.length;
    const page = groupTreePage(prefix, answer.keys, answer.more);
    rows.push(...page.entries.map((e) => `${e.kind}:${e.path}`));
    if (page.nextStartB64 === undefined) return { rows, fetched, pages };
    start = page.nextStartB64;
  }
  throw new Error("did not end");
}

test("prefix ends: last byte below 0xff incremented; all-0xff is every key", () => {
  assert.equal(Array.from(prefixEndBytes(enc.encode("a/"))), Array.from(enc.encode("a0")));
  assert.equal(Array.from(prefixEndBytes(new Uint8Array([0x61, 0xff]))), [0x62]);
  assert.equal(Array.from(prefixEndBytes(new Uint8Array([0xff, 0xff]))), [0]);
  assert.is(prefixEndB64("a/"), b64("a0"));
  assert.is(keyAfterB64("k"), b64("k\0"));
  assert.is(unb64(b64("héllo")), "héllo");
  assert.ok(compareB64(b64("a"), b64("a\0")) < 0 && compareB64(b64("a\xff"), b64("b")) < 0);
});

test("tree: folders are one row each, keys and folders in order, the next page skips a whole folder", () => {
  const keys = ["app/a", "app/b/1", "app/b/2", "app/b/3", "app/c", "app/d/x"];
  const page = groupTreePage("app/", keys, true);
  assert.equal(page.entries.map((e) => `${e.kind}:${e.label}`), ["key:a", "dir:b/", "key:c", "dir:d/"]);
  // The page ended inside app/d/: the next one starts past all of it.
  assert.is(page.nextStartB64, prefixEndB64("app/d/"));
  assert.is(groupTreePage("app/", keys, false).nextStartB64, undefined);
  assert.throws(() => groupTreePage("app/", ["other"], false), /outside prefix/);
});

test("tree paging: every child once, in order, across pages; a big folder costs one page, not its keys", () => {
  const all: string[] = [];
  for (let i = 0; i < 2_000; i++) all.push(`big/huge/${String(i).padStart(5, "0")}`);
  for (let i = 0; i < 250; i++) all.push(`big/k${String(i).padStart(4, "0")}`);
  all.push("big/z/1", "bigger", "c");
  all.sort();
  const { rows, fetched, pages } = walk(all, "big/", 100);
  const expected = ["dir:big/huge/", ...Array.from({ length: 250 }, (_, i) => `key:big/k${String(i).padStart(4, "0")}`), "dir:big/z/"];
  assert.equal(rows, expected);
  assert.ok(fetched <= 100 * pages && fetched < 500, `fetched ${fetched} keys in ${pages} pages`);
  // The root groups every big/ key into one row.
  assert.equal(walk(all, "", 100).rows, ["dir:big/", "key:bigger", "key:c"]);
});

test("tree page request: keys only, bounded, from the prefix or the cursor to the prefix end", () => {
  const first = treePageRequest("a/", undefined);
  assert.equal(first, { key: b64("a/"), range_end: b64("a0"), limit: 100, keys_only: true });
  assert.is(treePageRequest("a/", "eA==", 10).key, "eA==");
  assert.throws(() => treePageRequest("a/", undefined, 0), /out of range/);
  assert.throws(() => treePageRequest("a/", undefined, 1_000_000), /out of range/);
});

test("values: text, pretty JSON, hex; bytes that are not UTF-8 fall back to hex", () => {
  assert.equal(renderValue(enc.encode('{"a":[1,2]}'), "json"), { text: '{\n  "a": [\n    1,\n    2\n  ]\n}' });
  assert.equal(renderValue(enc.encode("plain"), "text"), { text: "plain" });
  assert.ok(renderValue(enc.encode("{oops"), "json").error?.startsWith("not JSON"));
  assert.equal(renderValue(new Uint8Array([0, 255, 16]), "hex"), { text: "00 ff 10" });
  assert.equal(renderValue(new Uint8Array([0xc3, 0x28]), "text"), { text: "c3 28", error: "not UTF-8: shown as hex" });
  assert.is(renderValue(new Uint8Array(20), "hex").text.split("\n").length, 2, "16 bytes a line");
});

test("edited values: JSON is validated before any write; hex must be byte pairs", () => {
  assert.ok("error" in parseEdited('{"a":', "json"));
  assert.equal(parseEdited('{"a":1}', "json"), { bytes: enc.encode('{"a":1}') });
  assert.equal(parseEdited("00 ff\n10", "hex"), { bytes: new Uint8Array([0, 255, 16]) });
  assert.ok("error" in parseEdited("0f f", "hex"));
  assert.ok("error" in parseEdited("zz", "hex"));
  assert.equal(parseEdited("x y", "text"), { bytes: enc.encode("x y") });
});

test("guarded writes compare mod_revision and read the key back on failure", () => {
  const put = guardedPutTxn("k", b64("v"), 7, "42") as any;
  assert.equal(put.compare, [{ key: b64("k"), target: "MOD", result: "EQUAL", mod_revision: "7" }]);
  assert.equal(put.success, [{ request_put: { key: b64("k"), value: b64("v"), lease: "42" } }]);
  assert.equal(put.failure, [{ request_range: { key: b64("k") } }]);
  // Create: the key must not exist (mod_revision 0).
  assert.is((guardedPutTxn("k", "", 0) as any).compare[0].mod_revision, "0");
  const del = guardedDeleteTxn("k", 9) as any;
  assert.equal(del.success, [{ request_delete_range: { key: b64("k") } }]);
  assert.throws(() => guardedDeleteTxn("k", 0), /bad mod revision/);
  const prefix = guardedPrefixDeleteTxn("p/", 50) as any;
  assert.equal(prefix.compare, [{ key: b64("p/"), range_end: b64("p0"), target: "MOD", result: "LESS", mod_revision: "51" }]);
  assert.throws(() => guardedPrefixDeleteTxn("", 50), /every key/);
});

test("a txn answer reads as written or as a conflict holding the stored value", () => {
  assert.equal(writeOutcome({ header: { revision: "12" }, succeeded: true }), { kind: "written", revision: 12 });
  const theirs = { key: b64("k"), value: b64("red"), mod_revision: "11" };
  assert.equal(writeOutcome({ header: { revision: "11" }, responses: [{ response_range: { kvs: [theirs], count: "1" } }] }),
    { kind: "conflict", current: theirs, count: 1 });
  assert.equal(writeOutcome({ header: { revision: "11" }, responses: [{ response_range: {} }] }), { kind: "conflict", current: undefined, count: 0 });
});

test("history steps back one mod revision at a time until the first version; errors read by message", () => {
  assert.is(previousRevision({ version: "3", mod_revision: "20" }), 19);
  assert.is(previousRevision({ version: "1", mod_revision: "20" }), undefined);
  assert.is(previousRevision({}), undefined);
  assert.ok(isCompactedError({ message: "etcdserver: mvcc: required revision has been compacted" }));
  assert.not.ok(isCompactedError({ message: "etcdserver: permission denied" }));
  assert.ok(needsLogin({ message: "etcdserver: user name is empty" }));
  assert.ok(needsLogin({ error: "etcdserver: invalid auth token" }));
  assert.not.ok(needsLogin({ message: "etcdserver: permission denied" }));
});

test("countdown, sizes and member IDs for display", () => {
  assert.is(ttlLeftSeconds(10, 1_000, 1_000), 10);
  assert.is(ttlLeftSeconds(10, 1_000, 4_500), 7);
  assert.is(ttlLeftSeconds(10, 1_000, 60_000), 0);
  assert.is(ttlLeftSeconds(-1, 0, 0), -1);
  assert.is(formatBytes(512), "512 B");
  assert.is(formatBytes(20_480), "20.0 KiB");
  assert.is(memberIdHex("15796387614938196497"), "db380ad7cac56a11");
  assert.equal(Array.from(base64ToBytes(undefined)), []);
});

test.run();
