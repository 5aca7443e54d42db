/**
 * Ctrl-C at a password prompt must leave the terminal's echo on, as etcdctl 3.4 (speakeasy restores it on
 * SIGINT). Each command runs on a pseudo-terminal (Bun.Terminal, made the controlling terminal by
 * `setsid -c` so Ctrl-C is a real SIGINT), under a shell that survives the signal and then prints the exit
 * code and whether `stty` sees echo on. A control script that turns echo off and is killed by Ctrl-C shows
 * the check can see echo left off. No server is needed: both CLIs prompt before they connect.
 *
 * The exit code differs and is pinned as it is: etcdctl exits 255 (speakeasy's os.Exit(-1)); tsetcd dies
 * of the SIGINT (130), since its prompt reads synchronously and no JavaScript handler can run before the
 * read returns; the terminal is restored by the runtime, which puts back the modes it started with.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { join } from "node:path";

const ROOT = join(import.meta.dir, "..", "..");
const BUN = process.execPath;
const DEAD = "http://127.0.0.1:28199";
const PROMPT_WAIT_MS = 15_000;
const EXIT_WAIT_MS = 10_000;
const POLL_MS = 25;
/** After the command: its exit code, then `echo` or `-echo` as stty reports the terminal. */
const AFTER = 'trap : INT; "$@"; echo "rc=$?"; stty -a | tr " ;" "\\n\\n" | grep -x -- "-\\{0,1\\}echo"; echo done';

interface Outcome {
  output: string;
  rc: string;
  echo: string;
}

/** Runs `command` on a fresh terminal, presses Ctrl-C once `prompt` is shown, and reads the outcome. */
async function ctrlCAt(command: string[], prompt: string): Promise<Outcome> {
  let output = "";
  const terminal = new Bun.Terminal({
    data: (_t, data) => {
      output += new TextDecoder().decode(data);
    },
  });
  try {
    const proc = Bun.spawn(["setsid", "-c", "/bin/sh", "-c", AFTER, "sh", ...command], { terminal, cwd: ROOT });
    for (let waited = 0; waited < PROMPT_WAIT_MS && !output.includes(prompt); waited += POLL_MS) await Bun.sleep(POLL_MS);
    assert.ok(output.includes(prompt), `no prompt from ${command.join(" ")}: ${JSON.stringify(output)}`);
    await Bun.sleep(200); // the prompt is written just before echo goes off and the read starts
    terminal.write("\x03");
    // A cleared timer, not Bun.sleep: a pending sleep would hold this process open for the rest of it.
    let timer: ReturnType<typeof setTimeout> | undefined;
    const late = new Promise<boolean>((resolve) => (timer = setTimeout(() => resolve(false), EXIT_WAIT_MS)));
    const exited = await Promise.race([proc.exited.then(() => true), late]);
    clearTimeout(timer);
    if (!exited) proc.kill("SIGKILL");
    assert.ok(exited, `${command.join(" ")} still running after Ctrl-C: ${JSON.stringify(output)}`);
    for (let waited = 0; waited < EXIT_WAIT_MS && !output.includes("done"); waited += POLL_MS) await Bun.sleep(POLL_MS);
    const rc = /rc=(\d+)/.exec(output)?.[1] ?? "none";
    const echo = /\r?\n(-?echo)\r?\n/.exec(output)?.[1] ?? "none";
    return { output: output.slice(0, output.indexOf("rc=")), rc, echo };
  } finally {
    terminal.close();
  }
}

const CASES: { name: string; args: string[]; prompt: string }[] = [
  { name: "user add's first prompt", args: ["user", "add", "bob"], prompt: "Password of bob: " },
  { name: "--user's password prompt", args: ["--user", "root", "get", "foo"], prompt: "Password: " },
];

test("the check sees echo left off: a script that turns it off and dies of Ctrl-C", async () => {
  const outcome = await ctrlCAt(["/bin/sh", "-c", "stty -echo; printf 'Password: '; sleep 20"], "Password: ");
  assert.is(outcome.echo, "-echo");
  assert.is(outcome.rc, "130");
});

for (const { name, args, prompt } of CASES) {
  test(`Ctrl-C at ${name} leaves echo on, as etcdctl 3.4`, async () => {
    const etcdctl = await ctrlCAt(["etcdctl", "--endpoints", DEAD, ...args], prompt);
    const tsetcd = await ctrlCAt([BUN, "mod.ts", "--endpoints", DEAD, ...args], prompt);
    assert.is(etcdctl.echo, "echo", `etcdctl: ${etcdctl.output}`);
    assert.is(tsetcd.echo, "echo", `tsetcd: ${tsetcd.output}`);
    assert.is(tsetcd.output, etcdctl.output, "what each printed before the exit code");
    assert.is(etcdctl.rc, "255");
    assert.is(tsetcd.rc, "130");
  });
}

test.run();
