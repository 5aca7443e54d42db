/**
 * The auth permission matrix shared by test/auth/matrix_test.ts (tsetcd over gateway JSON, CBOR and gRPC)
 * and test/compat/auth_etcd_test.ts (etcd 3.4 over gateway JSON and gRPC): the same users, roles and
 * grants, the same cells (user × operation × key shape) and the answer each cell must get.
 *
 * The expected answers are written down per key shape — which users may read it and which may write it —
 * not computed by a model of the permission rules: the grants below are chosen so that each shape lies
 * inside, outside, or across a granted range, and the tables say so by hand.
 * @module
 */
import { connect, type ClientHttp2Session } from "node:http2";
import { encodeCbor, decodeCborValue } from "../../src/codec/cbor.ts";
import { encodeJson } from "../../src/codec/json.ts";
import { decodeProtobuf, encodeProtobuf } from "../../src/codec/protobuf.ts";
import type { MessageKind } from "../../src/codec/schema.ts";
import { frameMessage, MessageReader } from "../../src/grpc/framing.ts";
import { decodeGrpcMessage } from "../../src/grpc/status.ts";

const ENC = new TextEncoder();
const CALL_LIMIT_MS = 10_000;

/** How a cell's request travels. */
export type Transport = "json" | "cbor" | "grpc";

/** Where a server answers; `tls`: gRPC over TLS presenting this client certificate. */
export interface Target {
  httpUrl: string;
  grpcEndpoint: string;
  tls?: { ca: string; cert: string; key: string };
}

/** One RPC: its gateway path, gRPC path and messages. */
export interface Rpc {
  gateway: string;
  grpc: string;
  request: MessageKind;
  response: MessageKind;
  body: Record<string, unknown>;
}

/** What a call ended with: code 0 and the response, or etcd's code and message. */
export interface Outcome {
  code: number;
  message: string;
  response?: Record<string, unknown>;
}

export const OK = "ok";

// ---- calls ----

const sessions = new Map<string, ClientHttp2Session>();

/** Closes the gRPC sessions the calls opened. */
export function closeSessions(): void {
  for (const session of sessions.values()) session.close();
  sessions.clear();
}

function sessionOf(endpoint: string, tls: Target["tls"]): ClientHttp2Session {
  let session = sessions.get(endpoint);
  if (session === undefined || session.closed || session.destroyed) {
    session = tls === undefined ? connect(`http://${endpoint}`) : connect(`https://${endpoint}`, { ...tls, servername: "localhost" });
    session.on("error", () => {});
    sessions.set(endpoint, session);
  }
  return session;
}

/** Sends `rpc` with `token` (none: no credentials) over `transport`. */
export async function send(transport: Transport, target: Target, rpc: Rpc, token?: string): Promise<Outcome> {
  if (transport === "grpc") return await grpcCall(target, rpc, token);
  const headers: Record<string, string> = {
    "content-type": transport === "cbor" ? "application/cbor" : "application/json",
  };
  if (token !== undefined) headers.authorization = token;
  const body = transport === "cbor" ? encodeCbor(rpc.body) : encodeJson(rpc.request, rpc.body);
  const response = await fetch(target.httpUrl + rpc.gateway, {
    method: "POST",
    headers,
    body,
    signal: AbortSignal.timeout(CALL_LIMIT_MS),
  });
  const bytes = new Uint8Array(await response.arrayBuffer());
  const value = (transport === "cbor" ? decodeCborValue(bytes) : JSON.parse(new TextDecoder().decode(bytes))) as Record<string, unknown>;
  if (response.status === 200) return { code: 0, message: OK, response: value };
  return { code: Number(value.code), message: String(value.message) };
}

function grpcCall(target: Target, rpc: Rpc, token: string | undefined): Promise<Outcome> {
  return new Promise<Outcome>((resolve) => {
    const headers: Record<string, string> = {
      ":method": "POST",
      ":path": rpc.grpc,
      "content-type": "application/grpc",
      te: "trailers",
    };
    if (token !== undefined) headers.token = token;
    const stream = sessionOf(target.grpcEndpoint, target.tls).request(headers);
    const result: Outcome = { code: -1, message: "" };
    const reader = new MessageReader({ maxMessageBytes: 1 << 20 });
    const take = (h: Record<string, unknown>): void => {
      if (h["grpc-status"] !== undefined) result.code = Number(h["grpc-status"]);
      if (h["grpc-message"] !== undefined) result.message = decodeGrpcMessage(String(h["grpc-message"]));
    };
    stream.on("response", take);
    stream.on("trailers", take);
    stream.on("data", (chunk: Uint8Array) => {
      for (const m of reader.push(new Uint8Array(chunk))) result.response = decodeProtobuf(rpc.response, m);
    });
    stream.on("error", () => {});
    const timer = setTimeout(() => stream.close(), CALL_LIMIT_MS);
    stream.on("close", () => {
      clearTimeout(timer);
      if (result.code === 0) result.message = OK;
      resolve(result);
    });
    stream.end(frameMessage(encodeProtobuf(rpc.request, rpc.body)));
  });
}

