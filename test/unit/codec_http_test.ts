/** HTTP mapping: gRPC code → status as etcd 3.4's gateway does, error bodies both ways, negotiation. */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { EtcdError, Errors, GrpcCode } from "../../src/codec/errors.ts";
import {
  decodeBody,
  encodeBody,
  encodeError,
  errorBody,
  errorFromBody,
  httpStatusFromCode,
  wireFormatOf,
} from "../../src/codec/http.ts";
import type { RangeRequest } from "../../src/codec/messages.ts";

test("statuses observed on etcd 3.4.23", () => {
  assert.is(httpStatusFromCode(Errors.emptyKey().code), 400);
  assert.is(httpStatusFromCode(Errors.compacted().code), 400); // OutOfRange
  assert.is(httpStatusFromCode(Errors.leaseNotFound().code), 404);
  assert.is(httpStatusFromCode(Errors.leaseExist().code), 412); // FailedPrecondition in gateway v1
  assert.is(httpStatusFromCode(GrpcCode.ResourceExhausted), 429);
  assert.is(httpStatusFromCode(GrpcCode.Unavailable), 503);
  assert.is(httpStatusFromCode(GrpcCode.OK), 200);
});

test("error body is etcd's bytes, key order error/message/code, Go escaping", () => {
  assert.is(
    errorBody(Errors.emptyKey()),
    '{"error":"etcdserver: key is not provided","message":"etcdserver: key is not provided","code":3}',
  );
  assert.is(
    errorBody(new EtcdError(GrpcCode.InvalidArgument, "invalid character '<' looking for beginning of value")),
    '{"error":"invalid character \'\\u003c\' looking for beginning of value","message":"invalid character \'\\u003c\' looking for beginning of value","code":3}',
  );
});

test("errorFromBody reads JSON and CBOR bodies and falls back to the status", () => {
  const back = errorFromBody(400, errorBody(Errors.compacted()));
  assert.is(back.code, GrpcCode.OutOfRange);
  assert.is(back.message, "etcdserver: mvcc: required revision has been compacted");
  const cbor = errorFromBody(404, encodeError("cbor", Errors.leaseNotFound()) as Uint8Array);
  assert.is(cbor.code, GrpcCode.NotFound);
  assert.is(cbor.message, "etcdserver: requested lease not found");
  const plain = errorFromBody(404, "Not Found\n");
  assert.is(plain.code, GrpcCode.NotFound);
  assert.is(plain.message, "Not Found");
  assert.is(errorFromBody(405, "").code, GrpcCode.Unimplemented);
});

test("content negotiation: application/cbor (any case, with parameters) is CBOR, all else JSON", () => {
  assert.is(wireFormatOf("application/cbor"), "cbor");
  assert.is(wireFormatOf("Application/CBOR; charset=binary"), "cbor");
  assert.is(wireFormatOf("application/json"), "json");
  assert.is(wireFormatOf(null), "json");
  assert.is(wireFormatOf("application/x-www-form-urlencoded"), "json");
  const req: RangeRequest = { key: new TextEncoder().encode("foo") };
  for (const format of ["json", "cbor"] as const) {
    const body = encodeBody("RangeRequest", format, req);
    const bytes = typeof body === "string" ? new TextEncoder().encode(body) : body;
    assert.equal(Array.from(decodeBody<RangeRequest>("RangeRequest", format, bytes).key), [0x66, 0x6f, 0x6f], format);
  }
});

test.run();
