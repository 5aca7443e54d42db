/**
 * The codec: etcd v3 message shapes, errors, and their encodings (etcd 3.4 gateway JSON, CBOR, and
 * protobuf, gRPC's), shared by the server's front-ends and the client.
 *
 * @example
 * import { decodeJson, encodeJson } from "./src/codec/mod.ts";
 * const req = decodeJson<PutRequest>("PutRequest", '{"key":"Zm9v","value":"YmFy"}');
 * @module
 */
export * from "./messages.ts";
export * from "./errors.ts";
export {
  type EnumDef,
  type FieldDef,
  fieldsOf,
  MESSAGE_KINDS,
  type MessageKind,
  type ProtoPackage,
  protoPackageOf,
  type ScalarKind,
  SCHEMAS,
} from "./schema.ts";
export { messageFromWire, zeroMessage } from "./wire.ts";
export { protoSizeBytes, varintSizeBytes } from "./proto_size.ts";
export { decodeJson, encodeJson, encodeJsonStreamResult } from "./json.ts";
export { decodeCbor, decodeCborValue, encodeCbor } from "./cbor.ts";
export {
  decodeProtobuf,
  DEFAULT_MAX_PROTOBUF_BYTES,
  DEFAULT_MAX_PROTOBUF_DEPTH,
  encodeProtobuf,
  type ProtobufDecodeOptions,
} from "./protobuf.ts";
export {
  CBOR_CONTENT_TYPE,
  contentTypeOf,
  decodeBody,
  encodeBody,
  encodeError,
  errorBody,
  errorBodyCbor,
  errorFromBody,
  httpStatusFromCode,
  JSON_CONTENT_TYPE,
  type WireFormat,
  wireFormatOf,
} from "./http.ts";