// ---- RPC builders ----

const b = (text: string): Uint8Array => ENC.encode(text);

function kv(method: string, gateway: string, request: MessageKind, response: MessageKind, body: Record<string, unknown>): Rpc {
  return { gateway, grpc: `/etcdserverpb.KV/${method}`, request, response, body };
}

function auth(method: string, gateway: string, kind: string, body: Record<string, unknown>): Rpc {
  return {
    gateway: `/v3/auth/${gateway}`,
    grpc: `/etcdserverpb.Auth/${method}`,
    request: `Auth${kind}Request` as MessageKind,
    response: `Auth${kind}Response` as MessageKind,
    body,
  };
}

/** The Auth RPCs the tests use. */
export const AuthRpcs = {
  authenticate: (name: string, password: string): Rpc =>
    ({ ...auth("Authenticate", "authenticate", "", { name, password }), request: "AuthenticateRequest", response: "AuthenticateResponse" }),
  enable: (): Rpc => ({ ...auth("AuthEnable", "enable", "", {}), request: "AuthEnableRequest", response: "AuthEnableResponse" }),
  disable: (): Rpc => ({ ...auth("AuthDisable", "disable", "", {}), request: "AuthDisableRequest", response: "AuthDisableResponse" }),
  userAdd: (name: string, password: string): Rpc => auth("UserAdd", "user/add", "UserAdd", { name, password }),
  userGet: (name: string): Rpc => auth("UserGet", "user/get", "UserGet", { name }),
  userList: (): Rpc => auth("UserList", "user/list", "UserList", {}),
  userDelete: (name: string): Rpc => auth("UserDelete", "user/delete", "UserDelete", { name }),
  changePassword: (name: string, password: string): Rpc =>
    auth("UserChangePassword", "user/changepw", "UserChangePassword", { name, password }),
  grantRole: (user: string, role: string): Rpc => auth("UserGrantRole", "user/grant", "UserGrantRole", { user, role }),
  revokeRole: (name: string, role: string): Rpc => auth("UserRevokeRole", "user/revoke", "UserRevokeRole", { name, role }),
  roleAdd: (name: string): Rpc => auth("RoleAdd", "role/add", "RoleAdd", { name }),
  roleGet: (role: string): Rpc => auth("RoleGet", "role/get", "RoleGet", { role }),
  roleList: (): Rpc => auth("RoleList", "role/list", "RoleList", {}),
  roleDelete: (role: string): Rpc => auth("RoleDelete", "role/delete", "RoleDelete", { role }),
  grantPermission: (name: string, permType: number, key: string, rangeEnd: string): Rpc =>
    auth("RoleGrantPermission", "role/grant", "RoleGrantPermission", { name, perm: { permType, key: b(key), range_end: b(rangeEnd) } }),
  revokePermission: (role: string, key: string, rangeEnd: string): Rpc =>
    auth("RoleRevokePermission", "role/revoke", "RoleRevokePermission", { role, key: b(key), range_end: b(rangeEnd) }),
};

/** KV RPCs. */
export const KvRpcs = {
  range: (key: string, end = ""): Rpc => kv("Range", "/v3/kv/range", "RangeRequest", "RangeResponse", { key: b(key), range_end: b(end) }),
  put: (key: string, prevKv = false): Rpc =>
    kv("Put", "/v3/kv/put", "PutRequest", "PutResponse", { key: b(key), value: b("v"), prev_kv: prevKv }),
  del: (key: string, end = "", prevKv = false): Rpc =>
    kv("DeleteRange", "/v3/kv/deleterange", "DeleteRangeRequest", "DeleteRangeResponse", { key: b(key), range_end: b(end), prev_kv: prevKv }),
  txn: (body: Record<string, unknown>): Rpc => kv("Txn", "/v3/kv/txn", "TxnRequest", "TxnResponse", body),
};

/** member remove of an id no member has: root gets "member not found", anyone else is refused first. */
export function memberRemoveUnknown(): Rpc {
  return {
    gateway: "/v3/cluster/member/remove",
    grpc: "/etcdserverpb.Cluster/MemberRemove",
    request: "MemberRemoveRequest",
    response: "MemberRemoveResponse",
    body: { ID: 1n },
  };
}

// ---- the users, roles and grants ----

export const READ = 0;
export const WRITE = 1;
export const READWRITE = 2;

export const PASSWORDS: Record<string, string> = { root: "rootpw", alice: "alicepw", bob: "bobpw" };

