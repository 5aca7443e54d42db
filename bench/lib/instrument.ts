/**
 * A Bun preload for the server under test (`bun --preload bench/lib/instrument.ts mod.ts server …`) that
 * times every bun:sqlite transaction without touching src/: per database file, how many transactions ran,
 * how long the body took and how long BEGIN+COMMIT (the fsync when durable) took, and which statements
 * ran inside, so a batch's size can be read off the log database's INSERT count per transaction.
 *
 * On SIGUSR2 it appends the figures gathered since the previous signal as one JSON line to the file named
 * by BENCH_INSTRUMENT_OUT and starts over; bench/run.ts signals before and after each measured row.
 * Worker threads (the server's log writer) get the same preload through a patched `Worker` constructor
 * and are asked over a BroadcastChannel to write their own line for the same round.
 * @module
 */
import { Database, Statement } from "bun:sqlite";
import { appendFileSync } from "node:fs";
import { isMainThread } from "node:worker_threads";

/** Figures for one database file over one interval. */
export interface DbFigures {
  transactions: number;
  bodyMs: number;
  commitMs: number;
  /** Transaction wall times (body + BEGIN/COMMIT) in microseconds, for percentiles; capped in count. */
  samplesUs: number[];
  /** Statement (first 70 characters of its SQL) → times it ran inside a transaction. */
  statements: Record<string, number>;
  /** Transactions driven by hand with exec("BEGIN") … exec("COMMIT"): how many COMMITs and their time. */
  execCommits: number;
  execCommitMs: number;
}

/** One interval of one thread, as written to BENCH_INSTRUMENT_OUT. */
export interface IntervalFigures {
  /** Which SIGUSR2 this line answers; lines of one round from several threads belong together. */
  round: number;
  thread: "main" | "worker";
  intervalMs: number;
  /** Wall time of the whole process spent inside transactions (the event loop is blocked meanwhile). */
  inTransactionMs: number;
  databases: Record<string, DbFigures>;
  statementsOutsideTxn: Record<string, number>;
}

const MAX_SAMPLES = 200_000;
const SQL_LABEL_CHARS = 70;

const outPath = process.env.BENCH_INSTRUMENT_OUT;
const CHANNEL = "tsetcd-bench-instrument";
const SELF_PATH = new URL(import.meta.url).pathname;
let round = 0;
let intervalStartMs = performance.now();
let inTransactionMs = 0;
let databases: Record<string, DbFigures> = {};
let statementsOutsideTxn: Record<string, number> = {};
let current: DbFigures | undefined;

function figuresFor(name: string): DbFigures {
  let figures = databases[name];
  if (figures === undefined) {
    figures = { transactions: 0, bodyMs: 0, commitMs: 0, samplesUs: [], statements: {}, execCommits: 0, execCommitMs: 0 };
    databases[name] = figures;
  }
  return figures;
}

function label(sql: unknown): string {
  return String(sql ?? "?").replace(/\s+/g, " ").trim().slice(0, SQL_LABEL_CHARS);
}

const sqlOf = new WeakMap<object, string>();

function countStatement(stmt: Statement): void {
  const key = sqlOf.get(stmt) ?? "?";
  const table = current === undefined ? statementsOutsideTxn : current.statements;
  table[key] = (table[key] ?? 0) + 1;
}

/** bun:sqlite installs run/get/all per instance (fast paths by argument count), so wrap each instance. */
function patchStatements(): void {
  for (const method of ["prepare", "query"] as const) {
    const original = Database.prototype[method] as (...args: unknown[]) => Statement;
    Database.prototype[method] = function (this: Database, ...args: unknown[]): never {
      const stmt = original.apply(this, args);
      if (!sqlOf.has(stmt)) wrapStatement(stmt, label(args[0]));
      return stmt as never;
    } as never;
  }
}

function wrapStatement(stmt: Statement, sql: string): void {
  sqlOf.set(stmt, sql);
  const methods = stmt as unknown as Record<string, (...args: unknown[]) => unknown>;
  for (const method of ["run", "get", "all", "values"]) {
    const original = methods[method];
    if (typeof original !== "function") continue;
    methods[method] = function (this: unknown, ...args: unknown[]): unknown {
      countStatement(stmt);
      return original.apply(stmt, args);
    };
  }
}

function patchTransactions(): void {
  const original = Database.prototype.transaction;
  Database.prototype.transaction = function (this: Database, fn: (...args: never[]) => unknown): never {
    const db = this;
    let bodyMs = 0;
    const timedBody = function (this: unknown, ...args: never[]): unknown {
      const startMs = performance.now();
      try {
        return fn.apply(this, args);
      } finally {
        bodyMs += performance.now() - startMs;
      }
    };
    const wrapped = original.call(db, timedBody) as (...args: never[]) => unknown;
    const timed = function (this: unknown, ...args: never[]): unknown {
      const outer = current;
      const figures = figuresFor(db.filename);
      current = figures;
      bodyMs = 0;
      const startMs = performance.now();
      try {
        return wrapped.apply(this, args);
      } finally {
        const totalMs = performance.now() - startMs;
        current = outer;
        if (outer === undefined) {
          inTransactionMs += totalMs;
          figures.transactions++;
          figures.bodyMs += bodyMs;
          figures.commitMs += totalMs - bodyMs;
          if (figures.samplesUs.length < MAX_SAMPLES) figures.samplesUs.push(Math.round(totalMs * 1000));
        }
      }
    };
    return timed as never;
  } as never;
}

function dump(): void {
  if (outPath === undefined) return;
  const nowMs = performance.now();
  const line: IntervalFigures = {
    round,
    thread: isMainThread ? "main" : "worker",
    intervalMs: nowMs - intervalStartMs,
    inTransactionMs,
    databases,
    statementsOutsideTxn,
  };
  appendFileSync(outPath, JSON.stringify(line) + "\n");
  intervalStartMs = nowMs;
  inTransactionMs = 0;
  databases = {};
  statementsOutsideTxn = {};
}

/** Times COMMITs issued through exec (a transaction kept open across batches and committed on a timer). */
function patchExec(): void {
  const original = Database.prototype.exec as (...args: unknown[]) => unknown;
  Database.prototype.exec = function (this: Database, ...args: unknown[]): never {
    if (typeof args[0] !== "string" || !/^\s*(COMMIT|END)\b/i.test(args[0])) return original.apply(this, args) as never;
    const startMs = performance.now();
    try {
      return original.apply(this, args) as never;
    } finally {
      const figures = figuresFor(this.filename);
      figures.execCommits++;
      figures.execCommitMs += performance.now() - startMs;
      inTransactionMs += performance.now() - startMs;
    }
  } as never;
}

/** Workers the server starts get this preload too (Bun's `preload` option of `new Worker`). */
function patchWorkers(): void {
  const Original = globalThis.Worker;
  globalThis.Worker = class extends Original {
    constructor(url: string | URL, options: WorkerOptions = {}) {
      const preload = [...[options.preload ?? []].flat(), SELF_PATH];
      super(url, { ...options, preload });
    }
  } as typeof Worker;
}

patchStatements();
patchTransactions();
patchExec();
const channel = new BroadcastChannel(CHANNEL);
if (isMainThread) {
  patchWorkers();
  process.on("SIGUSR2", () => {
    round++;
    dump();
    channel.postMessage(round);
  });
  (channel as unknown as { unref?: () => void }).unref?.();
} else {
  channel.addEventListener("message", (event) => {
    round = Number((event as MessageEvent).data);
    dump();
  });
  (channel as unknown as { unref?: () => void }).unref?.();
}
