import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Io } from "../../commands/command.ts";
import { parseCommandLine } from "../../commands/flags.ts";
import { runCli } from "../../commands/mod.ts";
import { GET_FLAGS, pflagUsages, PUT_FLAGS } from "../../commands/specs.ts";
import { linesOf } from "../../commands/txn_parse.ts";

function fakeIo(env: Record<string, string> = {}, stdin = ""): Io & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
    stdoutBytes(bytes: Uint8Array) {
      io.out += new TextDecoder().decode(bytes);
    },
    readStdin: () => new TextEncoder().encode(stdin),
    readStdinLine: linesOf(stdin),
    env,
    stdoutIsTty: false,
  };
  return io;
}

test("flags: pflag word rules, last value wins, env fills unset globals", () => {
  const line = parseCommandLine(["--ignore-value", "foo", "--lease", "1f", "--lease=2f", "-w", "json"], PUT_FLAGS, {
    ETCDCTL_ENDPOINTS: "a:1,b:2",
    TSETCD_COMMAND_TIMEOUT: "3s",
  });
  assert.equal(line.args, ["foo"]);
  assert.is(line.flags.get("ignore-value"), true);
  assert.is(line.flags.get("lease"), "2f");
  assert.is(line.flags.get("write-out"), "json");
  assert.equal(line.flags.get("endpoints"), ["a:1", "b:2"]);
  assert.is(line.flags.get("command-timeout"), 3000);
  const dashed = parseCommandLine(["--", "-k", "--v"], PUT_FLAGS, {});
  assert.equal(dashed.args, ["-k", "--v"]);
  const explicit = parseCommandLine(["--endpoints", "x:1", "k"], GET_FLAGS, { ETCDCTL_ENDPOINTS: "a:1" });
  assert.equal(explicit.flags.get("endpoints"), ["x:1"]);
  assert.is(explicit.flags.get("limit"), 0n);
});

test("flags: an empty --flag= value stays empty, as pflag reads it", () => {
  const line = parseCommandLine(["k", "v", "--lease="], PUT_FLAGS, {});
  assert.is(line.flags.get("lease"), "");
  const bool = parseCommandLine(["k", "v", "--prev-kv"], PUT_FLAGS, {});
  assert.is(bool.flags.get("prev-kv"), true);
});

test("flags: pflag's errors", () => {
  const message = (argv: string[]): string => {
    try {
      parseCommandLine(argv, GET_FLAGS, {});
    } catch (error) {
      return (error as Error).message;
    }
    return "no error";
  };
  assert.is(message(["--bogus"]), "unknown flag: --bogus");
  assert.is(message(["-x"]), "unknown shorthand flag: 'x' in -x");
  assert.is(message(["a", "--limit", "x"]), 'invalid argument "x" for "--limit" flag: strconv.ParseInt: parsing "x": invalid syntax');
  assert.is(message(["a", "--prefix=maybe"]), 'invalid argument "maybe" for "--prefix" flag: strconv.ParseBool: parsing "maybe": invalid syntax');
  assert.is(message(["a", "--limit"]), "flag needs an argument: --limit");
  assert.is(message(["--dial-timeout", "x", "a"]), 'invalid argument "x" for "--dial-timeout" flag: time: invalid duration "x"');
});

test("pflagUsages aligns descriptions three spaces past the longest flag", () => {
  const text = pflagUsages(GET_FLAGS);
  assert.ok(text.includes('      --consistency string   Linearizable(l) or Serializable(s) (default "l")\n'));
  assert.ok(text.includes("      --from-key             Get keys"));
});

test("runCli: version, help, unknown commands, flag errors", async () => {
  const version = fakeIo();
  assert.is(await runCli(["version"], version), 0);
  assert.match(version.out, /^tsetcd version: \d+\.\d+\.\d+\nAPI version: 3\.4\n$/);
  const help = fakeIo();
  assert.is(await runCli(["--help"], help), 0);
  assert.ok(help.out.startsWith("NAME:\n\ttsetcd - "));
  assert.not.ok(help.out.includes("\x1b["), "no colour when stdout is not a terminal");
  const tty = { ...fakeIo(), stdoutIsTty: true };
  let ttyOut = "";
  tty.stdout = (text: string) => {
    ttyOut += text;
  };
  assert.is(await runCli(["--help"], tty), 0);
  assert.ok(ttyOut.includes("\x1b[1mNAME:"), "bold section titles on a terminal");
  for (const name of ["put", "get", "del", "txn", "compaction", "endpoint status", "endpoint health", "member list"]) {
    assert.ok(help.out.includes(`\t${name}`), name);
  }
  const getHelp = fakeIo();
  assert.is(await runCli(["get", "-h"], getHelp), 0);
  assert.ok(getHelp.out.includes("EXAMPLES:") && getHelp.out.includes("--print-value-only"));
  const unknown = fakeIo();
  assert.is(await runCli(["bogus"], unknown), 1);
  assert.is(unknown.err, 'Error: unknown command "bogus" for "tsetcd"\nRun \'tsetcd --help\' for usage.\nError: unknown command "bogus" for "tsetcd"\n');
  const badFlag = fakeIo();
  assert.is(await runCli(["get", "--bogus"], badFlag), 1);
  assert.is(badFlag.err, "Error: unknown flag: --bogus\n\nError: unknown flag: --bogus\n");
  assert.ok(badFlag.out.startsWith("NAME:\n\tget - "));
  const group = fakeIo();
  assert.is(await runCli(["endpoint"], group), 0);
  assert.ok(group.out.startsWith("NAME:\n\tendpoint - Endpoint related commands\n") && group.out.includes("\n\tstatus "));
});

test("runCli: argument errors come before any connection", async () => {
  const io = fakeIo({}, "");
  assert.is(await runCli(["--endpoints", "127.0.0.1:1", "put"], io), 128);
  assert.is(io.err, "Error: put command needs 1 argument and input from stdin or 2 arguments\n");
  const badFormat = fakeIo();
  assert.is(await runCli(["--endpoints", "127.0.0.1:1", "get", "a", "-w", "xml"], badFormat), 4);
  assert.is(badFormat.err, "Error: unsupported output format\n");
  const compaction = fakeIo();
  assert.is(await runCli(["compaction", "x"], compaction), 1);
  assert.is(compaction.err, 'Error: strconv.ParseInt: parsing "x": invalid syntax\n');
  const txn = fakeIo({}, "bogus\n");
  assert.is(await runCli(["--endpoints", "127.0.0.1:1", "txn", "-i"], txn), 3);
  assert.equal([txn.out, txn.err], ["compares:\n", "Error: malformed comparison: bogus\n"]);
});

test.run();
