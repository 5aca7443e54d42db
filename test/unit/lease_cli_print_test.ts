// Lease printers against output captured from etcdctl 3.4.23 talking to etcd 3.4.23 (same header values).
import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  leaseHex,
  printGrant,
  printKeepAlive,
  printLeases,
  printRevoke,
  printTimeToLive,
  protoHeader,
} from "../../commands/lease.ts";
import { CliError } from "../../commands/errors.ts";
import type { PrintOptions } from "../../commands/printer.ts";

const enc = new TextEncoder();
const header = { cluster_id: 4989847324882585737n, member_id: 5138483852803829615n, revision: 3, raft_term: 2 };
const ID = 8029814802513703696n; // 6f6fa204e400b310
const simple: PrintOptions = { format: "simple", hex: false };
const json: PrintOptions = { format: "json", hex: false };
const fields: PrintOptions = { format: "fields", hex: false };
const protobuf: PrintOptions = { format: "protobuf", hex: false };

test("ids print as Go's %016x", () => {
  assert.is(leaseHex(ID), "6f6fa204e400b310");
  assert.is(leaseHex(0x1234n), "0000000000001234");
  assert.is(leaseHex(-1n), "-000000000000001"); // Go: the sign counts in the width
});

test("grant", () => {
  const r = { header, ID, TTL: 100, error: "" };
  assert.is(printGrant(r, simple).stdout, "lease 6f6fa204e400b310 granted with TTL(100s)\n");
  assert.is(printGrant(r, json).stdout,
    '{"cluster_id":4989847324882585737,"member_id":5138483852803829615,"revision":3,"raft_term":2,"ID":8029814802513703696,"TTL":100,"Error":""}\n');
  assert.is(printGrant(r, fields).stdout,
    '"ClusterID" : 4989847324882585737\n"MemberID" : 5138483852803829615\n"Revision" : 3\n"RaftTerm" : 2\n"ID" : 8029814802513703696\n"TTL" : 100\n');
});

test("timetolive, with and without keys, and an expired lease", () => {
  const r = { header, ID, TTL: 99, grantedTTL: 100, keys: [enc.encode("k1"), enc.encode("k2")] };
  assert.is(printTimeToLive({ ...r, keys: [] }, false, simple).stdout,
    "lease 6f6fa204e400b310 granted with TTL(100s), remaining(99s)\n");
  assert.is(printTimeToLive(r, true, simple).stdout,
    "lease 6f6fa204e400b310 granted with TTL(100s), remaining(99s), attached keys([k1 k2])\n");
  assert.is(printTimeToLive({ ...r, keys: [] }, false, json).stdout,
    '{"cluster_id":4989847324882585737,"member_id":5138483852803829615,"revision":3,"raft_term":2,"id":8029814802513703696,"ttl":99,"granted-ttl":100,"keys":null}\n');
  assert.is(printTimeToLive(r, true, json).stdout,
    '{"cluster_id":4989847324882585737,"member_id":5138483852803829615,"revision":3,"raft_term":2,"id":8029814802513703696,"ttl":99,"granted-ttl":100,"keys":["azE=","azI="]}\n');
  const gone = { header, ID: 0x1234n, TTL: -1, grantedTTL: 0, keys: [] };
  assert.is(printTimeToLive(gone, false, simple).stdout, "lease 0000000000001234 already expired\n");
  assert.is(printTimeToLive(gone, false, fields).stdout,
    '"ClusterID" : 4989847324882585737\n"MemberID" : 5138483852803829615\n"Revision" : 3\n"RaftTerm" : 2\n"ID" : 4660\n"TTL" : -1\n"GrantedTTL" : 0\n');
  assert.is(printTimeToLive({ ...r, keys: [enc.encode("fk")] }, true, fields).stdout.split("\n").slice(-2)[0],
    '"Key" : "fk"');
});

test("list, keep-alive, revoke", () => {
  assert.is(printLeases({ header, leases: [{ ID }] }, simple).stdout, "found 1 leases\n6f6fa204e400b310\n");
  assert.is(printLeases({ header, leases: [{ ID }] }, json).stdout,
    '{"cluster_id":4989847324882585737,"member_id":5138483852803829615,"revision":3,"raft_term":2,"leases":[{"id":8029814802513703696}]}\n');
  const ka = { header, ID, TTL: 100 };
  assert.is(printKeepAlive(ka, simple).stdout, "lease 6f6fa204e400b310 keepalived with TTL(100)\n");
  assert.is(printKeepAlive(ka, json).stdout,
    '{"cluster_id":4989847324882585737,"member_id":5138483852803829615,"revision":3,"raft_term":2,"ID":8029814802513703696,"TTL":100}\n');
  const revoked = { header: { ...header, revision: 6 } };
  assert.is(printRevoke(ID, revoked, simple).stdout, "lease 6f6fa204e400b310 revoked\n");
  assert.is(printRevoke(ID, revoked, json).stdout,
    '{"header":{"cluster_id":4989847324882585737,"member_id":5138483852803829615,"revision":6,"raft_term":2}}\n');
});

test("protobuf: the header alone for grant/timetolive/list/keep-alive; revoke cannot be marshalled", () => {
  const h24 = { ...header, revision: 24 };
  const expected = "08 89 91 bd 98 c6 f6 df 9f 45 10 ef de cf d3 ed fa e3 a7 47 18 18 20 02";
  const hex = (b: Uint8Array | undefined): string => [...(b ?? [])].map((x) => x.toString(16).padStart(2, "0")).join(" ");
  assert.is(hex(protoHeader(h24)), expected);
  assert.is(hex(printGrant({ header: h24, ID, TTL: 50, error: "" }, protobuf).stdoutBytes), expected);
  assert.is(hex(printLeases({ header: h24, leases: [{ ID }] }, protobuf).stdoutBytes), expected);
  try {
    printRevoke(ID, { header: h24 }, protobuf);
    assert.unreachable("revoke has no protobuf output");
  } catch (error) {
    assert.instance(error, CliError);
    assert.is((error as CliError).exitCode, 4);
    assert.is((error as CliError).message,
      "marshal unsupported for type clientv3.LeaseRevokeResponse ({cluster_id:4989847324882585737 member_id:5138483852803829615 revision:24 raft_term:2 })");
  }
});

test.run();
