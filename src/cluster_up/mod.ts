/**
 * `tsetcd cluster up`: N members as child processes of this same program, on loopback, their logs
 * streamed with a member prefix, all stopped on SIGINT/SIGTERM; optionally a chaos loop that SIGKILLs
 * the leader and restarts it on the same data dir and ports.
 * @module
 */
import { type ChildProcess, spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createColors } from "picocolors";
import type { ClusterUpOptions } from "./args.ts";
import { endpointsText, type MemberPlan, planMembers, selfCommand } from "./plan.ts";
import { pickFreePorts } from "./ports.ts";
import { linePrefixer, paddedLabels } from "./prefix.ts";
import { readState, writeState } from "./state.ts";

/** How long every member gets to answer /health after the start. */
const READY_TIMEOUT_MS = 30_000;
/** How long a member gets to exit after SIGTERM before SIGKILL. */
const STOP_GRACE_MS = 5_000;
/** How long one status or health request may take. */
const REQUEST_TIMEOUT_MS = 1_000;
/** Starts tried with fresh ports when a member lost its port to another process (temporary dirs only). */
const START_ATTEMPTS = 3;
const POLL_MS = 100;

/** Where output goes; the real process by default, a buffer in tests. */
export interface ClusterUpIo {
  out: (text: string) => void;
  color: boolean;
}

interface Running {
  plan: MemberPlan;
  label: string;
  child: ChildProcess;
  exited: Promise<void>;
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

const PALETTE = ["cyan", "magenta", "yellow", "green", "blue", "red"] as const;

function startMember(plan: MemberPlan, label: string, io: ClusterUpIo, index: number): Running {
  const c = createColors(io.color);
  const paint = (text: string): string => c[PALETTE[index % PALETTE.length]!](text);
  const [command, ...prefixArgs] = selfCommand(process.execPath, process.argv);
  const child = spawn(command!, [...prefixArgs, "server", ...plan.serverArgs], {
    stdio: ["ignore", "pipe", "pipe"],
    env: { ...process.env, NO_COLOR: io.color ? process.env.NO_COLOR : "1" },
  });
  for (const stream of [child.stdout!, child.stderr!]) {
    const cut = linePrefixer(label, paint);
    stream.setEncoding("utf8");
    stream.on("data", (chunk: string) => {
      const lines = cut(chunk);
      if (lines.length > 0) io.out(`${lines.join("\n")}\n`);
    });
    stream.on("end", () => {
      const lines = cut(undefined);
      if (lines.length > 0) io.out(`${lines.join("\n")}\n`);
    });
  }
  const exited = new Promise<void>((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve();
    else child.once("exit", () => resolve());
  });
  return { plan, label, child, exited };
}

function isRunning(member: Running): boolean {
  return member.child.exitCode === null && member.child.signalCode === null;
}

async function healthy(clientUrl: string): Promise<boolean> {
  try {
    const response = await fetch(`${clientUrl}/health`, { signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS) });
    const body = (await response.json()) as { health?: string };
    return response.ok && body.health === "true";
  } catch {
    return false;
  }
}

/** Resolves true when every member answers healthy, false when one exited or the time ran out. */
async function waitReady(members: Running[], timeoutMs: number): Promise<boolean> {
  const deadlineMs = Date.now() + timeoutMs;
  const ready = new Set<string>();
  while (Date.now() < deadlineMs) {
    for (const member of members) {
      if (!isRunning(member)) return false;
      if (!ready.has(member.plan.name) && await healthy(member.plan.clientUrl)) ready.add(member.plan.name);
    }
    if (ready.size === members.length) return true;
    await sleep(POLL_MS);
  }
  return false;
}

/** SIGTERM, a bounded wait, then SIGKILL; resolves once the process is gone. */
async function stopMember(member: Running): Promise<void> {
  if (!isRunning(member)) return;
  member.child.kill("SIGTERM");
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<"late">((resolve) => (timer = setTimeout(() => resolve("late"), STOP_GRACE_MS)));
  const outcome = await Promise.race([member.exited.then(() => "done" as const), late]);
  clearTimeout(timer);
  if (outcome === "late") {
    member.child.kill("SIGKILL");
    await member.exited;
  }
}

interface Status {
  memberId: string;
  leader: string;
}

async function status(clientUrl: string): Promise<Status | undefined> {
  try {
    const response = await fetch(`${clientUrl}/v3/maintenance/status`, {
      method: "POST",
      body: "{}",
      headers: { "content-type": "application/json" },
      signal: AbortSignal.timeout(REQUEST_TIMEOUT_MS),
    });
    const body = (await response.json()) as { header?: { member_id?: string }; leader?: string };
    if (body.header?.member_id === undefined || body.leader === undefined) return undefined;
    return { memberId: body.header.member_id, leader: body.leader };
  } catch {
    return undefined;
  }
}

