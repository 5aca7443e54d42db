/**
 * member add/remove/update/promote and move-leader: argument checks and exit codes through the real
 * dispatcher (no server needed: they fail before any request), and the printers against output captured
 * from etcdctl 3.4.23 on a 3-member etcd 3.4 cluster (ids, URLs and bytes below are from that run).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import type { Io } from "../../commands/command.ts";
import {
  checkPeerUrls,
  hex16,
  memberIdArg,
  parseHexUint64,
  printMemberAdd,
  printMemberChange,
} from "../../commands/member.ts";
import { runCli } from "../../commands/mod.ts";
import { printMoveLeader } from "../../commands/move_leader.ts";
import type { Member, MemberAddResponse, MemberListResponse } from "../../src/codec/messages.ts";

function fakeIo(): Io & { out: string; err: string } {
  const io = {
    out: "",
    err: "",
    stdout(text: string) {
      io.out += text;
    },
    stderr(text: string) {
      io.err += text;
    },
    stdoutBytes(bytes: Uint8Array) {
      io.out += Buffer.from(bytes).toString("hex");
    },
    readStdin: () => new Uint8Array(),
    readStdinLine: () => undefined,
    env: {},
    stdoutIsTty: false,
  };
  return io;
}

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const io = fakeIo();
  // A closed port: any request would fail with a different error than the ones asserted.
  const code = await runCli(["--endpoints=127.0.0.1:30999", "--command-timeout=300ms", ...args], io);
  return { code, out: io.out, err: io.err };
}

const CLUSTER_ID = 17621820307633231165n;
const E1: Member = { ID: 17025429751373748930n, name: "e1", peerURLs: ["http://127.0.0.1:30101"], clientURLs: ["http://127.0.0.1:30100"] };
const E2: Member = { ID: 15147236766006985933n, name: "e2", peerURLs: ["http://127.0.0.1:30103"], clientURLs: ["http://127.0.0.1:30102"] };
const E3: Member = { ID: 9941501096087516778n, name: "e3", peerURLs: ["http://127.0.0.1:30105"], clientURLs: ["http://127.0.0.1:30104"] };
const NEW_ID = 6407675101077751621n;
const LEARNER: Member = {
  ID: NEW_ID,
  name: "",
  peerURLs: ["http://127.0.0.1:30190", "http://127.0.0.1:30191"],
  clientURLs: [],
  isLearner: true,
};

function addResponse(memberId: bigint, term: number): MemberAddResponse {
  return {
    header: { cluster_id: CLUSTER_ID, member_id: memberId, revision: 0, raft_term: term },
    member: LEARNER,
    members: [E3, LEARNER, E2, E1],
  };
}

test("argument errors: etcdctl's messages and exit codes, before any request", async () => {
  const cases: [string[], string, number][] = [
    [["member", "add"], "member name not provided", 128],
    [["member", "add", "foo"], "member peer urls not provided", 128],
    [["member", "add", "a", "b", "--peer-urls=http://x:1"], "too many arguments", 128],
    [["member", "add", "a", "http://x:1", "--peer-urls=http://x:1"], "too many arguments, did you mean --peer-urls=http://x:1", 128],
    [["member", "add", "foo", "--peer-urls=notaurl"], "URL scheme must be http, https, unix, or unixs: notaurl", 1],
    [["member", "remove"], "member ID is not provided", 128],
    [["member", "remove", "a", "b"], "member ID is not provided", 128],
    [["member", "remove", "zz"], 'bad member ID arg (strconv.ParseUint: parsing "zz": invalid syntax), expecting ID in Hex', 128],
    [["member", "remove", "0x12"], 'bad member ID arg (strconv.ParseUint: parsing "0x12": invalid syntax), expecting ID in Hex', 128],
    [["member", "remove", "1ffffffffffffffff"], 'bad member ID arg (strconv.ParseUint: parsing "1ffffffffffffffff": value out of range), expecting ID in Hex', 128],
    [["member", "update"], "member ID is not provided", 128],
    [["member", "update", "12"], "member peer urls not provided", 128],
    [["member", "update", "12", "--peer-urls=notaurl"], "URL scheme must be http, https, unix, or unixs: notaurl", 1],
    [["member", "promote"], "member ID is not provided", 128],
    [["member", "promote", "zz"], 'bad member ID arg (strconv.ParseUint: parsing "zz": invalid syntax), expecting ID in Hex', 128],
    [["move-leader"], "move-leader command needs 1 argument", 128],
    [["move-leader", "1", "2"], "move-leader command needs 1 argument", 128],
    [["move-leader", "zz"], 'strconv.ParseUint: parsing "zz": invalid syntax', 128],
  ];
  for (const [args, message, code] of cases) {
    const result = await cli(...args);
    assert.is(result.err, `Error: ${message}\n`, args.join(" "));
    assert.is(result.code, code, args.join(" "));
    assert.is(result.out, "", args.join(" "));
  }
});

test("an unreachable endpoint: the request fails with exit 1, nothing on stdout", async () => {
  const result = await cli("member", "remove", "12");
  assert.is(result.code, 1);
  assert.is(result.out, "");
  assert.match(result.err, /^Error: /);
});

test("hex parsing as strconv.ParseUint(s, 16, 64); %16x pads with spaces", () => {
  assert.is(parseHexUint64("00D235CB95CE9544CD"), 0xd235cb95ce9544cdn);
  assert.is(parseHexUint64("ffffffffffffffff"), (1n << 64n) - 1n);
  assert.type(parseHexUint64(""), "string");
  assert.type(parseHexUint64("-1"), "string");
  assert.is(memberIdArg(["89f74e931673f66a"]), 0x89f74e931673f66an);
  assert.is(hex16(0xabcn), "             abc");
  assert.is(hex16(E1.ID), "ec467a277effdac2");
});

test("peer URL checks: scheme, host:port, no path", () => {
  checkPeerUrls(["http://127.0.0.1:1", "https://[::1]:2", "unix://a:1"]);
  assert.throws(() => checkPeerUrls(["ftp://a:1"]), /URL scheme must be/);
  assert.throws(() => checkPeerUrls(["http://a"]), /does not have the form "host:port"/);
  assert.throws(() => checkPeerUrls(["http://a:1/x"]), /must not contain a path/);
});

test("member add, simple: the added line and the ETCD_* lines (etcdctl 3.4.23)", () => {
  const printed = printMemberAdd("nsimple", addResponse(E1.ID, 2), { format: "simple", hex: false });
  assert.is(
    printed.stdout,
    `Member 58eca28e1bdac745 added to cluster f48d4834943e553d

ETCD_NAME="nsimple"
ETCD_INITIAL_CLUSTER="e3=http://127.0.0.1:30105,nsimple=http://127.0.0.1:30190,nsimple=http://127.0.0.1:30191,e2=http://127.0.0.1:30103,e1=http://127.0.0.1:30101"
ETCD_INITIAL_ADVERTISE_PEER_URLS="http://127.0.0.1:30190,http://127.0.0.1:30191"
ETCD_INITIAL_CLUSTER_STATE="existing"
`,
  );
});

test("member add, json and protobuf: byte for byte as etcdctl", () => {
  const json = printMemberAdd("x", addResponse(E1.ID, 2), { format: "json", hex: false }).stdout;
  const learner = '{"ID":6407675101077751621,"peerURLs":["http://127.0.0.1:30190","http://127.0.0.1:30191"],"isLearner":true}';
  assert.is(
    json,
    '{"header":{"cluster_id":17621820307633231165,"member_id":17025429751373748930,"raft_term":2},' +
      `"member":${learner},"members":[` +
      '{"ID":9941501096087516778,"name":"e3","peerURLs":["http://127.0.0.1:30105"],"clientURLs":["http://127.0.0.1:30104"]},' +
      `${learner},` +
      '{"ID":15147236766006985933,"name":"e2","peerURLs":["http://127.0.0.1:30103"],"clientURLs":["http://127.0.0.1:30102"]},' +
      '{"ID":17025429751373748930,"name":"e1","peerURLs":["http://127.0.0.1:30101"],"clientURLs":["http://127.0.0.1:30100"]}]}\n',
  );
  const bytes = printMemberAdd("x", addResponse(E1.ID, 5), { format: "protobuf", hex: false }).stdoutBytes!;
  const e = (id: string, name: string, peer: string, client: string): string =>
    `3f08${id}1202${Buffer.from(name).toString("hex")}1a16${Buffer.from(peer).toString("hex")}2216${Buffer.from(client).toString("hex")}`;
  const learnerHex = "3c08c58eebdee1d1a8f6581a16687474703a2f2f3132372e302e302e313a33303139301a16687474703a2f2f3132372e302e302e313a33303139312801";
  const expected = "0a1808bdaaf9a1c986d2c6f40110c2b5fff7f7c49ea3ec012005" + "12" + learnerHex +
    "1a" + e("eaeccfb3b1d2d3fb8901", "e3", E3.peerURLs[0]!, E3.clientURLs[0]!) +
    "1a" + learnerHex +
    "1a" + e("cd89d5f4dcf2f29ad201", "e2", E2.peerURLs[0]!, E2.clientURLs[0]!) +
    "1a" + e("c2b5fff7f7c49ea3ec01", "e1", E1.peerURLs[0]!, E1.clientURLs[0]!);
  assert.is(Buffer.from(bytes).toString("hex"), expected);
});

test("member add: table and fields are unsupported (exit 4), as etcdctl after the request", () => {
  for (const format of ["table", "fields"] as const) {
    assert.throws(
      () => printMemberAdd("x", addResponse(E1.ID, 2), { format, hex: false }),
      (e: unknown) => (e as { exitCode: number }).exitCode === 4 && String(e).includes(`${format} not supported as output format`),
    );
  }
});

test("member remove/update/promote: simple lines, json as the member list, no table", () => {
  const response: MemberListResponse = {
    header: { cluster_id: CLUSTER_ID, member_id: E2.ID, revision: 0, raft_term: 5 },
    members: [E3, E2, E1],
  };
  const id = 0x3ca76966a8368117n;
  assert.is(printMemberChange("removed from", id, response, { format: "simple", hex: false }).stdout,
    "Member 3ca76966a8368117 removed from cluster f48d4834943e553d\n");
  assert.is(printMemberChange("updated in", 0x5eafdbe1fa6422fdn, response, { format: "simple", hex: false }).stdout,
    "Member 5eafdbe1fa6422fd updated in cluster f48d4834943e553d\n");
  assert.is(printMemberChange("promoted in", id, response, { format: "simple", hex: false }).stdout,
    "Member 3ca76966a8368117 promoted in cluster f48d4834943e553d\n");
  const bytes = printMemberChange("removed from", id, response, { format: "protobuf", hex: false }).stdoutBytes!;
  assert.is(
    Buffer.from(bytes).toString("hex"),
    "0a1808bdaaf9a1c986d2c6f40110cd89d5f4dcf2f29ad2012005123f08eaeccfb3b1d2d3fb8901120265331a16687474703a2f2f3132372e302e302e313a33303130352216687474703a2f2f3132372e302e302e313a3330313034123f08cd89d5f4dcf2f29ad201120265321a16687474703a2f2f3132372e302e302e313a33303130332216687474703a2f2f3132372e302e302e313a3330313032123f08c2b5fff7f7c49ea3ec01120265311a16687474703a2f2f3132372e302e302e313a33303130312216687474703a2f2f3132372e302e302e313a3330313030",
  );
  assert.throws(() => printMemberChange("removed from", id, response, { format: "table", hex: false }), /table not supported/);
});

test("move-leader output: the transfer line, {} for etcd's header-less json, nothing for empty protobuf", () => {
  const empty = {} as never;
  assert.is(printMoveLeader(0x89f74e931673f66an, 0xd235cb95ce9544cdn, empty, { format: "simple", hex: false }).stdout,
    "Leadership transferred from 89f74e931673f66a to d235cb95ce9544cd\n");
  assert.is(printMoveLeader(1n, 2n, empty, { format: "json", hex: false }).stdout, "{}\n");
  assert.is(printMoveLeader(1n, 2n, empty, { format: "protobuf", hex: false }).stdoutBytes!.length, 0);
  assert.throws(() => printMoveLeader(1n, 2n, empty, { format: "fields", hex: false }), /fields not supported/);
});

test.run();
