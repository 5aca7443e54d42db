/**
 * The health endpoints operators and Kubernetes probe: etcd 3.4's `/health` (JSON, false without a leader,
 * with an active alarm, or when a read through Raft does not come back within a second) and etcd 3.5.11's
 * `/livez` and `/readyz` (text, `?verbose` lists each check, `?exclude=<check>` skips one, `/readyz/<check>`
 * runs one). They are served on the client port and on --listen-metrics-urls.
 *
 * Runtime-neutral: `createHealthRoutes` maps a path and a Request to a Response, or to undefined for any
 * other path.
 * @module
 */
import { EtcdError } from "../codec/errors.ts";

/** What the checks need from the member; `alarms` lists the active alarms by etcd's names ("NOSPACE"). */
export interface HealthProbe {
  hasLeader(): boolean;
  alarms(): string[];
  /** A one-key range, serializable (local) or linearizable (through Raft); rejects as the range would. */
  read(serializable: boolean): Promise<unknown>;
}

/** etcd's etcd_server_health_success / etcd_server_health_failures, counted per probe answered. */
export interface HealthCounters {
  success: number;
  failures: number;
}

/** etcd 3.4's QGET deadline in /health, used here for every read check so a probe always answers. */
export const HEALTH_READ_TIMEOUT_MS = 1000;

/** A named check: resolves to undefined when it passes, or to the reason it failed. */
type Check = (probe: HealthProbe) => Promise<string | undefined>;

/** etcd 3.5.11's checks per endpoint, by name. Output lists them in name order. */
const LIVEZ_CHECKS: Record<string, Check> = {
  serializable_read: (probe) => readCheck(probe, true),
};
const READYZ_CHECKS: Record<string, Check> = {
  data_corruption: (probe) => Promise.resolve(probe.alarms().includes("CORRUPT") ? "alarm activated: CORRUPT" : undefined),
  linearizable_read: (probe) => readCheck(probe, false),
  serializable_read: (probe) => readCheck(probe, true),
};

/**
 * Builds the health routes. Returns a function answering `/health`, `/livez[/<check>]` and
 * `/readyz[/<check>]`, or undefined for any other path.
 */
export function createHealthRoutes(
  probe: HealthProbe,
  counters: HealthCounters,
): (path: string, request: Request) => Promise<Response> | undefined {
  return (path, request) => {
    if (path === "/health") return getOnly(request, () => health34(probe, counters));
    for (const [root, checks] of [["/livez", LIVEZ_CHECKS], ["/readyz", READYZ_CHECKS]] as const) {
      if (path === root) return getOnly(request, () => runChecks(probe, counters, { path, request, checks, names: included(checks, request) }));
      if (!path.startsWith(`${root}/`)) continue;
      const name = path.slice(root.length + 1);
      if (!Object.hasOwn(checks, name)) return undefined;
      return getOnly(request, () => runChecks(probe, counters, { path, request, checks, names: [name] }));
    }
    return undefined;
  };
}

/**
 * etcd 3.4's /health: any alarm, then no leader, then a quorum read failing within a second makes it
 * 503 `{"health":"false"}`; 3.4 gives no reason in the body (3.5 added one), so the reason is not sent.
 */
async function health34(probe: HealthProbe, counters: HealthCounters): Promise<Response> {
  let ok = probe.alarms().length === 0 && probe.hasLeader();
  if (ok) ok = (await readCheck(probe, false)) === undefined;
  if (ok) counters.success++;
  else counters.failures++;
  return new Response(JSON.stringify({ health: ok ? "true" : "false" }), {
    status: ok ? 200 : 503,
    headers: { "content-type": "text/plain; charset=utf-8" },
  });
}

interface CheckRun {
  path: string;
  request: Request;
  checks: Record<string, Check>;
  names: string[];
}

/**
 * etcd 3.5.11's answer: "ok" (or each `[+]name ok` line and "<path> check passed" with ?verbose) with 200;
 * on a failure 503 with every line, `[-]name failed: reason` for the failed ones, as Go's http.Error writes it.
 */
async function runChecks(probe: HealthProbe, counters: HealthCounters, run: CheckRun): Promise<Response> {
  const reasons = await Promise.all(run.names.map((name) => run.checks[name]!(probe)));
  let lines = "";
  let failed = false;
  for (let i = 0; i < run.names.length; i++) {
    const reason = reasons[i];
    if (reason === undefined) lines += `[+]${run.names[i]} ok\n`;
    else lines += `[-]${run.names[i]} failed: ${reason}\n`;
    failed ||= reason !== undefined;
  }
  const headers = { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" };
  if (failed) {
    counters.failures++;
    return new Response(`${lines}\n`, { status: 503, headers });
  }
  counters.success++;
  const verbose = new URL(run.request.url).searchParams.has("verbose");
  return new Response(verbose ? `${lines}${run.path} check passed\n` : "ok", { headers });
}

/** The check names minus ?exclude= ones (repeated or comma-separated); unknown names are ignored, as etcd's. */
function included(checks: Record<string, Check>, request: Request): string[] {
  const excluded = new Set<string>();
  for (const value of new URL(request.url).searchParams.getAll("exclude")) {
    for (const name of value.split(",")) excluded.add(name.trim());
  }
  return Object.keys(checks).sort().filter((name) => !excluded.has(name));
}

/**
 * A one-key range bounded by HEALTH_READ_TIMEOUT_MS. As etcd 3.5, a read refused only for want of
 * permission (auth on, the probe has no token) still proves the member serves reads.
 */
async function readCheck(probe: HealthProbe, serializable: boolean): Promise<string | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<string>((resolve) => {
    timer = setTimeout(() => resolve("etcdserver: request timed out"), HEALTH_READ_TIMEOUT_MS);
  });
  const read = probe.read(serializable).then(
    () => undefined,
    (err: unknown) => (isPermissionOnly(err) ? undefined : messageOf(err)),
  );
  try {
    return await Promise.race([read, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

function isPermissionOnly(err: unknown): boolean {
  const message = messageOf(err);
  return message === "etcdserver: permission denied" || message === "etcdserver: user name is empty";
}

function messageOf(err: unknown): string {
  if (err instanceof EtcdError) return err.message;
  return String((err as Error)?.message ?? err);
}

/** Go's handlers here take GET only and name it in Allow. */
function getOnly(request: Request, fn: () => Promise<Response>): Promise<Response> {
  if (request.method !== "GET") {
    return Promise.resolve(
      new Response("Method Not Allowed\n", {
        status: 405,
        headers: { allow: "GET", "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" },
      }),
    );
  }
  return fn();
}
