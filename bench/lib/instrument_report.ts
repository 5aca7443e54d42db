/**
 * Summarises what bench/lib/instrument.ts recorded during one row: per database file, transactions per
 * second, mean body and BEGIN+COMMIT time, transaction latency percentiles, and statements per
 * transaction (the log database's INSERT count per transaction is the batch size). Pure.
 * @module
 */
import type { IntervalFigures } from "./instrument.ts";

const TOP_STATEMENTS = 4;

function percentile(sortedUs: number[], p: number): number {
  if (sortedUs.length === 0) return 0;
  const at = Math.min(sortedUs.length - 1, Math.floor((p / 100) * sortedUs.length));
  return sortedUs[at]!;
}

/**
 * The latest round in the instrument file, its threads merged: the main thread's interval and blocking
 * time, every thread's databases (a worker's transactions do not block the main thread).
 */
export function lastInterval(fileText: string): IntervalFigures | undefined {
  const lines = fileText.split("\n").filter((l) => l.trim().length > 0).map((l) => JSON.parse(l) as IntervalFigures);
  const last = lines.at(-1);
  if (last === undefined) return undefined;
  const sameRound = lines.filter((l) => l.round === last.round);
  const main = sameRound.find((l) => l.thread === "main") ?? last;
  const merged: IntervalFigures = { ...main, databases: { ...main.databases } };
  for (const line of sameRound) {
    if (line === main) continue;
    for (const [path, figures] of Object.entries(line.databases)) merged.databases[`${path} (worker)`] = figures;
  }
  return merged;
}

/** Markdown lines describing one interval for a row, given the requests wrk completed in it. */
export function describeInterval(rowLabel: string, figures: IntervalFigures, requests: number): string[] {
  const seconds = figures.intervalMs / 1000;
  if (!(seconds > 0)) throw new Error("instrument interval has no duration");
  const lines = [
    `- **${rowLabel}**: ${requests} requests in ${seconds.toFixed(1)} s; event loop inside SQLite ` +
    `transactions ${((figures.inTransactionMs / figures.intervalMs) * 100).toFixed(0)} % of the time`,
  ];
  for (const [path, db] of Object.entries(figures.databases)) {
    const name = path.split("/").at(-1) ?? path;
    if (db.execCommits > 0) {
      lines.push(`  - ${name}: ${db.execCommits} COMMITs by exec (a transaction held open across batches), ` +
        `${(db.execCommitMs / db.execCommits).toFixed(3)} ms each, ${db.execCommitMs.toFixed(0)} ms in all`);
    }
    if (db.transactions === 0) continue;
    const sorted = [...db.samplesUs].sort((a, b) => a - b);
    const perTxn = Object.entries(db.statements).sort((a, b) => b[1] - a[1]).slice(0, TOP_STATEMENTS)
      .map(([sql, n]) => `${(n / db.transactions).toFixed(1)}× \`${sql}\``).join(", ");
    lines.push(
      `  - ${name}: ${(db.transactions / seconds).toFixed(0)} txn/s ` +
      `(${(requests / db.transactions).toFixed(1)} requests per txn); ` +
      `body ${(db.bodyMs / db.transactions).toFixed(3)} ms + BEGIN/COMMIT ${(db.commitMs / db.transactions).toFixed(3)} ms` +
      ` mean; txn p50 ${(percentile(sorted, 50) / 1000).toFixed(3)} ms, p99 ${(percentile(sorted, 99) / 1000).toFixed(3)} ms` +
      `; per txn: ${perTxn}`,
    );
  }
  const outside = Object.entries(figures.statementsOutsideTxn).sort((a, b) => b[1] - a[1]).slice(0, TOP_STATEMENTS);
  if (outside.length > 0 && requests > 0) {
    lines.push("  - outside transaction(): " +
      outside.map(([sql, n]) => `${(n / requests).toFixed(2)}× per request \`${sql}\``).join(", "));
  }
  return lines;
}
