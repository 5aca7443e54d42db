/**
 * A thread standing in for the WAL checkpoint thread in test/unit/wal_checkpointer_test.ts: given a
 * checkpoint turn's buffer, it takes the turn as the thread would, answers "held", and releases it after
 * `holdMs` (a long checkpoint pass), then answers "released".
 * @module
 */
import { CheckpointTurn } from "../../src/storage/checkpoint_turn.ts";

declare const self: Worker;

self.onmessage = (event: MessageEvent): void => {
  const { buffer, holdMs } = event.data as { buffer: SharedArrayBuffer; holdMs: number };
  const turn = new CheckpointTurn(buffer);
  if (!turn.takeForThread(0)) {
    self.postMessage("refused");
    return;
  }
  self.postMessage("held");
  setTimeout(() => {
    turn.release();
    self.postMessage("released");
  }, holdMs);
};
