/**
 * The protobuf codec (src/codec/protobuf.ts) and proto/*.proto against an independent implementation,
 * protobufjs, which reads only our .proto files:
 * - the schema table and the .proto files declare the same messages, fields, numbers, types and enums;
 * - for seeded random messages of every kind, our bytes equal protobufjs's bytes for the same value, each
 *   side decodes the other's bytes to the same value, and the size equals protoSizeBytes;
 * plus decoding rules (zero fill as decodeJson, merges, oneofs, packed/unpacked, unknown fields) and every
 * malformed-input refusal with etcd's unmarshal texts.
 */
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import protobuf from "protobufjs";
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EtcdError, GrpcCode } from "../../src/codec/errors.ts";
import { decodeJson, encodeJson } from "../../src/codec/json.ts";
import { protoSizeBytes } from "../../src/codec/proto_size.ts";
import { decodeProtobuf, encodeProtobuf } from "../../src/codec/protobuf.ts";
import { goFieldName } from "../../src/codec/protobuf_plan.ts";
import { fieldsOf, MESSAGE_KINDS, type MessageKind, protoPackageOf } from "../../src/codec/schema.ts";
import type { FieldDef } from "../../src/codec/schema_fields.ts";
import { zeroMessage } from "../../src/codec/wire.ts";
import { DECODERS, readRequest, type RequestKind } from "../../src/server/boundary.ts";
import { Prng } from "../../src/sim/prng.ts";

type Obj = Record<string, unknown>;

const PROTO_ROOT = fileURLToPath(new URL("../../proto/", import.meta.url));
const PROTO_FILES = ["etcdserverpb/rpc.proto", "v3lockpb/v3lock.proto", "v3electionpb/v3election.proto"];
const SEEDS = 40;
const MAX_NESTING = 3;
const enc = new TextEncoder();

function loadRoot(): protobuf.Root {
  const root = new protobuf.Root();
  root.resolvePath = (_origin, target) => (target.startsWith("/") ? target : join(PROTO_ROOT, target));
  root.loadSync(PROTO_FILES, { keepCase: true });
  root.resolveAll();
  return root;
}

const root = loadRoot();

function typeOf(kind: MessageKind): protobuf.Type {
  return root.lookupType(`${protoPackageOf(kind)}.${kind}`);
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

function bytesOf(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text.replace(/ /g, ""), "hex"));
}

/** Asserts `fn` throws EtcdError(InvalidArgument) whose message is `message` (or matches it). */
function refuses(fn: () => unknown, message: string | RegExp): void {
  try {
    fn();
  } catch (err) {
    assert.instance(err, EtcdError);
    assert.is((err as EtcdError).code, GrpcCode.InvalidArgument);
    if (typeof message === "string") assert.is((err as EtcdError).message, message);
    else assert.match((err as EtcdError).message, message);
    return;
  }
  assert.unreachable(`accepted; expected ${message}`);
}

// ---- the schema and proto/ agree ----

const PROTO_SCALAR: Record<string, string> = {
  bytes: "bytes", int64: "int64", id64: "int64", uint64: "uint64", uid64: "uint64", int32: "int32",
  uint32: "uint32", bool: "bool", string: "string",
};

/** What a field is, in protobufjs's terms, from our schema. */
function expectedType(def: FieldDef): string {
  if (def.kind === "message") return `.${protoPackageOf(def.message!)}.${def.message}`;
  if (def.kind === "enum") {
    const [pkg, name] = def.enumDef!.goName.split(".");
    return `.${pkg}.${name!.replace("_", ".")}`;
  }
  return PROTO_SCALAR[def.kind]!;
}

