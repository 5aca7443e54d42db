/**
 * Message boundaries on a watch stream's byte stream, both ways and in both encodings:
 * - CBOR: each message is a frame, a 4-byte big-endian length then that many bytes of one CBOR item;
 * - gateway JSON: requests are JSON values one after another (as Go's json.Decoder reads them), responses
 *   one per line.
 * The codecs live in src/codec (shared with the lease keep-alive stream); this module names them for the
 * watch side.
 * @module
 */
export { DEFAULT_MAX_MESSAGE_BYTES, encodeFrame, FrameDecoder } from "../codec/frames.ts";
export { JsonValueSplitter } from "../codec/json_values.ts";
