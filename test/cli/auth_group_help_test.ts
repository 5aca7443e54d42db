/**
 * A command group given a subcommand it does not have (`tsetcd auth status`, `tsetcd user frob`), or none:
 * etcdctl 3.4 prints the group's help on stdout and exits 0; so must tsetcd. Differential: etcdctl runs
 * as a process (it needs no server for this), tsetcd's CLI in-process; the exit codes, the empty stderr
 * and the help up to GLOBAL OPTIONS (NAME, USAGE, API VERSION, COMMANDS, OPTIONS; whitespace runs folded,
 * "etcdctl" read as "tsetcd") must agree, and every global option tsetcd lists must be one etcdctl lists.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { spawnSync } from "node:child_process";
import { runCli } from "../../commands/mod.ts";
import type { Io } from "../../commands/command.ts";

const GROUPS = ["auth", "user", "role", "member", "lease", "snapshot", "endpoint"];
const ETCDCTL_LIMIT_MS = 10_000;

interface Run {
  code: number;
  out: string;
  err: string;
}

function etcdctl(args: string[]): Run {
  const run = spawnSync("etcdctl", args, { encoding: "utf8", timeout: ETCDCTL_LIMIT_MS, env: { PATH: process.env.PATH ?? "" } });
  return { code: run.status ?? -1, out: run.stdout, err: run.stderr };
}

async function tsetcd(args: string[]): Promise<Run> {
  const run = { code: -1, out: "", err: "" };
  const io: Io = {
    stdout: (text) => void (run.out += text),
    stdoutBytes: (bytes) => void (run.out += new TextDecoder().decode(bytes)),
    stderr: (text) => void (run.err += text),
    readStdin: () => new Uint8Array(),
    readStdinLine: () => undefined,
    env: {},
    stdoutIsTty: false,
  };
  run.code = await runCli(args, io);
  return run;
}

/** The help before GLOBAL OPTIONS, whitespace runs folded to one space. */
function head(help: string): string {
  const end = help.indexOf("GLOBAL OPTIONS:");
  return (end < 0 ? help : help.slice(0, end)).replaceAll("etcdctl", "tsetcd").replace(/[ \t]+/g, " ");
}

/** The flag names of the GLOBAL OPTIONS section. */
function globalFlags(help: string): string[] {
  const start = help.indexOf("GLOBAL OPTIONS:");
  assert.ok(start >= 0, "no GLOBAL OPTIONS section");
  return [...help.slice(start).matchAll(/--([a-z-]+)/g)].map((m) => m[1]!);
}

for (const group of GROUPS) {
  test(`${group}: an unknown subcommand and none print the group's help and exit 0, as etcdctl 3.4`, async () => {
    for (const args of [[group, "frob"], [group], ...(group === "auth" ? [["auth", "status"]] : [])]) {
      const want = etcdctl(args);
      const got = await tsetcd(args);
      const what = args.join(" ");
      assert.is(want.code, 0, `etcdctl ${what}`);
      assert.is(got.code, want.code, `exit code of ${what}`);
      assert.is(got.err, want.err, `stderr of ${what}`);
      assert.ok(want.out.startsWith(`NAME:\n\t${group} - `), `etcdctl ${what} printed ${want.out.slice(0, 80)}`);
      assert.fixture(head(got.out), head(want.out));
      const known = new Set(globalFlags(want.out));
      for (const flag of globalFlags(got.out)) assert.ok(known.has(flag), `--${flag} is not one of etcdctl's global options`);
    }
  });
}

test.run();