test("proto/: every schema message, field, number, type, oneof and enum is declared the same, and nothing more", () => {
  for (const kind of MESSAGE_KINDS) {
    const type = typeOf(kind);
    const defs = fieldsOf(kind);
    assert.equal(type.fieldsArray.map((f) => f.name), defs.map((d) => d.name), `${kind}: field names in order`);
    for (const def of defs) {
      const f = type.fields[def.name]!;
      const where = `${kind}.${def.name}`;
      assert.is(f.id, def.number, `${where} number`);
      assert.is(f.repeated, def.repeated, `${where} repeated`);
      assert.is(f.partOf?.name, def.oneof, `${where} oneof`);
      assert.is(f.resolvedType ? f.resolvedType.fullName : f.type, expectedType(def), `${where} type`);
      // protobufjs reports every proto3 repeated field as packed; only varint ones are.
      if (def.repeated && def.packed) assert.ok(f.packed, `${where} packed`);
      if (def.repeated && !def.packed) assert.ok(["bytes", "string", "message"].includes(def.kind), `${where} unpacked`);
      if (def.enumDef !== undefined) {
        const values = (f.resolvedType as protobuf.Enum).values;
        assert.equal(Object.keys(values), [...def.enumDef.names], `${where} enum names`);
        assert.equal(Object.values(values), def.enumDef.names.map((_n, i) => i), `${where} enum numbers`);
      }
    }
  }
  const declared = new Set(MESSAGE_KINDS.map((k) => `.${protoPackageOf(k)}.${k}`));
  const methods: protobuf.Method[] = [];
  const visit = (ns: protobuf.NamespaceBase): void => {
    for (const item of ns.nestedArray) {
      if (item instanceof protobuf.Type) assert.ok(declared.has(item.fullName), `${item.fullName} is not in the schema`);
      if (item instanceof protobuf.Service) methods.push(...item.methodsArray);
      if (item instanceof protobuf.Namespace && !(item instanceof protobuf.Service)) visit(item);
      if (item instanceof protobuf.Type) visit(item);
    }
  };
  visit(root);
  // Every RPC of etcd 3.4's eight services, each naming messages the schema has.
  assert.is(methods.length, 5 + 1 + 5 + 5 + 7 + 16 + 2 + 5);
  for (const m of methods) {
    assert.ok(declared.has(m.resolvedRequestType!.fullName), `${m.fullName} request`);
    assert.ok(declared.has(m.resolvedResponseType!.fullName), `${m.fullName} response`);
  }
});

test("the schema declares fields in ascending number order (gogoproto's marshal order) and derives tag sizes", () => {
  for (const kind of MESSAGE_KINDS) {
    const numbers = fieldsOf(kind).map((d) => d.number);
    assert.equal(numbers, [...numbers].sort((a, b) => a - b), kind);
    for (const def of fieldsOf(kind)) assert.is(def.tagBytes, def.number < 16 ? 1 : 2, `${kind}.${def.name}`);
  }
  assert.is(fieldsOf("Compare").find((d) => d.name === "range_end")!.tagBytes, 2);
  assert.ok(fieldsOf("WatchCreateRequest").find((d) => d.name === "filters")!.packed);
  assert.not.ok(fieldsOf("LeaseTimeToLiveResponse").find((d) => d.name === "keys")!.packed);
});

// ---- random messages, both implementations ----

const INT64_SAMPLES = [0, 1, -1, 127, 128, 300, 2 ** 31 - 1, -(2 ** 31), 2 ** 32, 2 ** 53 - 1, -(2 ** 53 - 1), 2 ** 60,
  -(2 ** 63)];
const UINT64_SAMPLES = [0, 1, 127, 128, 2 ** 32 - 1, 2 ** 32, 2 ** 53 - 1, 2 ** 63, 2 ** 64 - 2 ** 11];
const ID64_SAMPLES = [0n, 1n, -1n, 7587876367788137476n, -(2n ** 63n), 2n ** 63n - 1n];
const UID64_SAMPLES = [0n, 1n, 2n ** 63n, 2n ** 64n - 1n, 12087160956821666428n];
const INT32_SAMPLES = [0, 1, -1, 2 ** 31 - 1, -(2 ** 31), 5];
const STRING_SAMPLES = ["", "a", "http://127.0.0.1:2380", "ünïcödé", "😀 emoji", "x".repeat(200)];

function randomBytes(rng: Prng): Uint8Array {
  const n = rng.pick([0, 1, 3, 16, 130]);
  const out = new Uint8Array(n);
  for (let i = 0; i < n; i++) out[i] = rng.int(256);
  return out;
}

