/**
 * Apply stays total on forged auth entries: an auth operation or a write stamped with a caller who may not
 * do it (no user, a non-root user, a stale auth revision, an unknown user, a malformed token prefix) is
 * answered with etcd's error and changes nothing; entries whose auth fields do not decode are skipped
 * alike; the member goes on applying. Admission at the door is bypassed on purpose: these entries are
 * proposed directly, as a foreign or buggy proposer could have committed them.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AuthService } from "../../src/auth/service.ts";
import { AuthStore } from "../../src/auth/store.ts";
import { SimpleTokens } from "../../src/auth/tokens.ts";
import type { AuthOp, AuthStamp } from "../../src/auth/ops.ts";
import { encodeCbor } from "../../src/codec/cbor.ts";
import { EtcdError } from "../../src/codec/errors.ts";
import { MvccStore } from "../../src/mvcc/mod.ts";
import { mvccStateMachine } from "../../src/server/kv_machine.ts";
import { Member } from "../../src/server/member.ts";
import { singleVoter } from "../helpers/single_voter.ts";

const enc = new TextEncoder();
const ID = 0x61n;

async function setup(): Promise<{ member: Member; auth: AuthService; store: MvccStore; raft: ReturnType<typeof singleVoter>["raft"] }> {
  const { db, stateDb, log, raft } = singleVoter(ID, { separateState: true });
  const store = new MvccStore(stateDb);
  const auth = new AuthService({
    store: new AuthStore(stateDb),
    tokens: new SimpleTokens({ ttlMs: 60_000 }),
    bcryptCost: 4,
    leaseKeys: () => [],
    applied: () => member.info().applied,
  });
  const member: Member = new Member({
    db,
    stateDb,
    log,
    raft,
    kv: mvccStateMachine(store),
    memberId: ID,
    clusterId: 7n,
    members: () => [],
    singleVoter: () => true,
    maxTxnOps: 128,
    maxRequestBytes: 1 << 20,
    requestTimeoutMs: 2_000,
    maxPendingRequests: 100,
    version: "3.4.30",
    auth,
  });
  auth.attach(member);
  await member.campaign();
  return { member, auth, store, raft };
}

function op(kind: AuthOp["kind"], request: Record<string, unknown>, extra: Partial<AuthOp> = {}): AuthOp {
  return { kind, request, ...extra };
}

async function outcome(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
    return "ok";
  } catch (error) {
    if (error instanceof EtcdError) return error.message;
    throw error;
  }
}

/** root (root role), alice with READWRITE on [/a, /c), auth enabled: proposed as the server's own entries. */
async function build(member: Member): Promise<void> {
  const steps: AuthOp[] = [
    op("AuthUserAddRequest", { name: "root" }, { hash: "" }),
    op("AuthUserGrantRoleRequest", { user: "root", role: "root" }),
    op("AuthRoleAddRequest", { name: "rw" }),
    op("AuthRoleGrantPermissionRequest", { name: "rw", perm: { permType: 2, key: enc.encode("/a"), range_end: enc.encode("/c") } }),
    op("AuthUserAddRequest", { name: "alice" }, { hash: "" }),
    op("AuthUserGrantRoleRequest", { user: "alice", role: "rw" }),
    op("AuthEnableRequest", {}),
  ];
  for (const step of steps) assert.is(await outcome(member.proposeWrite({ auth: step })), "ok", step.kind);
}

/** Waits (bounded) until the member applied up to `index`. */
async function appliedUpTo(member: Member, index: number): Promise<void> {
  for (let turn = 0; turn < 200 && member.info().applied < index; turn++) {
    member.tick();
    await Bun.sleep(5);
  }
  assert.ok(member.info().applied >= index, `applied ${member.info().applied} < ${index}`);
}

