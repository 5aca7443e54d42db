/**
 * The cluster's members as the applied log describes them: id, name, peer URLs, client URLs, learner flag.
 * Kept in the state database (written in the same transactions as the applied index, so a snapshot of
 * that database carries it) with an in-memory copy for reads.
 *
 * Membership entries carry a small CBOR record in their ConfChange context (`MemberContext`): who the
 * member is, and which proposal (origin, id) asked for the change so that member can answer its caller.
 * @module
 */
import { decodeCborValue, encodeCbor } from "../codec/cbor.ts";
import type { Member as MemberInfo } from "../codec/messages.ts";
import type { SqlDatabase, SqlStatement } from "../storage/adapter.ts";

const SCHEMA = `CREATE TABLE IF NOT EXISTS tsetcd_member (
  id TEXT PRIMARY KEY,
  name TEXT NOT NULL,
  peer_urls TEXT NOT NULL,
  client_urls TEXT NOT NULL,
  is_learner INTEGER NOT NULL
)`;

/** What a ConfChange entry's context says about the member it changes. */
export interface MemberContext {
  name: string;
  peerURLs: string[];
  isLearner: boolean;
  /** The proposing process and its request id; 0n / 0 when nobody waits. */
  origin: bigint;
  requestId: number;
}

/** ConfChange context → bytes. */
export function encodeMemberContext(c: MemberContext): Uint8Array {
  return encodeCbor({ n: c.name, p: c.peerURLs, l: c.isLearner, o: c.origin, r: c.requestId });
}

/** Bytes → ConfChange context; undefined for an empty context (the founding entries have none). */
export function decodeMemberContext(bytes: Uint8Array | undefined): MemberContext | undefined {
  if (bytes === undefined || bytes.byteLength === 0) return undefined;
  const v = decodeCborValue(bytes) as Record<string, unknown>;
  if (typeof v !== "object" || v === null || !Array.isArray(v.p)) throw new Error("member context: malformed");
  return {
    name: String(v.n ?? ""),
    peerURLs: (v.p as unknown[]).map(String),
    isLearner: v.l === true,
    origin: BigInt((v.o as number | bigint | undefined) ?? 0),
    requestId: Number(v.r ?? 0),
  };
}

/** The members registry of one member. Writes are staged in the caller's state transaction. */
export class MemberRegistry {
  readonly #db: SqlDatabase;
  readonly #upsert: SqlStatement;
  readonly #delete: SqlStatement;
  #members = new Map<bigint, MemberInfo>();

  constructor(db: SqlDatabase) {
    this.#db = db;
    db.exec(SCHEMA);
    this.#upsert = db.prepare(
      `INSERT INTO tsetcd_member (id, name, peer_urls, client_urls, is_learner) VALUES (?, ?, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET name = excluded.name, peer_urls = excluded.peer_urls,
       client_urls = excluded.client_urls, is_learner = excluded.is_learner`,
    );
    this.#delete = db.prepare("DELETE FROM tsetcd_member WHERE id = ?");
    this.reload();
  }

  /** Re-reads the table (after a snapshot replaced the state database's contents). */
  reload(): void {
    this.#members.clear();
    for (const row of this.#db.prepare("SELECT * FROM tsetcd_member").all()) {
      const m: MemberInfo = {
        ID: BigInt(String(row.id)),
        name: String(row.name),
        peerURLs: JSON.parse(String(row.peer_urls)) as string[],
        clientURLs: JSON.parse(String(row.client_urls)) as string[],
        isLearner: Number(row.is_learner) === 1,
      };
      this.#members.set(m.ID, m);
    }
  }

  /** Every member, ids ascending (etcd lists them sorted). */
  list(): MemberInfo[] {
    return [...this.#members.values()].sort((a, b) => (a.ID < b.ID ? -1 : a.ID > b.ID ? 1 : 0)).map(clone);
  }

  get(id: bigint): MemberInfo | undefined {
    const m = this.#members.get(id);
    return m === undefined ? undefined : clone(m);
  }

  isEmpty(): boolean {
    return this.#members.size === 0;
  }

  /** The member listening on any of `peerURLs`, if one does. */
  byPeerUrls(peerURLs: string[]): MemberInfo | undefined {
    for (const m of this.#members.values()) if (m.peerURLs.some((u) => peerURLs.includes(u))) return clone(m);
    return undefined;
  }

  /** Adds or replaces a member; inside a state transaction (the memory copy follows at once). */
  put(m: MemberInfo): void {
    this.#upsert.run(
      String(m.ID),
      m.name,
      JSON.stringify(m.peerURLs),
      JSON.stringify(m.clientURLs),
      m.isLearner === true ? 1 : 0,
    );
    this.#members.set(m.ID, clone(m));
  }

  remove(id: bigint): void {
    this.#delete.run(String(id));
    this.#members.delete(id);
  }
}

function clone(m: MemberInfo): MemberInfo {
  return {
    ID: m.ID,
    name: m.name,
    peerURLs: [...m.peerURLs],
    clientURLs: [...m.clientURLs],
    isLearner: m.isLearner === true,
  };
}