function randomScalar(def: FieldDef, rng: Prng): unknown {
  switch (def.kind) {
    case "bytes":
      return randomBytes(rng);
    case "string":
      return rng.pick(STRING_SAMPLES);
    case "int64":
      return rng.chance(0.5) ? rng.pick(INT64_SAMPLES) : rng.range(-1_000_000, 1_000_000);
    case "uint64":
      return rng.chance(0.5) ? rng.pick(UINT64_SAMPLES) : rng.int(1_000_000_000);
    case "id64":
      return rng.pick(ID64_SAMPLES);
    case "uid64":
      return rng.pick(UID64_SAMPLES);
    case "int32":
      return rng.pick(INT32_SAMPLES);
    case "uint32":
      return rng.pick([0, 1, 2 ** 31, 2 ** 32 - 1, rng.nextU32()]);
    case "bool":
      return rng.chance(0.5);
    case "enum":
      // Numbers past the last name travel as numbers, as in Go.
      return rng.chance(0.8) ? rng.int(def.enumDef!.names.length) : rng.pick([7, -1]);
    case "message":
      throw new Error("not a scalar");
  }
}

/** A random message in decodeProtobuf's shape (zero-filled, oneof members only when set). */
function randomMessage(kind: MessageKind, rng: Prng, depth: number): Obj {
  const out = zeroMessage<Obj>(kind);
  const oneofs = new Map<string, FieldDef[]>();
  for (const def of fieldsOf(kind)) {
    if (def.oneof !== undefined) {
      oneofs.set(def.oneof, [...(oneofs.get(def.oneof) ?? []), def]);
      continue;
    }
    if (rng.chance(0.3)) continue; // stays zero
    out[def.name] = randomValue(def, rng, depth);
  }
  for (const members of oneofs.values()) {
    if (depth >= MAX_NESTING || rng.chance(0.2)) continue;
    const def = rng.pick(members);
    out[def.name] = def.kind === "message" ? randomMessage(def.message!, rng, depth + 1) : randomScalar(def, rng);
  }
  return out;
}

function randomValue(def: FieldDef, rng: Prng, depth: number): unknown {
  const one = (): unknown => def.kind === "message" ? randomMessage(def.message!, rng, depth + 1) : randomScalar(def, rng);
  if (!def.repeated) return def.kind === "message" && depth >= MAX_NESTING ? zeroMessage(def.message!) : one();
  if (def.kind === "message" && depth >= MAX_NESTING) return [];
  return Array.from({ length: rng.int(4) }, one);
}

/** The same value as protobufjs's fromObject takes it: 64-bit integers as decimal strings. */
function toPbjs(kind: MessageKind, value: Obj): Obj {
  const out: Obj = {};
  for (const def of fieldsOf(kind)) {
    const v = value[def.name];
    if (v === undefined) continue;
    const one = (x: unknown): unknown =>
      def.kind === "message" ? toPbjs(def.message!, x as Obj)
      : typeof x === "bigint" || (typeof x === "number" && /64/.test(def.kind)) ? BigInt(x).toString()
      : x;
    out[def.name] = def.repeated ? (v as unknown[]).map(one) : one(v);
  }
  return out;
}

test("random messages of every kind: our bytes are protobufjs's bytes, each decodes the other's, size is protoSizeBytes", () => {
  let compared = 0;
  for (const kind of MESSAGE_KINDS) {
    const type = typeOf(kind);
    for (let seed = 1; seed <= SEEDS; seed++) {
      const rng = new Prng(seed * 7919 + kind.length);
      const value = randomMessage(kind, rng, 1);
      const ours = encodeProtobuf(kind, value);
      const theirs = type.encode(type.fromObject(toPbjs(kind, value))).finish();
      const where = `${kind} seed ${seed}`;
      assert.is(hex(ours), hex(theirs), `${where}: bytes`);
      assert.is(ours.length, protoSizeBytes(kind, value), `${where}: protoSizeBytes`);
      assert.equal(decodeProtobuf(kind, theirs), value, `${where}: we read protobufjs's bytes`);
      // protobufjs reads ours and writes back the same bytes: no field was unknown or misread there.
      assert.is(hex(type.encode(type.decode(ours)).finish()), hex(ours), `${where}: protobufjs reads ours`);
      compared++;
    }
  }
  assert.is(compared, MESSAGE_KINDS.length * SEEDS);
});

