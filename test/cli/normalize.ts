/**
 * What may legitimately differ between etcdctl-on-etcd and tsetcd-on-tsetcd output, replaced by
 * placeholders before comparing: ids, endpoints, raft term/index, db size, durations, versions, the
 * program name, help text, and clientv3's JSON log lines. Everything else must match byte for byte.
 */

/** Identity of one side, read at start-up. */
export interface SideIds {
  clusterId: bigint;
  memberId: bigint;
  endpoint: string;
  peerUrl: string;
  deadEndpoint: string;
  program: "etcdctl" | "tsetcd";
}

/** A command's result. */
export interface Outcome {
  stdout: string;
  stderr: string;
  code: number;
}

function replaceAll(text: string, from: string, to: string): string {
  return from === "" ? text : text.split(from).join(to);
}

function normalizeIds(text: string, ids: SideIds): string {
  let out = text;
  out = replaceAll(out, ids.clusterId.toString(), "<CLUSTER>");
  out = replaceAll(out, ids.memberId.toString(), "<MEMBER>");
  out = replaceAll(out, ids.clusterId.toString(16), "<CLUSTER>");
  out = replaceAll(out, ids.memberId.toString(16), "<MEMBER>");
  out = replaceAll(out, ids.peerUrl, "<PEER>");
  out = replaceAll(out, ids.endpoint, "<EP>");
  out = replaceAll(out, ids.deadEndpoint, "<DEAD>");
  return out;
}

const DURATION = String.raw`[0-9.]+(?:ns|µs|ms|s)`;

/** Raft term/index, db sizes, versions and durations: values a second implementation cannot share. */
function normalizeVolatile(text: string): string {
  return text
    .replace(/"raft_term":\d+/g, '"raft_term":<T>')
    .replace(/"RaftTerm" : \d+/g, '"RaftTerm" : <T>')
    .replace(/"(raftIndex|raftTerm|raftAppliedIndex|dbSize|dbSizeInUse)":\d+/g, '"$1":<N>')
    .replace(/"(RaftIndex|RaftAppliedIndex|DBSize)" : \d+/g, '"$1" : <N>')
    .replace(/"version":"\d+\.\d+\.\d+"/g, '"version":"<V>"')
    .replace(/"Version" : "\d+\.\d+\.\d+"/g, '"Version" : "<V>"')
    // endpoint status rows (simple and table): version, db size, term, index, applied index
    .replace(
      /(<EP>[ |,]+<MEMBER>[ |,]+)\d+\.\d+\.\d+([ |,]+)[0-9.]+ [kMGT]?B([ |,]+(?:true|false)[ |,]+(?:true|false)[ |,]+)\d+([ |,]+)\d+([ |,]+)\d+/g,
      "$1<V>$2<SIZE>$3<T>$4<N>$5<N>",
    )
    .replace(new RegExp(`took = ${DURATION}`, "g"), "took = <D>")
    .replace(new RegExp(`"took":"${DURATION}"`, "g"), '"took":"<D>"')
    .replace(new RegExp(`"Took" : ${DURATION}`, "g"), '"Took" : <D>')
    .replace(new RegExp(`\\| +${DURATION} +\\|`, "g"), "| <D> |")
    .replace(/^(etcdctl|tsetcd) version: .*$/m, "<PROGRAM> version: <V>");
}

/** Tables: cell padding depends on the values normalised above, so collapse it. */
function collapseTables(text: string): string {
  return text
    .split("\n")
    .map((line) => (/^[+|]/.test(line) ? line.replace(/-{2,}/g, "-").replace(/ {2,}/g, " ") : line))
    .join("\n");
}

function normalizeStderr(text: string, ids: SideIds): string {
  const lines = text.split("\n").filter((line) => !line.startsWith('{"level":'));
  let out = lines.join("\n");
  out = out.replace(/"etcdctl/g, '"tsetcd').replace(/'etcdctl /g, "'tsetcd ");
  // A Go panic's goroutine dump is the runtime's, not etcdctl's output; the first line is the message.
  if (out.startsWith("panic: ")) out = out.split("\n")[0]! + "\n";
  return normalizeIds(out, ids);
}

