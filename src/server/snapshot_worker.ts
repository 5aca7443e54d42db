/**
 * The snapshot thread: copies the state database with `VACUUM INTO` on its own connection, so a large copy
 * never blocks the Ready loop (heartbeats keep flowing). Messages: make {statePath, outPath} → made {applied}
 * | failed.
 * @module
 */
import { openDatabase } from "../runtime/sqlite.ts";

declare const self: Worker;

self.onmessage = (event: MessageEvent): void => {
  const msg = event.data as { type: string; statePath: string; outPath: string };
  try {
    if (msg.type !== "make") throw new Error(`snapshot worker: unknown message ${msg.type}`);
    const db = openDatabase(msg.statePath, { durable: false });
    try {
      db.exec("PRAGMA busy_timeout = 10000");
      db.exec(`VACUUM INTO '${msg.outPath.replaceAll("'", "''")}'`);
    } finally {
      db.close();
    }
    self.postMessage({ type: "made" });
  } catch (err) {
    self.postMessage({ type: "failed", message: String((err as Error)?.stack ?? err) });
  }
};