/**
 * alice: READWRITE [/a, /c); READ prefix /p/; WRITE the key /w.
 * bob:   READ [/a, /b); READ from /x on.
 */
export const SETUP: Rpc[] = [
  AuthRpcs.userAdd("root", PASSWORDS.root!),
  AuthRpcs.roleAdd("root"),
  AuthRpcs.grantRole("root", "root"),
  AuthRpcs.roleAdd("rw"),
  AuthRpcs.grantPermission("rw", READWRITE, "/a", "/c"),
  AuthRpcs.roleAdd("pr"),
  AuthRpcs.grantPermission("pr", READ, "/p/", "/p0"),
  AuthRpcs.roleAdd("wk"),
  AuthRpcs.grantPermission("wk", WRITE, "/w", ""),
  AuthRpcs.roleAdd("ab"),
  AuthRpcs.grantPermission("ab", READ, "/a", "/b"),
  AuthRpcs.roleAdd("fx"),
  AuthRpcs.grantPermission("fx", READ, "/x", "\0"),
  AuthRpcs.userAdd("alice", PASSWORDS.alice!),
  AuthRpcs.grantRole("alice", "rw"),
  AuthRpcs.grantRole("alice", "pr"),
  AuthRpcs.grantRole("alice", "wk"),
  AuthRpcs.userAdd("bob", PASSWORDS.bob!),
  AuthRpcs.grantRole("bob", "ab"),
  AuthRpcs.grantRole("bob", "fx"),
  AuthRpcs.enable(),
];

/** One key shape and who may read and write every key it names (written by hand from SETUP). */
interface Shape {
  name: string;
  key: string;
  end: string;
  readers: string[];
  writers: string[];
}

const SHAPES: Shape[] = [
  { name: "key inside alice's range", key: "/b", end: "", readers: ["alice"], writers: ["alice"] },
  { name: "key inside both ranges", key: "/a", end: "", readers: ["alice", "bob"], writers: ["alice"] },
  { name: "range inside", key: "/a0", end: "/b5", readers: ["alice"], writers: ["alice"] },
  { name: "range equal to the grant", key: "/a", end: "/c", readers: ["alice"], writers: ["alice"] },
  { name: "range equal to bob's", key: "/a", end: "/b", readers: ["alice", "bob"], writers: ["alice"] },
  { name: "range overlapping the end", key: "/b", end: "/d", readers: [], writers: [] },
  { name: "range overlapping the start", key: "/", end: "/b", readers: [], writers: [] },
  { name: "key outside", key: "/z", end: "", readers: ["bob"], writers: [] },
  { name: "from-key inside a from-key grant", key: "/y", end: "\0", readers: ["bob"], writers: [] },
  { name: "from-key crossing the range end", key: "/b", end: "\0", readers: [], writers: [] },
  { name: "prefix granted", key: "/p/", end: "/p0", readers: ["alice"], writers: [] },
  { name: "prefix inside the granted prefix", key: "/p/q/", end: "/p/q0", readers: ["alice"], writers: [] },
  { name: "write-only key", key: "/w", end: "", readers: [], writers: ["alice"] },
  { name: "every key", key: "\0", end: "\0", readers: [], writers: [] },
];

/** One cell: who asks, what, and the message it must get. */
export interface Cell {
  user: string;
  label: string;
  rpc: Rpc;
  expected: string;
}

/** etcd's gRPC code of each expected answer (the gateway carries the same code in its body). */
const CODES: Record<string, number> = {
  [OK]: 0,
  "etcdserver: permission denied": 7,
  "etcdserver: user name is empty": 3,
  "etcdserver: invalid auth token": 16,
  "etcdserver: member not found": 5,
};

/** The users of the matrix: root, the two key users, no token, and a token nobody issued. */
export const MATRIX_USERS = ["root", "alice", "bob", "anonymous", "forged"] as const;

const DENIED = "etcdserver: permission denied";
const USER_EMPTY = "etcdserver: user name is empty";
const BAD_TOKEN = "etcdserver: invalid auth token";

interface Op {
  name: string;
  singleKeyOnly: boolean;
  needsRead: boolean;
  needsWrite: boolean;
  rpc: (s: Shape) => Rpc;
}

