/**
 * Starting one-member servers for test/deno/'s files on fixed loopback ports: `tsetcd server` on Deno, or
 * etcd 3.4 for a differential, each in a fresh temp data dir, waited on until /health answers.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { delay } from "../../src/runtime/mod.ts";

const ROOT = resolve(import.meta.dir, "../..");
const DENO = join(ROOT, "node_modules/.bin/deno");
const START_LIMIT_MS = 20_000;
const STOP_LIMIT_MS = 5_000;

/** A running member. */
export interface Member {
  /** host:port, as etcdctl's --endpoints takes it. */
  endpoint: string;
  /** SIGKILL, wait for the exit, remove the data dir. */
  stop(): Promise<void>;
}

/** Starts `deno run -A mod.ts server` (or etcd with `etcd: true`) on 127.0.0.1:client, peers on :peer. */
export async function startMember(ports: { client: number; peer: number }, how: { etcd?: boolean } = {}): Promise<Member> {
  const dir = mkdtempSync(join(tmpdir(), "tsetcd-deno-member-"));
  const client = `http://127.0.0.1:${ports.client}`;
  const peer = `http://127.0.0.1:${ports.peer}`;
  const flags = ["--data-dir", join(dir, "data"), "--listen-client-urls", client, "--advertise-client-urls", client,
    "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer, "--initial-cluster", `default=${peer}`];
  const child: ChildProcess = how.etcd
    ? spawn("etcd", flags, { stdio: ["ignore", "ignore", "ignore"] })
    : spawn(DENO, ["run", "-A", join(ROOT, "mod.ts"), "server", ...flags], { cwd: ROOT, stdio: ["ignore", "ignore", "ignore"] });
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  const stop = async (): Promise<void> => {
    child.kill("SIGKILL");
    await Promise.race([exited, delay(STOP_LIMIT_MS)]);
    rmSync(dir, { recursive: true, force: true });
  };
  const deadline = Date.now() + START_LIMIT_MS;
  while (Date.now() < deadline) {
    if (await fetch(`${client}/health`).then((r) => r.ok, () => false)) return { endpoint: `127.0.0.1:${ports.client}`, stop };
    await delay(100);
  }
  await stop();
  throw new Error(`${how.etcd ? "etcd" : "the Deno member"} on ${client} did not become healthy`);
}
