/**
 * etcdctl's `-w protobuf`: the response's protobuf encoding, written through Go's fmt.Printf as the format
 * string (etcdctl 3.4 does exactly that, so a `%` in the bytes is interpreted as a verb). Pure.
 * @module
 */
import type {
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
    this.bytes.push(...value);
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

const PERCENT = 0x25;
const FLAG_BYTES = new Set([0x2b, 0x2d, 0x23, 0x20, 0x30]); // + - # space 0

function isDigit(b: number | undefined): boolean {
  return b !== undefined && b >= 0x30 && b <= 0x39;
}

/** Length of the UTF-8 sequence starting with `lead` (1 for an invalid lead byte, as Go decodes it). */
function runeLength(bytes: Uint8Array, i: number): number {
  const lead = bytes[i]!;
  const size = lead < 0x80 ? 1 : lead >= 0xf0 ? 4 : lead >= 0xe0 ? 3 : lead >= 0xc0 ? 2 : 1;
  for (let k = 1; k < size; k++) if (i + k >= bytes.length || (bytes[i + k]! & 0xc0) !== 0x80) return 1;
  return size;
}

const ENCODER = new TextEncoder();

/**
 * What Go's fmt.Printf(format) writes when given no arguments: `%%` → `%`, any other verb →
 * `%!<verb>(MISSING)`, a trailing `%` → `%!(NOVERB)`; every other byte as is.
 */
export function goPrintfNoArgs(format: Uint8Array): Uint8Array {
  const out: number[] = [];
  let i = 0;
  while (i < format.length) {
    const b = format[i]!;
    if (b !== PERCENT) {
      out.push(b);
      i++;
      continue;
    }
    i++;
    while (i < format.length && FLAG_BYTES.has(format[i]!)) i++;
    while (isDigit(format[i])) i++;
    if (format[i] === 0x2e) {
      i++;
      while (isDigit(format[i])) i++;
    }
    if (i >= format.length) {
      out.push(...ENCODER.encode("%!(NOVERB)"));
      break;
    }
    if (format[i] === PERCENT) {
      out.push(PERCENT);
      i++;
      continue;
    }
    const size = runeLength(format, i);
    const verb = size === 1 && format[i]! >= 0x80 ? ENCODER.encode("\ufffd") : format.slice(i, i + size);
    out.push(...ENCODER.encode("%!"), ...verb, ...ENCODER.encode("(MISSING)"));
    i += size;
  }
  return new Uint8Array(out);
}