test("the same random messages of every kind (the auth, lock and election ones too) round-trip through gateway JSON", () => {
  for (const kind of MESSAGE_KINDS) {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const value = randomMessage(kind, new Prng(seed * 7919 + kind.length), 1);
      assert.equal(decodeJson(kind, encodeJson(kind, value)), value, `${kind} seed ${seed}`);
    }
  }
  assert.is(encodeJson("HashKVResponse", { hash: 2 ** 32 - 1, compact_revision: 3 }), '{"hash":4294967295,"compact_revision":"3"}');
  assert.is(
    encodeJson("AuthRoleGetResponse", { perm: [{ permType: 2, key: enc.encode("a"), range_end: new Uint8Array(0) }] }),
    '{"perm":[{"permType":"READWRITE","key":"YQ=="}]}',
  );
});

test("decoding gives decodeJson's message for the same request, empty input the zero message of every kind", () => {
  for (const kind of MESSAGE_KINDS) assert.equal(decodeProtobuf(kind, new Uint8Array(0)), zeroMessage(kind), kind);
  const cases: [MessageKind, string][] = [
    ["PutRequest", '{"key":"Zm9v","value":"YmFy","lease":"-7","prev_kv":true}'],
    ["RangeRequest", '{"key":"YQ==","range_end":"AA==","limit":"10","sort_order":"DESCEND","count_only":true}'],
    ["TxnRequest", '{"compare":[{"key":"YQ==","target":"MOD","mod_revision":"0"}],"success":[{"request_put":{"key":"YQ=="}}],"failure":[{"request_txn":{}}]}'],
    ["WatchRequest", '{"create_request":{"key":"YQ==","filters":["NODELETE","NOPUT"],"watch_id":"-1","prev_kv":true}}'],
    ["WatchRequest", '{"progress_request":{}}'],
    ["MemberAddRequest", '{"peerURLs":["http://127.0.0.1:2380"],"isLearner":true}'],
    ["AuthUserAddRequest", '{"name":"root","password":"pw","options":{"no_password":true}}'],
    ["AuthRoleGrantPermissionRequest", '{"name":"r","perm":{"permType":"READWRITE","key":"YQ==","range_end":"Yg=="}}'],
    ["CampaignRequest", '{"name":"ZQ==","lease":"7587876367788137476","value":"dg=="}'],
    ["ProclaimRequest", '{"leader":{"name":"ZQ==","key":"ZS8x","rev":"5","lease":"1"},"value":"dg=="}'],
    ["AlarmResponse", "{}"],
  ];
  for (const [kind, json] of cases) {
    const message = decodeJson<Obj>(kind, json);
    assert.equal(decodeProtobuf(kind, encodeProtobuf(kind, message)), message, `${kind} ${json}`);
  }
});

// ---- what etcd's bytes mean ----

test("wire details: negative int64 and enums take ten bytes, ids keep 64 bits, zero oneof members and empty messages are written", () => {
  const put = encodeProtobuf("PutRequest", { key: enc.encode("a"), lease: -1n });
  assert.is(hex(put), "0a0161" + "18ffffffffffffffffff01");
  assert.equal(decodeProtobuf<Obj>("PutRequest", put).lease, -1n);
  const range = encodeProtobuf("RangeRequest", { key: enc.encode("a"), limit: -2, sort_order: -1 });
  assert.is(hex(range), "0a0161" + "18feffffffffffffffff01" + "28ffffffffffffffffff01");
  assert.equal(decodeProtobuf<Obj>("RangeRequest", range).sort_order, -1);
  const member = encodeProtobuf("MemberRemoveRequest", { ID: 2n ** 64n - 1n });
  assert.is(hex(member), "08ffffffffffffffffff01");
  assert.is(decodeProtobuf<Obj>("MemberRemoveRequest", member).ID, 2n ** 64n - 1n);
  // A member id past 2^63 read into an int64 field is its two's complement, as Go reads it.
  assert.is(decodeProtobuf<Obj>("LeaseRevokeRequest", member).ID, -1n);
  assert.is(hex(encodeProtobuf("Compare", { key: new Uint8Array(0), version: 0 })), "2000");
  assert.is(hex(encodeProtobuf("WatchRequest", { progress_request: {} })), "1a00");
  assert.is(hex(encodeProtobuf("Compare", { key: enc.encode("k"), range_end: enc.encode("z") })), "1a016b" + "8204017a");
  assert.is(hex(encodeProtobuf("HashResponse", { header: {}, hash: 2 ** 32 - 1 })), "0a00" + "10ffffffff0f");
  // uint64 beyond 2^53 reads as the nearest double, as decodeJson reads its decimal text.
  const status = encodeProtobuf("StatusResponse", { raftIndex: 2 ** 64 - 2 ** 11 });
  assert.is(decodeProtobuf<Obj>("StatusResponse", status).raftIndex, Number("18446744073709549568"));
});