/**
 * Server-side differences already reported in COMPAT_FINDINGS.md, normalised on tsetcd's output only so the
 * CLI comparison stays meaningful meanwhile. Each entry names its finding; delete it once fixed.
 */
export const KNOWN_SERVER_DIFFERENCES: { finding: string; apply(outcome: Outcome): Outcome }[] = [
];

interface ProtoField {
  field: number;
  wire: number;
  value: bigint | Uint8Array;
}

/** Splits one protobuf message into fields; undefined when the bytes are not one. */
function protoFields(bytes: Uint8Array): ProtoField[] | undefined {
  const fields: ProtoField[] = [];
  let i = 0;
  const varint = (): bigint | undefined => {
    let value = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      if (i >= bytes.length) return undefined;
      const b = bytes[i++]!;
      value |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return value;
    }
    return undefined;
  };
  while (i < bytes.length) {
    const key = varint();
    if (key === undefined) return undefined;
    const field = Number(key >> 3n);
    const wire = Number(key & 7n);
    if (wire === 0) {
      const value = varint();
      if (value === undefined) return undefined;
      fields.push({ field, wire, value });
    } else if (wire === 2) {
      const length = varint();
      if (length === undefined || i + Number(length) > bytes.length) return undefined;
      fields.push({ field, wire, value: bytes.slice(i, i + Number(length)) });
      i += Number(length);
    } else return undefined;
  }
  return fields;
}

function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

/** Dumps a message, replacing the varint fields listed in `hide` (ids, raft term) by a placeholder. */
function dumpMessage(bytes: Uint8Array, hide: number[], textFields: number[] = []): string {
  const fields = protoFields(bytes);
  if (fields === undefined) return `raw:${hex(bytes)}`;
  return fields.map((f) => {
    if (f.wire === 0) return `${f.field}=${hide.includes(f.field) ? "<X>" : f.value}`;
    if (textFields.includes(f.field)) return `${f.field}=${JSON.stringify(new TextDecoder().decode(f.value as Uint8Array))}`;
    return `${f.field}:${hex(f.value as Uint8Array)}`;
  }).join(" ");
}

/**
 * `-w protobuf` output with the header's cluster/member ids and raft term (and member ids in a member list)
 * hidden; everything else (revisions, keys, values, counts) stays as hex.
 */
export function normalizeProtobuf(stdout: string): string {
  const bytes = new Uint8Array(Buffer.from(stdout, "latin1"));
  const top = protoFields(bytes);
  if (top === undefined) return `raw:${hex(bytes)}`;
  const isMemberList = top.some((f) => f.field === 2 && f.wire === 2 && /^(08|12)/.test(hex(f.value as Uint8Array)) && protoFields(f.value as Uint8Array)?.some((g) => g.field === 3 && g.wire === 2) === true);
  return top.map((f) => {
    if (f.field === 1 && f.wire === 2) return `header{${dumpMessage(f.value as Uint8Array, [1, 2, 4])}}`;
    if (isMemberList && f.field === 2 && f.wire === 2) return `member{${dumpMessage(f.value as Uint8Array, [1], [2, 3, 4])}}`;
    return f.wire === 0 ? `${f.field}=${f.value}` : `${f.field}:${hex(f.value as Uint8Array)}`;
  }).join("\n") + "\n";
}

/** Both streams and the code, ready to compare. */
export function normalize(outcome: Outcome, ids: SideIds, options: { protobuf?: boolean } = {}): Outcome {
  if (options.protobuf === true && outcome.code === 0) {
    return { stdout: normalizeIds(normalizeProtobuf(outcome.stdout), ids), stderr: normalizeStderr(outcome.stderr, ids), code: 0 };
  }
  // Help text is our own (tsetcd's commands and flags, with examples); only its presence is compared.
  const stdout = /^NAME:\n/.test(outcome.stdout) ? "<USAGE>\n" : outcome.stdout;
  return {
    stdout: collapseTables(normalizeVolatile(normalizeIds(stdout, ids))),
    stderr: normalizeVolatile(normalizeStderr(outcome.stderr, ids)),
    code: outcome.code,
  };
}
