import { test } from "uvu";
import * as assert from "uvu/assert";
import { CliError } from "../../commands/errors.ts";
import { utf8 } from "../../commands/format.ts";
import {
  printDel,
  printEndpointHealth,
  printEndpointStatus,
  printGet,
  printMemberList,
  printPut,
  printTxn,
} from "../../commands/printer.ts";
import type { KeyValue, ResponseHeader, StatusResponse } from "../../src/codec/messages.ts";

// Values taken from a real etcd 3.4.23 run, so the expected strings are etcdctl's own output.
const header: ResponseHeader = {
  cluster_id: 962748174194708490n,
  member_id: 10861422917829458980n,
  revision: 18,
  raft_term: 2,
};
const foo: KeyValue = { key: utf8("foo"), create_revision: 2, mod_revision: 18, version: 13, value: utf8("bar"), lease: 0n };

test("get: simple, --hex, json, fields", () => {
  const r = { header, kvs: [foo], more: false, count: 1 };
  assert.is(printGet(r, { format: "simple" }).stdout, "foo\nbar\n");
  assert.is(printGet(r, { format: "simple", hex: true }).stdout, "\\x66\\x6f\\x6f\n\\x62\\x61\\x72\n");
  assert.is(printGet(r, { format: "simple", valueOnly: true }).stdout, "bar\n");
  assert.is(
    printGet(r, { format: "json" }).stdout,
    '{"header":{"cluster_id":962748174194708490,"member_id":10861422917829458980,"revision":18,"raft_term":2},' +
      '"kvs":[{"key":"Zm9v","create_revision":2,"mod_revision":18,"version":13,"value":"YmFy"}],"count":1}\n',
  );
  assert.is(
    printGet(r, { format: "fields", hex: true }).stdout,
    '"ClusterID" : 962748174194708490\n"MemberID" : 10861422917829458980\n"Revision" : 18\n"RaftTerm" : 2\n' +
      '"Key" : "foo"\n"CreateRevision" : 2\n"ModRevision" : 18\n"Version" : 13\n"Value" : "bar"\n"Lease" : 0\n' +
      '"More" : false\n"Count" : 1\n',
  );
  const empty = { header, kvs: [], more: false, count: 0 };
  assert.is(
    printGet(empty, { format: "json" }).stdout,
    '{"header":{"cluster_id":962748174194708490,"member_id":10861422917829458980,"revision":18,"raft_term":2}}\n',
  );
});

test("get: unsupported formats and print-value-only outside simple", () => {
  const r = { header, kvs: [foo], more: false, count: 1 };
  assert.throws(() => printGet(r, { format: "table" }), (e: unknown) =>
    e instanceof CliError && e.exitCode === 4 && e.message === "table not supported as output format");
  assert.throws(() => printGet(r, { format: "json", valueOnly: true }), (e: unknown) =>
    e instanceof CliError && e.exitCode === 128);
});

test("put and del with previous key-values", () => {
  const prev = { ...foo, mod_revision: 5, version: 4, value: utf8("bar3") };
  assert.is(printPut({ header, prev_kv: prev }, { format: "simple" }).stdout, "OK\nfoo\nbar3\n");
  assert.is(
    printPut({ header: { ...header, revision: 6 }, prev_kv: prev }, { format: "fields" }).stdout,
    '"ClusterID" : 962748174194708490\n"MemberID" : 10861422917829458980\n"Revision" : 6\n"RaftTerm" : 2\n' +
      '"PrevKey" : "foo"\n"PrevCreateRevision" : 2\n"PrevModRevision" : 5\n"PrevVersion" : 4\n' +
      '"PrevValue" : "bar3"\n"PrevLease" : 0\n',
  );
  assert.is(printDel({ header, deleted: 2, prev_kvs: [foo, foo] }, { format: "simple" }).stdout, "2\nfoo\nbar\nfoo\nbar\n");
  assert.is(printDel({ header, deleted: 0, prev_kvs: [] }, { format: "simple" }).stdout, "0\n");
});