test("reading rules: packed and unpacked runs, last scalar wins, a message seen twice merges, a oneof member replaces", () => {
  // filters = 5: unpacked 1, then a packed run [0, 1], then unpacked 0.
  const watch = bytesOf("0a 0a 28 01 2a 02 00 01 28 00 38 05");
  const create = decodeProtobuf<{ create_request: Obj }>("WatchRequest", watch).create_request;
  assert.equal(create.filters, [1, 0, 1, 0]);
  assert.is(create.watch_id, 5);
  // revision 3 then 4: the last wins. header seen twice: merged (cluster_id from the first, revision from the second).
  const range = decodeProtobuf<{ header: Obj; count: number }>("RangeResponse", bytesOf("0a 02 08 07 0a 02 18 09 20 03 20 04"));
  assert.equal(range.header, { cluster_id: 7n, member_id: 0n, revision: 9, raft_term: 0 });
  assert.is(range.count, 4);
  // request_range then request_put: only the put remains.
  const op = decodeProtobuf<Obj>("RequestOp", bytesOf("0a 03 0a 01 61 12 03 0a 01 62"));
  assert.equal(Object.keys(op), ["request_put"]);
  // Compare: version then mod_revision in the target_union oneof.
  const cmp = decodeProtobuf<Obj>("Compare", bytesOf("20 05 30 06"));
  assert.is(cmp.version, undefined);
  assert.is(cmp.mod_revision, 6);
  // bool: any non-zero varint is true.
  assert.is(decodeProtobuf<Obj>("PutRequest", bytesOf("20 80 01")).prev_kv, true);
});

test("unknown fields of wire types 0, 1, 2 and 5 are skipped, around and inside nested messages", () => {
  const unknown = "f8 01 96 01" + "f9 01 0102030405060708" + "fa 01 03 616263" + "fd 01 01020304";
  const bytes = bytesOf(unknown + "0a 02 08 07" + unknown + "12 08" + "0a 01 6b" + "20 05 f8 01 00");
  const range = decodeProtobuf<{ header: Obj; kvs: Obj[] }>("RangeResponse", bytes);
  assert.is(range.header.cluster_id, 7n);
  assert.is(range.kvs.length, 1);
  assert.equal(range.kvs[0]!.key, enc.encode("k"));
  assert.is(range.kvs[0]!.version, 5);
});