test("forged auth entries are refused at apply with etcd's errors and change nothing", async () => {
  const { member, auth } = await setup();
  try {
    await build(member);
    const revision = auth.store.revision;
    const current = (user: string): AuthStamp => ({ user, revision });
    const addMallory = op("AuthUserAddRequest", { name: "mallory" }, { hash: "" });
    // The door would never pass these; apply must refuse them on its own.
    assert.is(await outcome(member.proposeWrite({ auth: addMallory })), "etcdserver: user name is empty");
    assert.is(await outcome(member.proposeWrite({ auth: addMallory, caller: current("alice") })), "etcdserver: permission denied");
    assert.is(await outcome(member.proposeWrite({ auth: addMallory, caller: current("nobody") })), "etcdserver: permission denied");
    assert.is(
      await outcome(member.proposeWrite({ auth: addMallory, caller: { user: "root", revision: revision - 1 } })),
      "etcdserver: revision of auth store is old",
    );
    assert.is(
      await outcome(member.proposeWrite({ auth: op("AuthDisableRequest", {}), caller: current("alice") })),
      "etcdserver: permission denied",
    );
    // A token prefix that is not one this server draws.
    assert.is(
      await outcome(member.proposeWrite({ auth: op("AuthenticateRequest", { name: "alice" }, { token: "../x" }) })),
      "etcdserver: authentication failed, invalid user ID or password",
    );
    assert.equal(auth.store.userNames(), ["alice", "root"]);
    assert.is(auth.store.enabled, true);
    assert.is(auth.store.revision, revision);
    // Stamped writes: checked against the state they meet.
    const put = (key: string) => ({ put: { key: enc.encode(key), value: enc.encode("v") } });
    assert.is(await outcome(member.proposeWrite({ ...put("/b"), caller: current("alice") })), "ok");
    assert.is(await outcome(member.proposeWrite({ ...put("/z"), caller: current("alice") })), "etcdserver: permission denied");
    assert.is(await outcome(member.proposeWrite({ ...put("/b"), caller: { user: "", revision } })), "etcdserver: user name is empty");
    assert.is(
      await outcome(member.proposeWrite({ ...put("/b"), caller: { user: "alice", revision: revision - 1 } })),
      "etcdserver: revision of auth store is old",
    );
    assert.is(await outcome(member.proposeWrite({ ...put("/z"), caller: current("root") })), "ok");
  } finally {
    member.stop();
  }
});

test("entries whose auth fields do not decode are skipped alike; the member goes on", async () => {
  const { member, auth, raft, store } = await setup();
  try {
    await build(member);
    const revision = auth.store.revision;
    const forged = [
      { origin: 1n, id: 1, auth: { kind: "AuthNopeRequest", request: {} } },
      { origin: 1n, id: 2, auth: { kind: "AuthRoleGrantPermissionRequest", request: { name: 5 } } },
      { origin: 1n, id: 3, auth: "root" },
      { origin: 1n, id: 4, auth: { kind: "AuthUserAddRequest", request: { name: "eve" }, hash: 7 } },
      { origin: 1n, id: 5, put: { key: enc.encode("/b"), value: enc.encode("v") }, caller: { user: 3, revision: "x" } },
      { origin: 1n, id: 6, put: { key: enc.encode("/b"), value: enc.encode("v") }, caller: { user: "root", revision: -1 } },
    ];
    for (const entry of forged) raft.propose(encodeCbor(entry));
    await appliedUpTo(member, member.info().lastIndex + forged.length);
    assert.equal(auth.store.userNames(), ["alice", "root"]);
    assert.is(auth.store.revision, revision);
    assert.is(store.range({ key: enc.encode("/b") }).kvs.length, 0);
    const after = await member.proposeWrite({ put: { key: enc.encode("/b"), value: enc.encode("1") }, caller: { user: "alice", revision } });
    assert.ok(after !== undefined);
    assert.is(store.range({ key: enc.encode("/b") }).kvs.length, 1);
  } finally {
    member.stop();
  }
});

test.run();
