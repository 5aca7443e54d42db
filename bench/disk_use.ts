/**
 * Disk use, tsetcd against etcd 3.4, same load: for each server, start it on a fresh data dir (loopback
 * ports 23400–23421, helper D's range), put `keys` keys of `valueBytes` bytes once each through the JSON
 * gateway at 32 connections (the same client for both), wait `settleMs` for checkpoints and log
 * compaction, then print every file of the data dir (apparent and allocated size) while the server runs,
 * and again after a clean stop. For tsetcd it also breaks each SQLite file down per table and index
 * (dbstat: pages used, payload, unused bytes in pages) and counts its free pages.
 * Usage: bun bench/disk_use.ts [keys=300000] [servers=tsetcd,etcd] [valueBytes=256]
 * DISK_PRELOAD=<file>: a `bun --preload` for the tsetcd server (diagnosis probes); DISK_KEEP=1 keeps the dirs.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { Database } from "bun:sqlite";

const keys = Number(process.argv[2] ?? 300_000);
const kinds = (process.argv[3] ?? "tsetcd,etcd").split(",");
const valueBytes = Number(process.argv[4] ?? 256);
const CONNS = 32;
const SETTLE_MS = Number(process.env.DISK_SETTLE_MS ?? 5_000);
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 20_000;
const REQUEST_TIMEOUT_MS = 30_000;
const MAX_FILES = 1_000;
const ROOT = resolve(import.meta.dir, "..");
const preload = process.env.DISK_PRELOAD === undefined ? [] : ["--preload", process.env.DISK_PRELOAD];
if (!(keys >= 1 && keys <= 10_000_000 && valueBytes >= 1 && valueBytes <= 1 << 20)) throw new Error("keys 1–1e7, valueBytes 1–1 MiB");

async function post(url: string, path: string, body: unknown): Promise<Record<string, unknown>> {
  const answer = await fetch(`${url}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
  });
  const text = await answer.text();
  if (answer.status !== 200) throw new Error(`${path}: ${answer.status} ${text}`);
  return JSON.parse(text) as Record<string, unknown>;
}

async function start(kind: string, port: number, dataDir: string): Promise<ChildProcess> {
  const client = `http://127.0.0.1:${port}`;
  const peer = `http://127.0.0.1:${port + 1}`;
  const args = ["--name", "default", "--data-dir", dataDir, "--listen-client-urls", client,
    "--advertise-client-urls", client, "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
    "--initial-cluster", `default=${peer}`, "--quota-backend-bytes", String(8 * 1024 ** 3)];
  const child = kind === "etcd"
    ? spawn("/usr/bin/etcd", args, { stdio: "ignore" })
    : spawn(join(ROOT, "node_modules/.bin/bun"), [...preload, "mod.ts", "server", ...args], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  const deadline = Date.now() + READY_TIMEOUT_MS;
  while (Date.now() < deadline) {
    try {
      const status = await post(client, "/v3/maintenance/status", {});
      if (/^[1-9]/.test(String(status.leader))) return child;
    } catch {
      // not up yet
    }
    await Bun.sleep(100);
  }
  child.kill("SIGKILL");
  throw new Error(`${kind} did not start`);
}

async function stop(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((done) => child.once("exit", done));
  child.kill("SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise((done) => (timer = setTimeout(done, STOP_TIMEOUT_MS)));
  await Promise.race([exited, late]);
  clearTimeout(timer);
  if (child.exitCode === null && child.signalCode === null) child.kill("SIGKILL");
}

/** Puts keys `key-000000…` once each, CONNS at a time. */
async function fill(url: string): Promise<number> {
  const value = Buffer.from("v".repeat(valueBytes)).toString("base64");
  let next = 0;
  const t0 = performance.now();
  await Promise.all(Array.from({ length: CONNS }, async () => {
    for (let i = next++; i < keys; i = next++) {
      const key = Buffer.from(`key-${String(i).padStart(6, "0")}`).toString("base64");
      await post(url, "/v3/kv/put", { key, value });
    }
  }));
  return performance.now() - t0;
}

interface FileSize {
  path: string;
  bytes: number;
  allocatedBytes: number;
}

function filesOf(dir: string): FileSize[] {
  const out: FileSize[] = [];
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      if (out.length >= MAX_FILES) return;
      const p = join(d, name);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else out.push({ path: relative(dir, p), bytes: s.size, allocatedBytes: s.blocks * 512 });
    }
  };
  walk(dir);
  return out.sort((a, b) => a.path.localeCompare(b.path));
}

const mb = (bytes: number): string => (bytes / 1e6).toFixed(1);

function printFiles(label: string, files: FileSize[]): void {
  let total = 0;
  let allocated = 0;
  for (const f of files) {
    total += f.bytes;
    allocated += f.allocatedBytes;
    console.log(`  ${label}  ${f.path.padEnd(40)} ${mb(f.bytes).padStart(8)} MB  (allocated ${mb(f.allocatedBytes)} MB)`);
  }
  console.log(`  ${label}  ${"TOTAL".padEnd(40)} ${mb(total).padStart(8)} MB  (allocated ${mb(allocated)} MB)`);
}

/** Per table and index of one SQLite file: pages, payload and unused bytes (read-only, after the stop). */
function breakdown(path: string): void {
  const db = new Database(path, { readonly: true });
  try {
    const pragma = (name: string): number => Number(Object.values(db.query(`PRAGMA ${name}`).get() as object)[0]);
    console.log(`  ${path.split("/").pop()}: ${pragma("page_count")} pages of ${pragma("page_size")} B, ${pragma("freelist_count")} free, auto_vacuum ${pragma("auto_vacuum")}`);
    const rows = db.query(
      "SELECT name, count(*) AS pages, sum(payload) AS payload, sum(unused) AS unused, sum(ncell) AS cells FROM dbstat GROUP BY name ORDER BY pages DESC",
    ).all() as { name: string; pages: number; payload: number; unused: number; cells: number }[];
    for (const r of rows) {
      if (r.pages < 2) continue;
      const fill = r.pages > 0 ? (100 * r.payload / (r.pages * pragma("page_size"))).toFixed(0) : "-";
      console.log(`    ${r.name.padEnd(36)} ${String(r.pages).padStart(8)} pages ${mb(r.pages * pragma("page_size")).padStart(7)} MB  payload ${mb(r.payload)} MB (${fill} %), unused ${mb(r.unused)} MB, cells ${r.cells}`);
    }
  } finally {
    db.close();
  }
}

for (const [n, kind] of kinds.entries()) {
  const port = 23400 + n * 20;
  const dir = mkdtempSync(join(tmpdir(), `disk-use-${kind}-`));
  const dataDir = join(dir, "data");
  const child = await start(kind, port, dataDir);
  try {
    const fillMs = await fill(`http://127.0.0.1:${port}`);
    console.log(`${kind}: ${keys} keys × ${valueBytes} B in ${(fillMs / 1000).toFixed(1)} s (${Math.round(keys / (fillMs / 1000))} puts/s, ${CONNS} conns)`);
    await Bun.sleep(SETTLE_MS);
    printFiles("running", filesOf(dataDir));
    await stop(child);
    printFiles("stopped", filesOf(dataDir));
    if (kind !== "etcd") {
      for (const f of filesOf(dataDir)) {
        if (f.path.endsWith(".db") && existsSync(join(dataDir, f.path))) breakdown(join(dataDir, f.path));
      }
    }
  } finally {
    await stop(child);
    if (process.env.DISK_KEEP === undefined) rmSync(dir, { recursive: true, force: true });
    else console.log(`${kind}: kept ${dataDir}`);
  }
}