test("malformed input is refused with etcd's unmarshal texts", () => {
  refuses(() => decodeProtobuf("PutRequest", bytesOf("0a")), "unexpected EOF"); // tag, then no length
  refuses(() => decodeProtobuf("PutRequest", bytesOf("0a 05 61")), "unexpected EOF"); // length past the end
  refuses(() => decodeProtobuf("PutRequest", bytesOf("18 ff")), "unexpected EOF"); // varint cut short
  refuses(() => decodeProtobuf("PutRequest", bytesOf("18 ffffffffffffffffffff 01")), "proto: integer overflow");
  refuses(() => decodeProtobuf("PutRequest", bytesOf("0a ffffffffffffffffff01")), "proto: negative length found during unmarshaling");
  refuses(() => decodeProtobuf("PutRequest", bytesOf("0a 80808080 10")), "unexpected EOF"); // 2^32: too long here
  refuses(() => decodeProtobuf("PutRequest", bytesOf("08 01")), "proto: wrong wireType = 0 for field Key");
  refuses(() => decodeProtobuf("PutRequest", bytesOf("1a 00")), "proto: wrong wireType = 2 for field Lease");
  refuses(() => decodeProtobuf("LeaseGrantRequest", bytesOf("0d 00000000")), "proto: wrong wireType = 5 for field TTL");
  refuses(() => decodeProtobuf("RangeRequest", bytesOf("00 00")), "proto: RangeRequest: illegal tag 0 (wire type 0)");
  refuses(() => decodeProtobuf("RangeRequest", bytesOf("0c")), "proto: RangeRequest: wiretype end group for non-group");
  refuses(() => decodeProtobuf("RangeRequest", bytesOf("fb 01 fc 01")), /group in unknown field 31/);
  refuses(() => decodeProtobuf("RangeRequest", bytesOf("fe 01")), "proto: illegal wireType 6");
  refuses(() => decodeProtobuf("RangeRequest", bytesOf("f9 01 0102")), "unexpected EOF"); // fixed64 cut short
  // A nested message whose content is cut: its own bound applies, not the outer one.
  refuses(() => decodeProtobuf("RangeResponse", bytesOf("12 02 0a 05 61 62 63")), "unexpected EOF");
  // A packed run may not end inside a varint.
  refuses(() => decodeProtobuf("WatchCreateRequest", bytesOf("2a 01 80 01")), "unexpected EOF");
  refuses(
    () => decodeProtobuf("AuthenticateRequest", bytesOf("0a 02 c3 28")),
    "proto: field etcdserverpb.AuthenticateRequest.name contains invalid UTF-8",
  );
  assert.is(decodeProtobuf<Obj>("AuthenticateRequest", bytesOf("0a 02 c3 a9")).name, "é");
});

/** `tag`, then `payload` with its length prefix. */
function delimited(tag: number, payload: Uint8Array): Uint8Array {
  const prefix = [tag];
  for (let n = payload.length; ; n >>>= 7) {
    if (n < 0x80) {
      prefix.push(n);
      break;
    }
    prefix.push((n & 0x7f) | 0x80);
  }
  return new Uint8Array([...prefix, ...payload]);
}

test("bounds: input size and nesting depth", () => {
  const put = encodeProtobuf("PutRequest", { key: enc.encode("k"), value: new Uint8Array(100) });
  refuses(() => decodeProtobuf("PutRequest", put, { maxBytes: put.length - 1 }), /over the \d+-byte limit/);
  assert.is(decodeProtobuf<{ value: Uint8Array }>("PutRequest", put, { maxBytes: put.length }).value.length, 100);
  // txn → op → txn → …: 2 levels per nested txn.
  const deep = (levels: number): Obj => {
    let txn: Obj = {};
    for (let i = 0; i < levels; i++) txn = { success: [{ request_txn: txn }] };
    return txn;
  };
  const bytes = encodeProtobuf("TxnRequest", deep(20));
  assert.ok(decodeProtobuf("TxnRequest", bytes, { maxDepth: 41 }));
  refuses(() => decodeProtobuf("TxnRequest", bytes, { maxDepth: 40 }), "proto: TxnRequest: nested deeper than 40");
  // The default depth (1,000) is reachable without exhausting the stack, both ways; one more is refused.
  assert.ok(decodeProtobuf("RequestOp", encodeProtobuf("RequestOp", { request_txn: deep(499) })));
  // The encoder will not write 1,001 levels, so they are wrapped by hand: success (2) → request_txn (4).
  const level999 = encodeProtobuf("TxnRequest", deep(499));
  const level1001 = delimited(0x12, delimited(0x22, level999));
  refuses(() => decodeProtobuf("TxnRequest", level1001), "proto: TxnRequest: nested deeper than 1000");
  assert.throws(() => encodeProtobuf("TxnRequest", deep(500)), /nested deeper than 1000/);
});

