/**
 * The log writer thread: owns a connection to the Raft log database and commits each write (entries and
 * hard state) in one fsynced transaction, so the main thread keeps parsing requests and building the next
 * batch while the disk syncs. Messages: open → opened; write → written | failed; close → closed.
 * @module
 */
import type { SqlDatabase } from "../storage/adapter.ts";
import { type LogWrite, RaftLogWriter } from "../storage/raft_log.ts";
import { openDatabase } from "../runtime/sqlite.ts";

declare const self: Worker;

let db: SqlDatabase | undefined;
let writer: RaftLogWriter | undefined;

self.onmessage = (event: MessageEvent): void => {
  const msg = event.data as { type: string; path?: string; seq?: number; write?: LogWrite };
  try {
    if (msg.type === "open") {
      db = openDatabase(msg.path!, { durable: true });
      // The main thread's connection compacts the log now and then; wait for it rather than fail.
      db.exec("PRAGMA busy_timeout = 10000");
      writer = new RaftLogWriter(db);
      self.postMessage({ type: "opened" });
    } else if (msg.type === "write") {
      if (db === undefined || writer === undefined) throw new Error("log worker: write before open");
      const w = msg.write!;
      db.transaction(() => writer!.write(w));
      self.postMessage({ type: "written", seq: msg.seq });
    } else if (msg.type === "close") {
      db?.close();
      db = undefined;
      self.postMessage({ type: "closed" });
    }
  } catch (err) {
    self.postMessage({ type: "failed", seq: msg.seq, message: String((err as Error)?.stack ?? err) });
  }
};
