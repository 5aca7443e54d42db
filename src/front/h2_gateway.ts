/**
 * The HTTP gateway over HTTP/2: an h2 client that is not gRPC (curl over https negotiates h2; `curl
 * --http2-prior-knowledge`) lands on the node:http2 server with gRPC's, and its stream is answered here by
 * the same fetch handler Bun.serve runs. The request body and the response body both stream (a watch or
 * keep-alive over h2 stays open), with backpressure both ways.
 * @module
 */
import type { IncomingHttpHeaders, OutgoingHttpHeaders, ServerHttp2Stream } from "node:http2";

/** The gateway's fetch handler (createHttpHandler). */
export type GatewayHandler = (request: Request) => Promise<Response>;

/** Response headers HTTP/2 forbids (RFC 9113 §8.2.2); Bun's Response may carry them. */
const CONNECTION_HEADERS = new Set(["connection", "keep-alive", "proxy-connection", "transfer-encoding", "upgrade"]);

/** Serves one HTTP/2 stream with `handler`; never throws (a failure resets or ends the stream). */
export function serveGatewayStream(stream: ServerHttp2Stream, headers: IncomingHttpHeaders, handler: GatewayHandler): void {
  stream.on("error", () => {});
  let request: Request;
  try {
    request = requestOf(stream, headers);
  } catch {
    respondPlain(stream, 400, "bad request\n");
    return;
  }
  handler(request).then(
    (response) => writeResponse(stream, response),
    () => respondPlain(stream, 500, "internal error\n"),
  );
}

function requestOf(stream: ServerHttp2Stream, headers: IncomingHttpHeaders): Request {
  const method = String(headers[":method"] ?? "GET");
  const scheme = String(headers[":scheme"] ?? "http");
  const authority = String(headers[":authority"] ?? headers.host ?? "localhost");
  const url = `${scheme}://${authority}${String(headers[":path"] ?? "/")}`;
  const fields = new Headers();
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith(":") || value === undefined) continue;
    for (const one of Array.isArray(value) ? value : [value]) fields.append(name, String(one));
  }
  const hasBody = method !== "GET" && method !== "HEAD";
  if (!hasBody) stream.resume();
  return new Request(url, {
    method,
    headers: fields,
    ...(hasBody ? { body: bodyOf(stream), duplex: "half" } : {}),
  } as RequestInit);
}

/** The stream's DATA as a ReadableStream: paused while the reader has not asked for more. */
function bodyOf(stream: ServerHttp2Stream): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      stream.on("data", (chunk: Buffer) => {
        controller.enqueue(new Uint8Array(chunk));
        if ((controller.desiredSize ?? 0) <= 0) stream.pause();
      });
      stream.on("end", () => {
        try {
          controller.close();
        } catch {
          // the reader cancelled first
        }
      });
      stream.on("close", () => {
        try {
          controller.error(new Error("stream closed"));
        } catch {
          // already closed or errored
        }
      });
      stream.pause();
    },
    pull() {
      stream.resume();
    },
    cancel() {
      stream.resume(); // read and drop the rest
    },
  }, { highWaterMark: 4 });
}

async function writeResponse(stream: ServerHttp2Stream, response: Response): Promise<void> {
  if (stream.destroyed || stream.closed) {
    await response.body?.cancel().catch(() => {});
    return;
  }
  const outgoing: OutgoingHttpHeaders = { ":status": response.status };
  response.headers.forEach((value, name) => {
    if (!CONNECTION_HEADERS.has(name)) outgoing[name] = value;
  });
  const body = response.body;
  if (body === null) {
    stream.respond(outgoing, { endStream: true });
    return;
  }
  stream.respond(outgoing);
  const reader = body.getReader();
  stream.on("close", () => void reader.cancel().catch(() => {}));
  try {
    // As long as the body lasts: a watch's is endless by design, and ends when either side goes.
    for (;;) {
      const { done, value } = await reader.read();
      if (done || stream.destroyed || stream.closed) break;
      if (!stream.write(value)) await drained(stream);
    }
  } catch {
    // the body failed or the client went: end what was sent
  }
  if (!stream.destroyed && !stream.closed) stream.end();
}

/** Resolves when the stream can take more, or is gone. */
function drained(stream: ServerHttp2Stream): Promise<void> {
  return new Promise((resolve) => {
    const done = (): void => {
      stream.off("drain", done);
      stream.off("close", done);
      resolve();
    };
    stream.on("drain", done);
    stream.on("close", done);
  });
}

function respondPlain(stream: ServerHttp2Stream, status: number, text: string): void {
  if (stream.destroyed || stream.closed) return;
  stream.respond({ ":status": status, "content-type": "text/plain; charset=utf-8" });
  stream.end(text);
}
