import { test } from "uvu";
import * as assert from "uvu/assert";
import { CliError } from "../../commands/errors.ts";
import { utf8 } from "../../commands/format.ts";
import { argify, goUnquote, parseCompare, parseRequestOp, parseTxn } from "../../commands/txn_parse.ts";
import { CompareResult, CompareTarget } from "../../src/codec/messages.ts";

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

test("goUnquote handles Go escapes", () => {
  assert.equal(Array.from(goUnquote('"a\\tb\\x01\\377"')!), [0x61, 9, 0x62, 1, 255]);
  assert.is(goUnquote('"unterminated'), undefined);
  assert.is(goUnquote('"bad \\q"'), undefined);
});

test("argify splits quoted words and keeps etcdctl's single-quote slicing", () => {
  assert.equal(argify('put "a b" "c\\"d"'), ["put", "a b", 'c"d']);
  assert.equal(argify("get  foo   --prefix"), ["get", "foo", "--prefix"]);
  // three words: each single-quoted word is sliced [1:2]
  assert.equal(argify("put 'ab' 'cd'"), ["put", "a", "c"]);
});

test("parseCompare reads every target and operator", () => {
  const mod = parseCompare('mod("foo") > "3"');
  assert.equal(mod, { key: utf8("foo"), target: CompareTarget.MOD, result: CompareResult.GREATER, mod_revision: 3 });
  assert.is(parseCompare('ver("k") != "1"').result, CompareResult.NOT_EQUAL);
  assert.is(parseCompare('c("k") < "1"').create_revision, 1);
  const value = parseCompare('value("k") = "v w"');
  assert.equal(Array.from(value.value!), Array.from(utf8("v w")));
});

test("parseCompare errors as etcdctl", () => {
  assert.equal(failure(() => parseCompare("bogus")), { code: 3, message: "malformed comparison: bogus" });
  assert.equal(failure(() => parseCompare('ver("foo") = "x"')), {
    code: 3,
    message: 'invalid txn compare request: ver("foo") = "x"',
  });
  assert.equal(failure(() => parseCompare('zzz("foo") = "0"')).message,
    'malformed comparison: zzz("foo") = "0" (unknown target zzz)');
  assert.equal(failure(() => parseCompare('value("foo") = bar')).message,
    'malformed comparison: value("foo") = bar; got value("foo") = ""');
  assert.equal(failure(() => parseCompare('lease("foo") = "0"')).code, 2);
});

test("parseRequestOp maps get/put/del lines", () => {
  const get = parseRequestOp("get foo --prefix --limit 2");
  assert.equal([Array.from(get.request_range!.range_end!), get.request_range!.limit], [[0x66, 0x6f, 0x70], 2]);
  const put = parseRequestOp('put "a b" "c d" --prev-kv');
  assert.equal(Array.from(put.request_put!.key), Array.from(utf8("a b")));
  assert.is(put.request_put!.prev_kv, true);
  assert.ok(parseRequestOp("del x").request_delete_range !== undefined);
  assert.equal(failure(() => parseRequestOp("bogus op")), { code: 3, message: "invalid txn request: bogus op" });
  assert.equal(failure(() => parseRequestOp("get")), { code: 3, message: "invalid txn compare request: get" });
  const usage = failure(() => parseRequestOp("get a --bogus")).message;
  assert.ok(usage.startsWith("Usage:\n   get [options] <key> [range_end] [flags]\n\nFlags:\n"));
  assert.ok(usage.includes('      --consistency string   Linearizable(l) or Serializable(s) (default "l")\n'));
  assert.ok(usage.includes("  -h, --help                 help for get\n"));
  assert.ok(usage.endsWith("\n\nError: invalid txn request: get a --bogus\n"));
  assert.equal(failure(() => parseRequestOp("put foo")).code, 128);
});

test("parseTxn reads three sections and prints prompts with -i", () => {
  const input = 'value("foo") = "bar"\n\nput foo baz\nget foo\n\nput x y\n\n';
  const plain = parseTxn(input, { interactive: false });
  assert.is(plain.stdout, "");
  assert.equal([plain.request!.compare!.length, plain.request!.success!.length, plain.request!.failure!.length], [1, 2, 1]);
  const interactive = parseTxn(input, { interactive: true });
  assert.is(interactive.stdout,
    "compares:\nsuccess requests (get, put, del):\nfailure requests (get, put, del):\n");
});

test("parseTxn reports EOF when a section is not closed", () => {
  const r = parseTxn('value("foo") = "bar"\n\nput foo baz\n\nput x y\n', { interactive: false });
  assert.equal([r.error?.exitCode, r.error?.message], [3, "EOF"]);
  const partial = parseTxn("\n\n\nextra", { interactive: false });
  assert.ok(partial.request !== undefined);
  const bad = parseTxn("bogus\n", { interactive: true });
  assert.equal([bad.error?.message, bad.stdout], ["malformed comparison: bogus", "compares:\n"]);
});

test.run();
