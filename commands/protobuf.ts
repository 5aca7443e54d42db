/**
 * etcdctl's `-w protobuf`: the response's protobuf encoding (gogo-protobuf Marshal), written raw with no
 * newline. Pure.
 * @module
 */
import type {
  AlarmMember,
  DeleteRangeResponse,
  KeyValue,
  Member,
  MemberListResponse,
  PutResponse,
  RangeResponse,
  ResponseHeader,
  ResponseOp,
  TxnResponse,
} from "../src/codec/messages.ts";

/** Appends protobuf fields in field-number order; zero values are skipped, as proto3 does. */
class ProtoWriter {
  private readonly bytes: number[] = [];

  private varint(value: bigint): void {
    // Negative int64 values travel as their 64-bit two's complement (ten bytes).
    let v = value < 0n ? value + (1n << 64n) : value;
    for (let i = 0; i < 10; i++) {
      const low = Number(v & 0x7fn);
      v >>= 7n;
      if (v === 0n) {
        this.bytes.push(low);
        return;
      }
      this.bytes.push(low | 0x80);
    }
  }

  private tag(field: number, wireType: number): void {
    this.varint(BigInt((field << 3) | wireType));
  }

  int(field: number, value: number | bigint | undefined): this {
    if (value === undefined || value === 0 || value === 0n) return this;
    this.tag(field, 0);
    this.varint(BigInt(value));
    return this;
  }

  bool(field: number, value: boolean | undefined): this {
    return value === true ? this.int(field, 1) : this;
  }

  bytesField(field: number, value: Uint8Array | undefined, keepEmpty = false): this {
    if (value === undefined || (value.length === 0 && !keepEmpty)) return this;
    this.tag(field, 2);
    this.varint(BigInt(value.length));
    // One push per byte: a spread passes every byte as an argument, past V8's stack for a 1 MB value (Deno).
    for (const byte of value) this.bytes.push(byte);
    return this;
  }

  string(field: number, value: string | undefined): this {
    return value === undefined || value === "" ? this : this.bytesField(field, new TextEncoder().encode(value));
  }

  /** A present sub-message is always written, even when empty (a non-nil pointer in Go). */
  message(field: number, value: Uint8Array | undefined): this {
    return this.bytesField(field, value, true);
  }

  done(): Uint8Array {
    return new Uint8Array(this.bytes);
  }
}

function header(h: ResponseHeader | undefined): Uint8Array | undefined {
  if (h === undefined) return undefined;
  return new ProtoWriter().int(1, h.cluster_id).int(2, h.member_id).int(3, h.revision).int(4, h.raft_term).done();
}

function keyValue(kv: KeyValue): Uint8Array {
  return new ProtoWriter()
    .bytesField(1, kv.key)
    .int(2, kv.create_revision)
    .int(3, kv.mod_revision)
    .int(4, kv.version)
    .bytesField(5, kv.value)
    .int(6, kv.lease)
    .done();
}

function repeated(writer: ProtoWriter, field: number, items: Uint8Array[]): ProtoWriter {
  for (const item of items) writer.message(field, item);
  return writer;
}

/** RangeResponse as protobuf. */
export function protoRange(r: RangeResponse): Uint8Array {
  const w = new ProtoWriter().message(1, header(r.header));
  return repeated(w, 2, (r.kvs ?? []).map(keyValue)).bool(3, r.more).int(4, r.count).done();
}

/** PutResponse as protobuf. */
export function protoPut(r: PutResponse): Uint8Array {
  return new ProtoWriter().message(1, header(r.header)).message(2, r.prev_kv && keyValue(r.prev_kv)).done();
}

/** DeleteRangeResponse as protobuf. */
export function protoDel(r: DeleteRangeResponse): Uint8Array {
  const w = new ProtoWriter().message(1, header(r.header)).int(2, r.deleted);
  return repeated(w, 3, (r.prev_kvs ?? []).map(keyValue)).done();
}

function responseOp(op: ResponseOp): Uint8Array {
  const w = new ProtoWriter();
  if (op.response_range !== undefined) w.message(1, protoRange(op.response_range));
  if (op.response_put !== undefined) w.message(2, protoPut(op.response_put));
  if (op.response_delete_range !== undefined) w.message(3, protoDel(op.response_delete_range));
  if (op.response_txn !== undefined) w.message(4, protoTxn(op.response_txn));
  return w.done();
}

/** TxnResponse as protobuf. */
export function protoTxn(r: TxnResponse): Uint8Array {
  const w = new ProtoWriter().message(1, header(r.header)).bool(2, r.succeeded);
  return repeated(w, 3, (r.responses ?? []).map(responseOp)).done();
}

function member(m: Member): Uint8Array {
  const w = new ProtoWriter().int(1, m.ID).string(2, m.name);
  for (const u of m.peerURLs ?? []) w.string(3, u);
  for (const u of m.clientURLs ?? []) w.string(4, u);
  return w.bool(5, m.isLearner).done();
}

/** MemberListResponse as protobuf. */
export function protoMemberList(r: MemberListResponse): Uint8Array {
  const w = new ProtoWriter().message(1, header(r.header));
  return repeated(w, 2, (r.members ?? []).map(member)).done();
}

/** AlarmResponse as protobuf, header absent (etcd 3.4 sends none): field 2 per alarm, its member (1) and type (2). */
export function protoAlarms(alarms: AlarmMember[]): Uint8Array {
  const w = new ProtoWriter();
  return repeated(w, 2, alarms.map((a) => new ProtoWriter().int(1, a.memberID).int(2, a.alarm).done())).done();
}