test("encoding refuses values its field cannot hold (a caller's bug), and never mutates its input", () => {
  assert.throws(() => encodeProtobuf("PutRequest", { key: "text" }), TypeError);
  assert.throws(() => encodeProtobuf("RangeRequest", { limit: 1.5 }), TypeError);
  assert.throws(() => encodeProtobuf("RangeRequest", { limit: 2 ** 63 }), TypeError);
  assert.throws(() => encodeProtobuf("StatusResponse", { raftIndex: -1 }), TypeError);
  assert.throws(() => encodeProtobuf("RangeRequest", { sort_order: 2 ** 31 }), TypeError);
  assert.throws(() => encodeProtobuf("MemberRemoveRequest", { ID: 2n ** 64n }), TypeError);
  const cyclic: Obj = {};
  cyclic.success = [{ request_txn: cyclic }];
  assert.throws(() => encodeProtobuf("TxnRequest", cyclic), TypeError);
  const value = { key: enc.encode("k"), value: enc.encode("v") };
  const copy = structuredClone(value);
  encodeProtobuf("PutRequest", value);
  assert.equal(value, copy);
});

test("decoded bytes are plain copies: reusing the input (a Buffer too) changes nothing decoded from it", () => {
  const encoded = encodeProtobuf("PutRequest", { key: enc.encode("key"), value: enc.encode("value") });
  for (const bytes of [encoded.slice(), Buffer.from(encoded)]) {
    const put = decodeProtobuf<{ key: Uint8Array; value: Uint8Array }>("PutRequest", bytes);
    bytes.fill(0);
    assert.is(put.key.constructor, Uint8Array);
    assert.equal(put.key, enc.encode("key"));
    assert.equal(put.value, enc.encode("value"));
  }
});

test("Go field names in errors follow gogoproto's CamelCase", () => {
  assert.is(goFieldName("range_end"), "RangeEnd");
  assert.is(goFieldName("TTL"), "TTL");
  assert.is(goFieldName("peerURLs"), "PeerURLs");
  assert.is(goFieldName("cluster_id"), "ClusterId");
  assert.is(goFieldName("remaining_TTL"), "Remaining_TTL");
});

// ---- the request boundary ----

test("boundary: protobuf requests meet the same checks as JSON and CBOR, and gRPC's size limit by wire length", () => {
  const put = { key: enc.encode("k"), value: enc.encode("v"), lease: 7587876367788137476n, prev_kv: true };
  const wire = encodeProtobuf("PutRequest", put);
  const json = enc.encode(JSON.stringify({ key: "aw==", value: "dg==", lease: "7587876367788137476", prev_kv: true }));
  assert.equal(readRequest("PutRequest", "protobuf", wire), readRequest("PutRequest", "json", json));
  assert.equal(DECODERS.protobuf("PutRequest", wire), DECODERS.json("PutRequest", json));
  const refusal = (kind: RequestKind, bytes: Uint8Array, maxMessageBytes?: number): EtcdError => {
    try {
      readRequest(kind, "protobuf", bytes, { maxTxnOps: 2, maxMessageBytes });
    } catch (err) {
      assert.instance(err, EtcdError);
      return err as EtcdError;
    }
    throw new Error("accepted");
  };
  assert.is(refusal("PutRequest", new Uint8Array(0)).message, "etcdserver: key is not provided");
  const txn = encodeProtobuf("TxnRequest", { success: [1, 2, 3].map(() => ({ request_put: { key: enc.encode("a") } })) });
  assert.is(refusal("TxnRequest", txn).message, "etcdserver: too many operations in txn request");
  // An unknown field counts toward gRPC's limit (it is on the wire) though the decoded message is smaller.
  const padded = new Uint8Array([...wire, ...bytesOf("fa 01 05 0000000000")]);
  const tooLarge = refusal("PutRequest", padded, padded.length - 1);
  assert.is(tooLarge.code, GrpcCode.ResourceExhausted);
  assert.is(tooLarge.message, `grpc: received message larger than max (${padded.length} vs. ${padded.length - 1})`);
  assert.equal(readRequest("PutRequest", "protobuf", padded, { maxTxnOps: 2, maxMessageBytes: padded.length }), readRequest("PutRequest", "protobuf", wire));
  const broken = refusal("PutRequest", bytesOf("0a 05 61"));
  assert.is(broken.code, GrpcCode.InvalidArgument);
  assert.is(broken.message, "unexpected EOF");
});

test.run();
