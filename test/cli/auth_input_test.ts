/**
 * How the CLI reads secrets, as etcdctl 3.4 does, with stdin and the terminal replaced: speakeasy's
 * prompt (echo off around one line, trimmed, a newline after; EOF ends the line), Scanf("%s")'s one word,
 * the new-password confirmation, `--user name[:password]` / `--password`, and the role commands' key range
 * rules. Each case is a line etcdctl's behaviour pins down.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { askNewPassword, askSecret, credentialsFrom, type PromptIo, scanWord } from "../../commands/auth_input.ts";
import { CliError } from "../../commands/errors.ts";
import { permissionRange } from "../../commands/role.ts";

/** A fake terminal over `input`: what was printed, echo switches, and how much input is left. */
function terminal(input: string): PromptIo & { printed: string[]; echoes: boolean[]; left: () => string } {
  const bytes = new TextEncoder().encode(input);
  let at = 0;
  const printed: string[] = [];
  const echoes: boolean[] = [];
  return {
    printed,
    echoes,
    stdout: (text) => printed.push(text),
    echo: (on) => echoes.push(on),
    readByte: () => (at < bytes.length ? bytes[at++] : undefined),
    left: () => new TextDecoder().decode(bytes.slice(at)),
  };
}

test("askSecret: prompt, echo off for one line only, trimmed, newline after; EOF ends the line", () => {
  const io = terminal("  s3cret \nnext\n");
  assert.is(askSecret(io, "Password: "), "s3cret");
  assert.equal(io.printed, ["Password: ", "\n"]);
  assert.equal(io.echoes, [false, true]);
  assert.is(io.left(), "next\n");
  assert.is(askSecret(terminal("no-newline"), "P: "), "no-newline");
  assert.is(askSecret(terminal(""), "P: "), "");
});

test("scanWord: one word after blanks; a newline or EOF first gives the empty string", () => {
  assert.is(scanWord(terminal("  two words\n").readByte), "two");
  assert.is(scanWord(terminal("pw").readByte), "pw");
  assert.is(scanWord(terminal("\npw\n").readByte), "");
  assert.is(scanWord(terminal("").readByte), "");
  assert.is(scanWord(terminal("\tp\u00e4ss\r\n").readByte), "p\u00e4ss");
});

test("askNewPassword: asked twice; empty or different answers are etcdctl's exit 128 errors", () => {
  const io = terminal("pw\npw\n");
  assert.is(askNewPassword(io, "bob"), "pw");
  assert.equal(io.printed, ["Password of bob: ", "\n", "Type password of bob again for confirmation: ", "\n"]);
  const failures: [string, string, number][] = [["\n", "empty password", 1], ["a\nb\n", "given passwords are different", 2]];
  for (const [input, message, prompts] of failures) {
    const failing = terminal(input);
    try {
      askNewPassword(failing, "bob");
      assert.unreachable(message);
    } catch (error) {
      assert.instance(error, CliError);
      assert.is((error as CliError).message, message);
      assert.is((error as CliError).exitCode, 128);
    }
    assert.is(failing.printed.filter((text) => text !== "\n").length, prompts);
  }
});

test("credentialsFrom: --user name:password splits at the first colon; --password keeps --user whole; a bare name asks", () => {
  const none = terminal("");
  assert.is(credentialsFrom("", "pw", none), undefined);
  assert.equal(credentialsFrom("root:pa:ss", "", none), { username: "root", password: "pa:ss" });
  assert.equal(credentialsFrom("root:pw", "other", none), { username: "root:pw", password: "other" });
  assert.equal(credentialsFrom(":x", "", none), { username: "", password: "x" });
  assert.equal(none.printed, []);
  const asked = terminal("typed\n");
  assert.equal(credentialsFrom("root", "", asked), { username: "root", password: "typed" });
  assert.equal(asked.printed, ["Password: ", "\n"]);
});

test("permissionRange: a key, a range, --prefix, --from-key, and the empty key as the whole key space", () => {
  const hex = (r: { key: Uint8Array; end: Uint8Array }): string[] => [Buffer.from(r.key).toString("hex"), Buffer.from(r.end).toString("hex")];
  const none = { prefix: false, fromKey: false };
  assert.equal(hex(permissionRange(["a"], none)), ["61", ""]);
  assert.equal(hex(permissionRange(["a", "c"], none)), ["61", "63"]);
  assert.equal(hex(permissionRange(["a/"], { prefix: true, fromKey: false })), ["612f", "6130"]);
  assert.equal(hex(permissionRange(["\u00ff"], { prefix: true, fromKey: false })), ["c3bf", "c3c0"]);
  assert.equal(hex(permissionRange(["z"], { prefix: false, fromKey: true })), ["7a", "00"]);
  assert.equal(hex(permissionRange([""], { prefix: true, fromKey: false })), ["00", "00"]);
  assert.equal(hex(permissionRange(["", "z"], none)), ["00", ""]);
  const errors: [string[], { prefix: boolean; fromKey: boolean }, string][] = [
    [["a", "b"], { prefix: true, fromKey: false }, "unexpected endkey argument with --prefix flag"],
    [["a", "b"], { prefix: false, fromKey: true }, "unexpected endkey argument with --from-key flag"],
    [["a"], { prefix: true, fromKey: true }, "--from-key and --prefix flags are mutually exclusive"],
    [[""], { prefix: true, fromKey: true }, "--from-key and --prefix flags are mutually exclusive"],
  ];
  for (const [words, flags, message] of errors) {
    assert.throws(() => permissionRange(words, flags), (error: unknown) => error instanceof CliError && error.message === message);
  }
});

test.run();