const OPS: Op[] = [
  { name: "range", singleKeyOnly: false, needsRead: true, needsWrite: false, rpc: (s) => KvRpcs.range(s.key, s.end) },
  { name: "put", singleKeyOnly: true, needsRead: false, needsWrite: true, rpc: (s) => KvRpcs.put(s.key) },
  { name: "put prev_kv", singleKeyOnly: true, needsRead: true, needsWrite: true, rpc: (s) => KvRpcs.put(s.key, true) },
  { name: "delete", singleKeyOnly: false, needsRead: false, needsWrite: true, rpc: (s) => KvRpcs.del(s.key, s.end) },
  { name: "delete prev_kv", singleKeyOnly: false, needsRead: true, needsWrite: true, rpc: (s) => KvRpcs.del(s.key, s.end, true) },
  {
    name: "txn compare",
    singleKeyOnly: false,
    needsRead: true,
    needsWrite: false,
    rpc: (s) => KvRpcs.txn({ compare: [{ key: b(s.key), range_end: b(s.end), target: 0, result: 3, version: 0 }] }),
  },
  {
    name: "txn nested delete",
    singleKeyOnly: false,
    needsRead: false,
    needsWrite: true,
    rpc: (s) => KvRpcs.txn({ success: [{ request_txn: { success: [{ request_delete_range: { key: b(s.key), range_end: b(s.end) } }] } }] }),
  },
  {
    name: "txn failure-branch range",
    singleKeyOnly: false,
    needsRead: true,
    needsWrite: false,
    rpc: (s) => KvRpcs.txn({ failure: [{ request_range: { key: b(s.key), range_end: b(s.end) } }] }),
  },
];

/** Every cell of the matrix, with its expected message. */
export function matrixCells(): Cell[] {
  const cells: Cell[] = [];
  for (const user of MATRIX_USERS) {
    for (const shape of SHAPES) {
      for (const op of OPS) {
        if (op.singleKeyOnly && shape.end !== "") continue;
        cells.push({ user, label: `${op.name} / ${shape.name}`, rpc: op.rpc(shape), expected: expectedFor(user, shape, op) });
      }
    }
    cells.push({ user, label: "user list (root only)", rpc: AuthRpcs.userList(), expected: adminExpected(user, OK) });
    cells.push({
      user,
      label: "member remove of an unknown id (root only)",
      rpc: memberRemoveUnknown(),
      expected: adminExpected(user, "etcdserver: member not found"),
    });
  }
  return cells;
}

function expectedFor(user: string, shape: Shape, op: Op): string {
  if (user === "anonymous") return USER_EMPTY;
  if (user === "forged") return BAD_TOKEN;
  if (user === "root") return OK;
  const canRead = shape.readers.includes(user);
  const canWrite = shape.writers.includes(user);
  return (!op.needsRead || canRead) && (!op.needsWrite || canWrite) ? OK : DENIED;
}

function adminExpected(user: string, rootAnswer: string): string {
  if (user === "anonymous") return USER_EMPTY;
  if (user === "forged") return BAD_TOKEN;
  return user === "root" ? rootAnswer : DENIED;
}

// ---- running it ----

/** Runs SETUP (as root once root exists, as etcd needs no token before auth is enabled). */
export async function setUp(target: Target): Promise<void> {
  for (const rpc of SETUP) {
    const outcome = await send("json", target, rpc);
    if (outcome.code !== 0) throw new Error(`setup ${rpc.gateway} ${JSON.stringify(rpc.body)}: ${outcome.message}`);
  }
}

/** A token for `user` (authenticated over the gateway). */
export async function tokenOf(target: Target, user: string): Promise<string> {
  const outcome = await send("json", target, AuthRpcs.authenticate(user, PASSWORDS[user]!));
  if (outcome.code !== 0) throw new Error(`authenticate ${user}: ${outcome.message}`);
  return String(outcome.response!.token);
}

/** Tokens of the matrix users; none for "anonymous", a made-up one for "forged". */
export async function matrixTokens(target: Target): Promise<Record<string, string | undefined>> {
  return {
    root: await tokenOf(target, "root"),
    alice: await tokenOf(target, "alice"),
    bob: await tokenOf(target, "bob"),
    anonymous: undefined,
    // An index already applied: etcd waits for a token whose index is still to come.
    forged: "AAAAAAAAAAAAAAAA.1",
  };
}

/** Runs every cell over `transport`; returns the cells whose answer differs from the expected one. */
export async function runMatrix(
  target: Target,
  transport: Transport,
  tokens: Record<string, string | undefined>,
  expectedOf: (cell: Cell) => string = (cell) => cell.expected,
): Promise<string[]> {
  const wrong: string[] = [];
  for (const table of matrixCells()) {
    const cell = { ...table, expected: expectedOf(table) };
    const outcome = await send(transport, target, cell.rpc, tokens[cell.user]);
    if (outcome.message !== cell.expected || outcome.code !== CODES[cell.expected]) {
      wrong.push(
        `${transport} ${cell.user} ${cell.label}: got ${outcome.code} ${JSON.stringify(outcome.message)}, ` +
          `want ${CODES[cell.expected]} ${JSON.stringify(cell.expected)}`,
      );
    }
  }
  return wrong;
}
