/**
 * Differential compatibility suite: every scenario in cases.ts goes to a real etcd 3.4 and to a tsetcd
 * server started with the same flags; normalised answers (status, content type, body bytes) must be equal.
 * etcd missing is a failure, not a skip.
 */
import { suite } from "uvu";
import * as assert from "uvu/assert";
import { type ServerProcess, startEtcd, startTsetcd } from "../helpers/etcd.ts";
import {
  BAD_INPUT,
  CBOR,
  COMPACTION,
  DELETE_RANGE,
  LEASE,
  MAX_REQUEST_BYTES,
  PUT_AND_RANGE,
  ROUTING,
  SERVICE_ROUTES,
  SORT_TIES,
  TXN,
  WATCH,
} from "./cases.ts";
import { runScenario, type Step } from "./harness.ts";

interface Context {
  etcd?: ServerProcess;
  ours?: ServerProcess;
  /** uvu swallows errors thrown by hooks; keep the reason so every test fails with it. */
  startError?: string;
}

/** Enough to see a pattern; the rest is counted. */
const MAX_SHOWN = 12;

const compat = suite<Context>("gateway compat");

compat.before(async (ctx) => {
  try {
    ctx.etcd = await startEtcd({ maxRequestBytes: MAX_REQUEST_BYTES });
    ctx.ours = await startTsetcd({ maxRequestBytes: MAX_REQUEST_BYTES });
  } catch (err) {
    ctx.startError = (err as Error).message;
    console.error(`compat: ${ctx.startError}`);
  }
});

compat.after(async (ctx) => {
  await ctx.ours?.stop();
  await ctx.etcd?.stop();
});

async function check(ctx: Context, steps: Step[]): Promise<void> {
  if (ctx.startError !== undefined) assert.unreachable(`servers did not start: ${ctx.startError}`);
  assert.ok(ctx.etcd !== undefined && ctx.ours !== undefined, "servers did not start");
  const problems = await runScenario(ctx.etcd!, ctx.ours!, steps);
  const shown = problems.slice(0, MAX_SHOWN).join("\n");
  const more = problems.length > MAX_SHOWN ? `\n… and ${problems.length - MAX_SHOWN} more` : "";
  if (problems.length > 0) assert.unreachable(`${problems.length} difference(s):\n${shown}${more}`);
}

compat("put and range with every option", (ctx) => check(ctx, PUT_AND_RANGE));
compat("sort order among many ties", (ctx) => check(ctx, SORT_TIES));
compat("delete range", (ctx) => check(ctx, DELETE_RANGE));
compat("txn: compares, branches, nesting, errors", (ctx) => check(ctx, TXN));
compat("compaction and compacted/future errors", (ctx) => check(ctx, COMPACTION));
compat("status, member list, health, version", (ctx) => check(ctx, SERVICE_ROUTES));
compat("bad input, limits, unknown routes and methods", (ctx) => check(ctx, BAD_INPUT));
compat("the same requests in CBOR give the same answers", (ctx) => check(ctx, CBOR));
compat("routing corners: OPTIONS, HEAD, query strings, slashes, v3beta", (ctx) => check(ctx, ROUTING));
compat("watch streams: replay, prev_kv, filters, compacted start", (ctx) => check(ctx, WATCH));
compat("leases: grant, attach, list, time to live, revoke", (ctx) => check(ctx, LEASE));

compat.run();
