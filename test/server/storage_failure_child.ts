/**
 * Child process of storage_failure_test.ts: one in-memory member whose state machine fails a put the way
 * SQLite fails on a full disk or an I/O error (an error whose code is `process.argv[2]`), or breaks an
 * invariant when the code is "none". The member must stop for the first and answer the second.
 */
import { MvccStore } from "../../src/mvcc/mod.ts";
import { mvccStateMachine } from "../../src/server/kv_machine.ts";
import { type KvStateMachine, Member } from "../../src/server/member.ts";
import { singleVoter } from "../helpers/single_voter.ts";

const code = process.argv[2] ?? "none";
const ID = 0x77n;
const { db, log, raft } = singleVoter(ID);
const inner = mvccStateMachine(new MvccStore(db));
const kv: KvStateMachine = {
  ...inner,
  put() {
    const error = new Error(code === "none" ? "an invariant broke" : "disk I/O error");
    if (code !== "none") Object.assign(error, { name: "SQLiteError", code });
    throw error;
  },
};
const member = new Member({
  db,
  log,
  raft,
  kv,
  memberId: ID,
  clusterId: 1n,
  members: () => [],
  singleVoter: () => true,
  maxTxnOps: 128,
  maxRequestBytes: 1 << 20,
  requestTimeoutMs: 2_000,
  maxPendingRequests: 10,
  version: "3.4.30",
});
await member.campaign();
try {
  await member.put({ key: new TextEncoder().encode("k") });
  console.log("answered: ok");
} catch (error) {
  console.log(`answered: ${(error as Error).message}`);
}
member.stop();
