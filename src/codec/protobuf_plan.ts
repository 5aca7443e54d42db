/**
 * Per-kind tables the protobuf reader and writer run on, built once from the schema when the module loads:
 * fields by number (an array index, no map lookup per field), wire types, tags, zero-fill lists and Go field
 * names for error texts. Nothing here runs per message.
 * @module
 */
import { fieldsOf, MESSAGE_KINDS, type MessageKind, protoPackageOf } from "./schema.ts";
import type { FieldDef } from "./schema_fields.ts";

/** How a field's element is read and written (a small integer so the hot switch compares numbers). */
export const Code = {
  bytes: 0,
  string: 1,
  message: 2,
  int64: 3,
  uint64: 4,
  id64: 5,
  uid64: 6,
  int32: 7,
  uint32: 8,
  bool: 9,
} as const;

/** Protobuf wire types tsetcd reads or skips (3 and 4, groups, are refused). */
export const WireType = { varint: 0, fixed64: 1, delimited: 2, startGroup: 3, endGroup: 4, fixed32: 5 } as const;

/** One field, ready for the reader and writer. */
export interface FieldPlan {
  def: FieldDef;
  name: string;
  code: number;
  repeated: boolean;
  packed: boolean;
  optional: boolean;
  /** Names of the other members of this field's oneof group; undefined outside a oneof. */
  siblings: readonly string[] | undefined;
  /** Wire type of one element as written: varint (0) or length-delimited (2). */
  elementWireType: number;
  /** The tag written for this field: `number << 3 | wire type` (delimited for a packed run). */
  tag: number;
  tagBytes: number;
  /** The nested message's table (message fields only). */
  table: KindTable | undefined;
  /** gogoproto's Go field name ("range_end" → "RangeEnd"), as etcd's decode errors name fields. */
  goName: string;
  /** The proto full name, e.g. "etcdserverpb.RangeRequest.range_end". */
  fullName: string;
}

/** One message kind, ready for the reader and writer. */
export interface KindTable {
  kind: MessageKind;
  /** Fields in declaration (and ascending number) order. */
  plans: readonly FieldPlan[];
  /** Plans indexed by field number; holes for numbers the message does not declare. */
  byNumber: readonly (FieldPlan | undefined)[];
  /** Non-oneof fields: the ones a zero message has. */
  zeroPlans: readonly FieldPlan[];
}

/** gogoproto's CamelCase: upper-case the first letter and each lower-case letter after `_`, dropping it. */
export function goFieldName(name: string): string {
  let out = "";
  for (let i = 0; i < name.length; i++) {
    const c = name[i]!;
    const next = name[i + 1];
    if (c === "_" && next !== undefined && next >= "a" && next <= "z") continue;
    const afterDrop = i > 0 && name[i - 1] === "_" && c >= "a" && c <= "z";
    out += i === 0 || afterDrop ? c.toUpperCase() : c;
  }
  return out;
}

function planOf(kind: MessageKind, def: FieldDef): FieldPlan {
  const code = Code[def.kind === "enum" ? "int32" : def.kind];
  const delimited = code === Code.bytes || code === Code.string || code === Code.message;
  const elementWireType = delimited ? WireType.delimited : WireType.varint;
  const tag = def.number * 8 + (def.packed ? WireType.delimited : elementWireType);
  return {
    def,
    name: def.name,
    code,
    repeated: def.repeated,
    packed: def.packed,
    optional: def.optional,
    siblings: undefined,
    elementWireType,
    tag,
    tagBytes: def.tagBytes,
    table: undefined,
    goName: goFieldName(def.name),
    fullName: `${protoPackageOf(kind)}.${kind}.${def.name}`,
  };
}

function tableOf(kind: MessageKind): KindTable {
  const plans = fieldsOf(kind).map((def) => planOf(kind, def));
  const maxNumber = plans.reduce((max, p) => Math.max(max, p.def.number), 0);
  const byNumber = new Array<FieldPlan | undefined>(maxNumber + 1).fill(undefined);
  for (const plan of plans) {
    if (byNumber[plan.def.number] !== undefined) throw new Error(`protobuf: ${kind} reuses field ${plan.def.number}`);
    byNumber[plan.def.number] = plan;
    const group = plan.def.oneof;
    if (group !== undefined) {
      plan.siblings = plans.filter((p) => p.def.oneof === group && p !== plan).map((p) => p.name);
    }
  }
  return { kind, plans, byNumber, zeroPlans: plans.filter((p) => p.siblings === undefined) };
}

function buildTables(): Map<MessageKind, KindTable> {
  const tables = new Map<MessageKind, KindTable>();
  for (const kind of MESSAGE_KINDS) tables.set(kind, tableOf(kind));
  for (const table of tables.values()) {
    for (const plan of table.plans) {
      if (plan.code !== Code.message) continue;
      plan.table = tables.get(plan.def.message!);
      if (plan.table === undefined) throw new Error(`protobuf: ${table.kind}.${plan.name} names no known message`);
    }
  }
  return tables;
}

const TABLES = buildTables();

/** The table of `kind`; throws on a kind the schema does not have. */
export function tableFor(kind: MessageKind): KindTable {
  const table = TABLES.get(kind);
  if (table === undefined) throw new Error(`protobuf: unknown message kind ${kind}`);
  return table;
}
