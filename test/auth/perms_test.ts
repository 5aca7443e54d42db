/**
 * The pure permission rules (src/auth/perms.ts): how a (key, range_end) pair reads, how grants merge, and
 * when the union of a user's grants covers a request.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { covers, intervalOf, mergeIntervals, PermType, userPerms } from "../../src/auth/perms.ts";

const b = (text: string): Uint8Array => new TextEncoder().encode(text);
const ivl = (key: string, end: string) => intervalOf(b(key), b(end));

test("a pair names one key, a range, or every key from one on", () => {
  assert.equal(ivl("a", ""), { start: b("a"), end: b("a\0") });
  assert.equal(ivl("a", "c"), { start: b("a"), end: b("c") });
  assert.equal(ivl("a", "\0"), { start: b("a"), end: undefined });
  // An end at or below the key names nothing past the key.
  assert.equal(ivl("c", "a"), { start: b("c"), end: b("c\0") });
});

test("grants merge when they overlap or touch, not when a gap is left", () => {
  assert.equal(mergeIntervals([ivl("b", "c"), ivl("a", "b")]), [ivl("a", "c")]);
  assert.equal(mergeIntervals([ivl("a", "b"), ivl("b\0", "c")]).length, 2);
  assert.equal(mergeIntervals([ivl("a", "\0"), ivl("x", "z")]), [ivl("a", "\0")]);
});

test("a request is covered only when one merged grant holds all of it", () => {
  const perms = userPerms([
    { permType: PermType.READWRITE, key: b("/a"), range_end: b("/b") },
    { permType: PermType.READ, key: b("/b"), range_end: b("/c") },
    { permType: PermType.WRITE, key: b("/w"), range_end: b("") },
    { permType: PermType.READ, key: b("/x"), range_end: b("\0") },
  ]);
  assert.ok(covers(perms.read, ivl("/a0", "/b5")), "two touching grants read as one");
  assert.not.ok(covers(perms.write, ivl("/a0", "/b5")), "only [/a, /b) is writable");
  assert.ok(covers(perms.write, ivl("/w", "")));
  assert.not.ok(covers(perms.write, ivl("/w", "/x")), "a single-key grant is not a range");
  assert.not.ok(covers(perms.read, ivl("/w", "")));
  assert.ok(covers(perms.read, ivl("/zz", "\0")), "from-key inside a from-key grant");
  assert.not.ok(covers(perms.read, ivl("/c", "\0")), "from-key starting in a gap");
  assert.not.ok(covers(perms.read, ivl("\0", "\0")), "every key");
  assert.not.ok(covers([], ivl("/a", "")), "no grant covers anything");
});

test.run();
