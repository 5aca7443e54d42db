import { test } from "uvu";
import * as assert from "uvu/assert";
import { protoDel, protoPut, protoRange } from "../../commands/protobuf.ts";

const hex = (bytes: Uint8Array): string => Buffer.from(bytes).toString("hex");
const header = { cluster_id: 1n, member_id: 2n, revision: 3, raft_term: 4 };

test("protobuf encodings follow rpc.proto field numbers, zero values skipped", () => {
  assert.is(hex(protoPut({ header })), "0a0808011002180320" + "04");
  const kv = { key: new Uint8Array([0x61]), create_revision: 2, mod_revision: 2, version: 1, value: new Uint8Array(), lease: 0n };
  // header (10 bytes) | kvs: key "a", create 2, mod 2, version 1 (9 bytes) | more | count 300
  assert.is(hex(protoRange({ header, kvs: [kv], more: true, count: 300 })), "0a080801100218032004" + "1209" + "0a0161100218022001" + "1801" + "20ac02");
  assert.is(hex(protoDel({ header: { cluster_id: 0n, member_id: 0n, revision: 0, raft_term: 0 }, deleted: 0, prev_kvs: [] })), "0a00");
});

test("negative int64 is ten bytes of two's complement", () => {
  const encoded = protoDel({ header: { cluster_id: 0n, member_id: 0n, revision: -1, raft_term: 0 }, deleted: 0, prev_kvs: [] });
  assert.is(hex(encoded), "0a0b18ffffffffffffffffff01");
});

test.run();