test("txn: simple and json", () => {
  const nested = { revision: 24, cluster_id: 0n, member_id: 0n, raft_term: 0 };
  const r = {
    header: { ...header, revision: 25 },
    succeeded: true,
    responses: [
      { response_range: { header: nested, kvs: [foo], more: false, count: 1 } },
      { response_put: { header: { ...nested, revision: 25 }, prev_kv: foo } },
      { response_delete_range: { header: { ...nested, revision: 25 }, deleted: 0, prev_kvs: [] } },
    ],
  };
  assert.is(printTxn(r, { format: "simple" }).stdout, "SUCCESS\n\nfoo\nbar\n\nOK\nfoo\nbar\n\n0\n");
  assert.is(
    printTxn(r, { format: "json" }).stdout,
    '{"header":{"cluster_id":962748174194708490,"member_id":10861422917829458980,"revision":25,"raft_term":2},' +
      '"succeeded":true,"responses":[{"Response":{"ResponseRange":{"header":{"revision":24},"kvs":[{"key":"Zm9v",' +
      '"create_revision":2,"mod_revision":18,"version":13,"value":"YmFy"}],"count":1}}},{"Response":{"ResponsePut":' +
      '{"header":{"revision":25},"prev_kv":{"key":"Zm9v","create_revision":2,"mod_revision":18,"version":13,' +
      '"value":"YmFy"}}}},{"Response":{"ResponseDeleteRange":{"header":{"revision":25}}}}]}\n',
  );
  assert.is(printTxn({ header, succeeded: false, responses: [] }, { format: "simple" }).stdout, "FAILURE\n");
});

const member = {
  ID: 10861422917829458980n,
  name: "default",
  peerURLs: ["http://127.0.0.1:22002"],
  clientURLs: ["http://127.0.0.1:22001"],
};

test("member list in every format", () => {
  const r = { header: { ...header, revision: 0 }, members: [member] };
  assert.is(
    printMemberList(r, { format: "simple" }).stdout,
    "96bb8698f482fc24, started, default, http://127.0.0.1:22002, http://127.0.0.1:22001, false\n",
  );
  assert.is(
    printMemberList(r, { format: "json" }).stdout,
    '{"header":{"cluster_id":962748174194708490,"member_id":10861422917829458980,"raft_term":2},"members":[{"ID":' +
      '10861422917829458980,"name":"default","peerURLs":["http://127.0.0.1:22002"],"clientURLs":["http://127.0.0.1:22001"]}]}\n',
  );
  assert.is(
    printMemberList(r, { format: "table" }).stdout,
    "+------------------+---------+---------+------------------------+------------------------+------------+\n" +
      "|        ID        | STATUS  |  NAME   |       PEER ADDRS       |      CLIENT ADDRS      | IS LEARNER |\n" +
      "+------------------+---------+---------+------------------------+------------------------+------------+\n" +
      "| 96bb8698f482fc24 | started | default | http://127.0.0.1:22002 | http://127.0.0.1:22001 |      false |\n" +
      "+------------------+---------+---------+------------------------+------------------------+------------+\n",
  );
  assert.ok(printMemberList(r, { format: "fields" }).stdout.endsWith('"IsLearner" : false\n\n'));
});

test("endpoint status and health", () => {
  const status: StatusResponse = {
    header: { ...header, revision: 1 },
    version: "3.4.23",
    dbSize: 20480,
    leader: 10861422917829458980n,
    raftIndex: 4,
    raftTerm: 2,
    raftAppliedIndex: 4,
    errors: [],
    dbSizeInUse: 16384,
    isLearner: false,
  };
  const list = [{ endpoint: "127.0.0.1:22001", status }];
  assert.is(printEndpointStatus(list, { format: "simple" }).stdout,
    "127.0.0.1:22001, 96bb8698f482fc24, 3.4.23, 20 kB, true, false, 2, 4, 4, \n");
  assert.is(
    printEndpointStatus(list, { format: "json" }).stdout,
    '[{"Endpoint":"127.0.0.1:22001","Status":{"header":{"cluster_id":962748174194708490,"member_id":' +
      '10861422917829458980,"revision":1,"raft_term":2},"version":"3.4.23","dbSize":20480,"leader":' +
      '10861422917829458980,"raftIndex":4,"raftTerm":2,"raftAppliedIndex":4,"dbSizeInUse":16384}}]\n',
  );
  assert.ok(printEndpointStatus(list, { format: "table" }).stdout.includes(
    "| 127.0.0.1:22001 | 96bb8698f482fc24 |  3.4.23 |   20 kB |      true |      false |         2 |          4 |                  4 |        |",
  ));
  const health = [{ endpoint: "e", health: false, tookNs: 300_957_742n, error: "context deadline exceeded" }];
  assert.equal(printEndpointHealth(health, { format: "simple" }), {
    stdout: "",
    stderr: "e is unhealthy: failed to commit proposal: context deadline exceeded\n",
  });
  assert.is(printEndpointHealth(health, { format: "json" }).stdout,
    '[{"endpoint":"e","health":false,"took":"300.957742ms","error":"context deadline exceeded"}]\n');
});

test.run();
