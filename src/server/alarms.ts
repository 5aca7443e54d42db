/**
 * The replicated alarm list (etcd's alarmStore): which member raised which alarm (NOSPACE, CORRUPT). Raised
 * and disarmed only through Raft (an `alarm` proposal), applied on every member into the state database —
 * so it is in every snapshot and survives restarts — and listed locally.
 *
 * As etcd's applier: ACTIVATE answers the alarm it added (nothing when it was already raised), DEACTIVATE the
 * one it removed (nothing when it was not raised), GET lists all alarms of a type, or every alarm for NONE.
 * @module
 */
import { type AlarmMember, type AlarmRequest, type AlarmResponse, AlarmType } from "../codec/messages.ts";
import type { SqlDatabase, SqlStatement } from "../storage/adapter.ts";
import type { RaisedAlarms } from "./quota.ts";

/** An alarm operation carried by a proposal (ids as decimal strings in the entry). */
export interface AlarmOp {
  action: "activate" | "deactivate";
  memberID: bigint;
  alarm: number;
}

const SCHEMA = `CREATE TABLE IF NOT EXISTS alarms (
  member_id TEXT NOT NULL,
  alarm INTEGER NOT NULL,
  PRIMARY KEY (member_id, alarm)
) WITHOUT ROWID`;

/** Alarm types this store accepts (etcd's AlarmType, NONE excluded). */
const KNOWN_ALARMS: ReadonlySet<number> = new Set([AlarmType.NOSPACE, AlarmType.CORRUPT]);

/** The alarm table on the state database. */
export class AlarmStore {
  readonly #insert: SqlStatement;
  readonly #delete: SqlStatement;
  readonly #all: SqlStatement;
  /**
   * The raised types, kept in memory: every write's apply asks (src/server/quota.ts). Changed only by
   * `apply` and by a state database replaced under the store (`reload`).
   */
  #raised: RaisedAlarms;

  constructor(db: SqlDatabase) {
    db.exec(SCHEMA);
    this.#insert = db.prepare("INSERT OR IGNORE INTO alarms (member_id, alarm) VALUES (?, ?)");
    this.#delete = db.prepare("DELETE FROM alarms WHERE member_id = ? AND alarm = ?");
    this.#all = db.prepare("SELECT member_id, alarm FROM alarms ORDER BY alarm, member_id");
    this.#raised = this.#read();
  }

  /** Applies a committed alarm entry; answers as etcd's applier (see the module note). */
  apply(op: AlarmOp): AlarmMember[] {
    if (!KNOWN_ALARMS.has(op.alarm)) return []; // etcd ignores an unknown type; so does every member here
    const args = [String(op.memberID), op.alarm] as const;
    const alarm = { memberID: op.memberID, alarm: op.alarm };
    // etcd answers an activation with the alarm even when it was already raised; a disarm only when it was.
    const changed = op.action === "activate" ? this.#insert.run(...args).changes >= 0 : this.#delete.run(...args).changes === 1;
    this.#raised = this.#read();
    return changed ? [alarm] : [];
  }

  /** Which alarm types are raised (for the apply-time refusals); no query. */
  raised(): Readonly<RaisedAlarms> {
    return this.#raised;
  }

  /** Reads the raised types again: the state database was replaced (a snapshot installed). */
  reload(): void {
    this.#raised = this.#read();
  }

  #read(): RaisedAlarms {
    const all = this.list();
    return {
      noSpace: all.some((a) => a.alarm === AlarmType.NOSPACE),
      corrupt: all.some((a) => a.alarm === AlarmType.CORRUPT),
    };
  }

  /** The raised alarms of `alarm` (every one for NONE), by type then member. */
  list(alarm: number = AlarmType.NONE): AlarmMember[] {
    return this.#all.all()
      .map((row) => ({ memberID: BigInt(row.member_id as string), alarm: Number(row.alarm) }))
      .filter((a) => alarm === AlarmType.NONE || a.alarm === alarm);
  }
}

/** What the Alarm RPC needs from the member. */
export interface AlarmServiceOptions {
  store: AlarmStore;
  /** Proposes the operation through Raft; resolves with the applied answer. */
  propose: (op: AlarmOp) => Promise<AlarmResponse>;
  /** Resolves once this member applied everything committed when it was called (a ReadIndex round). */
  readBarrier: () => Promise<void>;
}

/**
 * Maintenance.Alarm: ACTIVATE and DEACTIVATE go through Raft; GET reads the local list once a ReadIndex
 * round says it is current (etcd 3.4 sends a GET through Raft too: a member that lags never lists an alarm
 * already disarmed). etcd 3.4 answers every action without a header, so this does too.
 */
export async function alarmCall(options: AlarmServiceOptions, req: AlarmRequest): Promise<AlarmResponse> {
  if (req.action === 1 || req.action === 2) {
    const action = req.action === 1 ? "activate" : "deactivate";
    const applied = await options.propose({ action, memberID: req.memberID ?? 0n, alarm: req.alarm ?? 0 });
    return { alarms: applied.alarms };
  }
  await options.readBarrier();
  return { alarms: options.store.list(req.alarm ?? AlarmType.NONE) };
}

/** Reads an alarm operation back from an entry (throws on a malformed one: the entry is then not applied). */
export function readAlarmOp(raw: unknown): AlarmOp {
  if (typeof raw !== "object" || raw === null) throw new Error("alarm operation is not a map");
  const r = raw as Record<string, unknown>;
  if (r.action !== "activate" && r.action !== "deactivate") throw new Error(`alarm action ${String(r.action)} unknown`);
  if (typeof r.memberID !== "string" || !/^[0-9]{1,20}$/.test(r.memberID)) throw new Error("alarm member id is not decimal");
  if (typeof r.alarm !== "number" || !Number.isSafeInteger(r.alarm)) throw new Error("alarm type is not an integer");
  return { action: r.action, memberID: BigInt(r.memberID), alarm: r.alarm };
}
