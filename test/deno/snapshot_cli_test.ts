/**
 * The snapshot commands on Deno, the client commands that touch SQLite themselves (node:sqlite there):
 * `snapshot save` from a Bun member, `snapshot status` in every format, and `snapshot restore` print what
 * Bun prints, and the restored data dir serves the saved keys from a Bun member.
 */
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect, LeaseClient, startServer, type TsetcdServer } from "../../mod.ts";

const ROOT = resolve(import.meta.dir, "../..");
const CLI = {
  bun: [join(ROOT, "node_modules/.bin/bun"), join(ROOT, "mod.ts")],
  deno: [join(ROOT, "node_modules/.bin/deno"), "run", "-A", join(ROOT, "mod.ts")],
};
const RUN_LIMIT_MS = 30_000;
/** Loopback ports of this file (helper U's range). */
const PORTS = { client: 25791, peer: 25792, restoredClient: 25793, restoredPeer: 25794 };

interface Run {
  code: number;
  stdout: string;
  stderr: string;
}

/** Runs the CLI asynchronously (the member in this process must keep answering meanwhile). */
function cli(runtime: keyof typeof CLI, args: string[]): Promise<Run> {
  const [bin, ...prefix] = CLI[runtime];
  return new Promise((done) => {
    const child = spawn(bin!, [...prefix, ...args], { cwd: ROOT, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout!.on("data", (c) => (stdout += c));
    child.stderr!.on("data", (c) => (stderr += c));
    const timer = setTimeout(() => child.kill("SIGKILL"), RUN_LIMIT_MS);
    child.on("exit", (code) => {
      clearTimeout(timer);
      done({ code: code ?? -1, stdout, stderr });
    });
  });
}

function member(dataDir: string, client: number, peer: number): Promise<TsetcdServer> {
  const clientUrl = `http://127.0.0.1:${client}`;
  const peerUrl = `http://127.0.0.1:${peer}`;
  return startServer({
    dataDir,
    listenClientUrls: [clientUrl],
    advertiseClientUrls: [clientUrl],
    listenPeerUrls: [peerUrl],
    initialAdvertisePeerUrls: [peerUrl],
    initialCluster: new Map([["default", [peerUrl]]]),
  });
}

test("snapshot save, status and restore on Deno print what Bun prints; the restore serves the keys", async () => {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-deno-snapshot-"));
  let server: TsetcdServer | undefined = await member(join(dir, "data"), PORTS.client, PORTS.peer);
  try {
    const client = connect({ endpoints: [server.clientUrl] });
    for (let i = 0; i < 20; i++) await client.put(`snap/${i}`, `value ${i}`);
    await new LeaseClient(client).grant(100);
    const endpoint = `--endpoints=127.0.0.1:${PORTS.client}`;
    const saved = await cli("deno", [endpoint, "snapshot", "save", join(dir, "deno.db")]);
    assert.is(saved.code, 0, saved.stderr);
    assert.is(saved.stdout, `Snapshot saved at ${join(dir, "deno.db")}\n`);
    await server.close();
    server = undefined;
    for (const format of ["simple", "json", "table", "fields"]) {
      const args = ["snapshot", "status", join(dir, "deno.db"), "-w", format];
      const [onBun, onDeno] = await Promise.all([cli("bun", args), cli("deno", args)]);
      assert.is(onBun.code, 0, onBun.stderr);
      assert.equal(onDeno, onBun, `snapshot status -w ${format}`);
    }
    const restoreArgs = (target: string): string[] => ["snapshot", "restore", join(dir, "deno.db"), "--data-dir", join(dir, target)];
    const [bunRestore, denoRestore] = await Promise.all([cli("bun", restoreArgs("restored-bun")), cli("deno", restoreArgs("restored-deno"))]);
    assert.is(denoRestore.code, 0, denoRestore.stderr);
    assert.is(denoRestore.stdout.replaceAll("restored-deno", "X"), bunRestore.stdout.replaceAll("restored-bun", "X"));
    server = await member(join(dir, "restored-deno"), PORTS.restoredClient, PORTS.restoredPeer);
    const got = await connect({ endpoints: [server.clientUrl] }).get("snap/", { prefix: true, countOnly: true });
    assert.is(Number(got.count), 20, "the data dir Deno restored serves every saved key");
  } finally {
    await server?.close();
    rmSync(dir, { recursive: true, force: true });
  }
});

test.run();