/** The member that says it is the leader, found by endpoint status. */
async function findLeader(members: Running[]): Promise<Running | undefined> {
  for (const member of members) {
    if (!isRunning(member)) continue;
    const s = await status(member.plan.clientUrl);
    if (s !== undefined && s.leader !== "0" && s.leader === s.memberId) return member;
  }
  return undefined;
}

/** The ports and data root: kept ones from --data-dir's state file, or fresh ones. */
async function layout(options: ClusterUpOptions): Promise<{ root: string; ports: number[]; temporary: boolean }> {
  const count = 2 * options.size;
  const fresh = async (): Promise<number[]> =>
    options.basePort !== undefined ? Array.from({ length: count }, (_v, i) => options.basePort! + i) : await pickFreePorts(count);
  if (options.dataDir === undefined) {
    return { root: mkdtempSync(join(tmpdir(), "tsetcd-cluster-up-")), ports: await fresh(), temporary: true };
  }
  const kept = readState(options.dataDir, options);
  if (kept !== undefined) return { root: options.dataDir, ports: kept.ports, temporary: false };
  const ports = await fresh();
  writeState(options.dataDir, { size: options.size, namePrefix: options.namePrefix, ports });
  return { root: options.dataDir, ports, temporary: false };
}

/**
 * Runs the cluster until SIGINT or SIGTERM; resolves to the exit code (0 after a clean stop).
 * @example process.exit(await clusterUp({ size: 3, namePrefix: "m" }, { out: (t) => process.stdout.write(t), color: false }))
 */
export async function clusterUp(options: ClusterUpOptions, io: ClusterUpIo): Promise<number> {
  let members: Running[] = [];
  let root = "";
  let temporary = false;
  let stopping = false;
  let wake: () => void = () => {};
  const stopped = new Promise<void>((resolve) => (wake = resolve));
  const onSignal = (): void => {
    stopping = true;
    wake();
  };
  process.on("SIGINT", onSignal);
  process.on("SIGTERM", onSignal);
  try {
    let started = false;
    for (let attempt = 1; attempt <= START_ATTEMPTS && !started && !stopping; attempt++) {
      const place = await layout(options);
      root = place.root;
      temporary = place.temporary;
      const plans = planMembers({ size: options.size, namePrefix: options.namePrefix, ports: place.ports, root });
      const labels = paddedLabels(plans.map((p) => p.name));
      members = plans.map((plan, i) => startMember(plan, labels[i]!, io, i));
      started = await Promise.race([waitReady(members, READY_TIMEOUT_MS), stopped.then(() => false)]);
      if (started || stopping) break;
      io.out(`cluster up: the members did not all become healthy (attempt ${attempt} of ${START_ATTEMPTS})\n`);
      await Promise.all(members.map(stopMember));
      if (temporary) rmSync(root, { recursive: true, force: true });
      // Kept or pinned ports would fail the same way again.
      if (!temporary || options.basePort !== undefined) return 1;
    }
    if (!started && !stopping) return 1;
    if (started) io.out(endpointsText(members.map((m) => m.plan)));
    if (options.killLeaderEveryMs !== undefined && started) {
      await chaos(members, options.killLeaderEveryMs, io, () => stopping, stopped);
    }
    await stopped;
    io.out("cluster up: stopping the members\n");
    return 0;
  } finally {
    process.off("SIGINT", onSignal);
    process.off("SIGTERM", onSignal);
    await Promise.all(members.map(stopMember));
    if (temporary && root !== "") rmSync(root, { recursive: true, force: true });
  }
}

/** Every interval: find the leader, SIGKILL it, restart it on the same data dir and ports. */
async function chaos(
  members: Running[],
  intervalMs: number,
  io: ClusterUpIo,
  isStopping: () => boolean,
  stopped: Promise<void>,
): Promise<void> {
  // Bounded by the person's Ctrl-C; each turn is bounded by the interval and the ready timeout.
  for (let round = 1; !isStopping(); round++) {
    await Promise.race([sleep(intervalMs), stopped]);
    if (isStopping()) return;
    const leader = await findLeader(members);
    if (leader === undefined) {
      io.out(`cluster up: chaos round ${round}: no leader found, nothing killed\n`);
      continue;
    }
    const index = members.indexOf(leader);
    io.out(`cluster up: chaos round ${round}: SIGKILL leader ${leader.plan.name} (pid ${leader.child.pid})\n`);
    leader.child.kill("SIGKILL");
    await leader.exited;
    if (isStopping()) return;
    const again = startMember(leader.plan, leader.label, io, index);
    members[index] = again;
    io.out(`cluster up: chaos round ${round}: restarted ${leader.plan.name} (pid ${again.child.pid})\n`);
  }
}
