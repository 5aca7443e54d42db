import { test } from "uvu";
import * as assert from "uvu/assert";
import { CliError } from "../../commands/errors.ts";
import { utf8 } from "../../commands/format.ts";
import {
  DEL_DEFAULTS,
  deleteRequestFromArgs,
  GET_DEFAULTS,
  parseGoInt,
  prefixEnd,
  PUT_DEFAULTS,
  putRequestFromArgs,
  rangeRequestFromArgs,
} from "../../commands/requests.ts";
import { SortOrder, SortTarget } from "../../src/codec/messages.ts";

function failure(fn: () => unknown): { code: number; message: string } {
  try {
    fn();
  } catch (error) {
    assert.instance(error, CliError);
    const e = error as CliError;
    return { code: e.exitCode, message: e.message };
  }
  throw new Error("expected a CliError");
}

test("prefixEnd increments the last byte below 0xff", () => {
  assert.equal(Array.from(prefixEnd(utf8("a"))), [0x62]);
  assert.equal(Array.from(prefixEnd(new Uint8Array([0x61, 0xff]))), [0x62]);
  assert.equal(Array.from(prefixEnd(new Uint8Array([0xff, 0xff]))), [0]);
});

test("get maps --prefix, --from-key and range_end", () => {
  const prefix = rangeRequestFromArgs(["ab"], { ...GET_DEFAULTS, prefix: true });
  assert.equal(Array.from(prefix.range_end!), Array.from(utf8("ac")));
  const all = rangeRequestFromArgs([""], { ...GET_DEFAULTS, prefix: true });
  assert.equal([Array.from(all.key), Array.from(all.range_end!)], [[0], [0]]);
  const from = rangeRequestFromArgs(["b"], { ...GET_DEFAULTS, fromKey: true });
  assert.equal([Array.from(from.key), Array.from(from.range_end!)], [[0x62], [0]]);
  const ranged = rangeRequestFromArgs(["a", "c", "ignored"], GET_DEFAULTS);
  assert.equal(Array.from(ranged.range_end!), [0x63]);
  const single = rangeRequestFromArgs(["a"], GET_DEFAULTS);
  assert.is(single.range_end, undefined);
});

test("get sort rules: ascending by key is dropped, others kept", () => {
  const asc = rangeRequestFromArgs(["a"], { ...GET_DEFAULTS, order: "ascend" });
  assert.is(asc.sort_order, undefined);
  const desc = rangeRequestFromArgs(["a"], { ...GET_DEFAULTS, order: "DESCEND", sortBy: "value" });
  assert.is(desc.sort_order, SortOrder.DESCEND);
  assert.is(desc.sort_target, SortTarget.VALUE);
  const modify = rangeRequestFromArgs(["a"], { ...GET_DEFAULTS, order: "ASCEND", sortBy: "MODIFY" });
  assert.is(modify.sort_order, SortOrder.ASCEND);
  assert.is(modify.sort_target, SortTarget.MOD);
});

test("get flags: limit, rev, consistency, keys-only", () => {
  const r = rangeRequestFromArgs(["a"], { ...GET_DEFAULTS, limit: 2, rev: 5, consistency: "s", keysOnly: true });
  assert.equal([r.limit, r.revision, r.serializable, r.keys_only], [2, 5, true, true]);
  const negative = rangeRequestFromArgs(["a"], { ...GET_DEFAULTS, rev: -1 });
  assert.is(negative.revision, undefined);
});

test("get errors match etcdctl's text and exit codes", () => {
  assert.equal(failure(() => rangeRequestFromArgs([], GET_DEFAULTS)), {
    code: 128,
    message: "get command needs one argument as key and an optional argument as range_end",
  });
  assert.equal(failure(() => rangeRequestFromArgs(["a"], { ...GET_DEFAULTS, prefix: true, fromKey: true })).code, 128);
  assert.equal(failure(() => rangeRequestFromArgs(["a", "z"], { ...GET_DEFAULTS, prefix: true })), {
    code: 128,
    message: "too many arguments, only accept one argument when `--prefix` or `--from-key` is set",
  });
  assert.equal(failure(() => rangeRequestFromArgs(["a"], { ...GET_DEFAULTS, consistency: "x" })), {
    code: 4,
    message: 'unknown consistency flag "x"',
  });
  assert.equal(failure(() => rangeRequestFromArgs(["a"], { ...GET_DEFAULTS, order: "bad" })).message, "bad sort order bad");
  assert.equal(failure(() => rangeRequestFromArgs(["a"], { ...GET_DEFAULTS, sortBy: "bad" })).message, "bad sort target bad");
});

test("put reads the value from stdin only when it is missing", () => {
  let reads = 0;
  const stdin = (): Uint8Array => {
    reads++;
    return utf8("from stdin\n");
  };
  const twoArgs = putRequestFromArgs(["k", "v"], PUT_DEFAULTS, stdin);
  assert.equal(Array.from(twoArgs.value!), Array.from(utf8("v")));
  assert.is(reads, 0);
  const oneArg = putRequestFromArgs(["k"], PUT_DEFAULTS, stdin);
  assert.equal(Array.from(oneArg.value!), Array.from(utf8("from stdin\n")));
  assert.is(reads, 1);
  assert.equal(failure(() => putRequestFromArgs(["k"], PUT_DEFAULTS, () => undefined)).code, 128);
});

test("put flags: lease in hex, prev-kv, ignore-value, ignore-lease", () => {
  const r = putRequestFromArgs(["k", "v"], { ...PUT_DEFAULTS, lease: "1f", prevKv: true, ignoreLease: true }, () => undefined);
  assert.equal([r.lease, r.prev_kv, r.ignore_lease], [31n, true, true]);
  const iv = putRequestFromArgs(["k"], { ...PUT_DEFAULTS, ignoreValue: true }, () => undefined);
  assert.is(iv.ignore_value, true);
  assert.is(failure(() => putRequestFromArgs(["k", "v"], { ...PUT_DEFAULTS, ignoreValue: true }, () => undefined)).message,
    "put command needs only 1 argument when 'ignore-value' is set");
  assert.is(failure(() => putRequestFromArgs(["k", "v"], { ...PUT_DEFAULTS, lease: "zz" }, () => undefined)).message,
    'bad lease ID (strconv.ParseInt: parsing "zz": invalid syntax), expecting ID in Hex');
});

test("parseGoInt follows strconv.ParseInt", () => {
  assert.is(parseGoInt("-12", 10), -12n);
  assert.is(parseGoInt("7fffffffffffffff", 16), (1n << 63n) - 1n);
  assert.is(parseGoInt("8000000000000000", 16), 'strconv.ParseInt: parsing "8000000000000000": value out of range');
  assert.is(parseGoInt("0x10", 16), 'strconv.ParseInt: parsing "0x10": invalid syntax');
});

test("del maps flags and checks its arguments", () => {
  const r = deleteRequestFromArgs(["d"], { ...DEL_DEFAULTS, prefix: true, prevKv: true });
  assert.equal([Array.from(r.range_end!), r.prev_kv], [[0x65], true]);
  assert.is(failure(() => deleteRequestFromArgs(["a", "b", "c"], DEL_DEFAULTS)).message,
    "del command needs one argument as key and an optional argument as range_end");
});

test.run();
