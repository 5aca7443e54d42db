/**
 * The bytes of an HTTP/1.1 response head and of its chunked body frames. Pure.
 *
 * @example
 * responseHead(200, [["content-type", "application/json"]], { framing: { kind: "length", bytes: 2 }, keepAlive: true });
 * // "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 2\r\n\r\n"
 * @module
 */

/** How the response body is framed on the wire. */
export type ResponseFraming = { kind: "length"; bytes: number } | { kind: "chunked" };

/** Reason phrases of the statuses the gateway answers with (others get an empty one, which is valid). */
const REASONS: Record<number, string> = {
  100: "Continue",
  200: "OK",
  204: "No Content",
  304: "Not Modified",
  400: "Bad Request",
  401: "Unauthorized",
  403: "Forbidden",
  404: "Not Found",
  405: "Method Not Allowed",
  408: "Request Timeout",
  409: "Conflict",
  412: "Precondition Failed",
  413: "Content Too Large",
  429: "Too Many Requests",
  431: "Request Header Fields Too Large",
  499: "Client Closed Request",
  500: "Internal Server Error",
  501: "Not Implemented",
  503: "Service Unavailable",
  504: "Gateway Timeout",
};

/** Fields the connection owns; a handler's values for them are dropped and these written instead. */
const FRAMING_FIELDS = new Set(["content-length", "transfer-encoding", "connection", "keep-alive", "date"]);

/** The head of a response, ending with its blank line. */
export function responseHead(
  status: number,
  headers: Iterable<[string, string]>,
  options: { framing: ResponseFraming; keepAlive: boolean; date?: string },
): string {
  if (!(Number.isInteger(status) && status >= 100 && status <= 999)) throw new Error(`http1: bad status ${status}`);
  let head = `HTTP/1.1 ${status} ${REASONS[status] ?? ""}\r\n`;
  for (const [name, value] of headers) {
    if (FRAMING_FIELDS.has(name.toLowerCase())) continue;
    head += `${name}: ${value}\r\n`;
  }
  if (options.date !== undefined) head += `date: ${options.date}\r\n`;
  head += options.framing.kind === "length"
    ? `content-length: ${options.framing.bytes}\r\n`
    : "transfer-encoding: chunked\r\n";
  if (!options.keepAlive) head += "connection: close\r\n";
  return `${head}\r\n`;
}

/** The size line before a chunk's data ("1a\r\n"); the data is followed by CRLF_BYTES. */
export function chunkSizeLine(sizeBytes: number): string {
  if (!(Number.isInteger(sizeBytes) && sizeBytes > 0)) throw new Error("http1: a chunk has at least one byte");
  return `${sizeBytes.toString(16)}\r\n`;
}

/** Ends a chunk's data. */
export const CRLF = "\r\n";
/** The last chunk and an empty trailer section. */
export const LAST_CHUNK = "0\r\n\r\n";

/** A refusal written before closing: a plain-text body saying why. */
export function refusal(status: number, text: string): string {
  return responseHead(status, [["content-type", "text/plain;charset=utf-8"]], {
    framing: { kind: "length", bytes: Buffer.byteLength(text) },
    keepAlive: false,
  }) + text;
}
