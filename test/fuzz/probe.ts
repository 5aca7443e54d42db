/**
 * Sends one fuzz request and says what came back, within a time bound: an HTTP request to a client port
 * (fetch), raw bytes to a client port that the client then abandons (node:net), or raw bytes to a peer port.
 * Nothing here judges an answer; test/fuzz/findings.ts does.
 * @module
 */
import { connect, type Socket } from "node:net";

/** What one HTTP request got back. */
export interface HttpOutcome {
  /** Undefined when no response arrived (see `error`). */
  status?: number;
  contentType?: string;
  /** At most `maxBodyBytes` of the body (streams are read only to their first chunk). */
  body?: Uint8Array;
  /** A network failure: the connection refused, reset or closed before a response. */
  error?: string;
  /** No response head within the timeout (or a finite body did not end within it). */
  timedOut: boolean;
  elapsedMs: number;
}

/** One HTTP request. */
export interface HttpProbe {
  url: string;
  method: string;
  contentType?: string;
  body: Uint8Array;
  timeoutMs: number;
  /**
   * How much of a 2xx body to read: "all" (bounded), the first chunk only (a stream then abandoned), or
   * none (a stream that may stay quiet). Error answers are always read whole.
   */
  readOk: "all" | "first-chunk" | "none";
  /** More request headers (the auth fuzzer's Authorization). */
  headers?: Record<string, string>;
}

/** Bytes of a response body kept for judging; the rest is read and dropped. */
const MAX_BODY_BYTES = 256 * 1024;
/** Chunks read from one body at most (a finite body of MAX_BODY_BYTES arrives in far fewer). */
const MAX_BODY_CHUNKS = 10_000;

/** Sends `probe` with fetch; never throws. */
export async function sendHttp(probe: HttpProbe): Promise<HttpOutcome> {
  const startMs = performance.now();
  const abort = new AbortController();
  let timedOut = false;
  const timer = setTimeout(() => {
    timedOut = true;
    abort.abort();
  }, probe.timeoutMs);
  const headers: Record<string, string> = { ...probe.headers };
  if (probe.contentType !== undefined) headers["content-type"] = probe.contentType;
  const withBody = probe.method !== "GET" && probe.method !== "HEAD";
  try {
    const response = await fetch(probe.url, {
      method: probe.method,
      headers,
      body: withBody ? probe.body : undefined,
      signal: abort.signal,
      redirect: "manual",
    });
    const contentType = response.headers.get("content-type") ?? undefined;
    const body = await readBody(response, response.ok ? probe.readOk : "all");
    return { status: response.status, contentType, body, timedOut: false, elapsedMs: performance.now() - startMs };
  } catch (error) {
    return { error: errorText(error), timedOut, elapsedMs: performance.now() - startMs };
  } finally {
    clearTimeout(timer);
    abort.abort(); // ends a stream left open; a no-op for a finished request
  }
}

async function readBody(response: Response, read: HttpProbe["readOk"]): Promise<Uint8Array> {
  const reader = response.body?.getReader();
  if (reader === undefined || read === "none") {
    await reader?.cancel().catch(() => {});
    return new Uint8Array(0);
  }
  const parts: Uint8Array[] = [];
  let kept = 0;
  for (let i = 0; i < MAX_BODY_CHUNKS; i++) {
    const { done, value } = await reader.read();
    if (done) break;
    if (kept < MAX_BODY_BYTES) {
      parts.push(value.subarray(0, MAX_BODY_BYTES - kept));
      kept += Math.min(value.length, MAX_BODY_BYTES - kept);
    }
    if (read === "first-chunk") {
      await reader.cancel().catch(() => {});
      break;
    }
  }
  return Buffer.concat(parts);
}

function errorText(error: unknown): string {
  if (error instanceof Error) {
    const code = (error as { code?: string }).code;
    return code === undefined ? `${error.name}: ${error.message}` : `${code}: ${error.message}`;
  }
  return String(error);
}

/** What a raw socket saw. */
export interface RawOutcome {
  /** Bytes received (at most MAX_BODY_BYTES). */
  received: Uint8Array;
  /** The other side closed (or reset) the connection before we gave up. */
  closedByPeer: boolean;
  /** The connection could not be made. */
  connectError?: string;
}

/** A raw exchange: write `chunks` (pausing `gapMs` between them), read for at most `waitMs`, then hang up. */
export interface RawProbe {
  port: number;
  chunks: Uint8Array[];
  gapMs: number;
  /** Stop waiting as soon as this many bytes arrived (0: wait for close or the time bound). */
  untilBytes: number;
  waitMs: number;
}

/** Writes bytes to 127.0.0.1:port, reads what comes back, then destroys the socket (abandoning any stream). */
export function sendRaw(probe: RawProbe): Promise<RawOutcome> {
  return new Promise((resolve) => {
    const socket: Socket = connect({ host: "127.0.0.1", port: probe.port });
    const parts: Buffer[] = [];
    let receivedBytes = 0;
    let settled = false;
    const finish = (outcome: Omit<RawOutcome, "received">): void => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ ...outcome, received: Buffer.concat(parts) });
    };
    const timer = setTimeout(() => finish({ closedByPeer: false }), probe.waitMs);
    socket.on("data", (chunk: Buffer) => {
      if (receivedBytes < MAX_BODY_BYTES) parts.push(chunk);
      receivedBytes += chunk.length;
      if (probe.untilBytes > 0 && receivedBytes >= probe.untilBytes) finish({ closedByPeer: false });
    });
    socket.on("error", (error) => {
      if (!socket.connecting || receivedBytes > 0) finish({ closedByPeer: true });
      else finish({ closedByPeer: false, connectError: errorText(error) });
    });
    socket.on("close", () => finish({ closedByPeer: true }));
    socket.on("connect", async () => {
      for (const chunk of probe.chunks) {
        if (settled) return;
        socket.write(chunk);
        if (probe.gapMs > 0) await new Promise((r) => setTimeout(r, probe.gapMs));
      }
    });
  });
}

/** An HTTP/1.1 request head for a raw socket. */
export function requestHead(path: string, headers: Record<string, string>): Uint8Array {
  const lines = [`POST ${path} HTTP/1.1`, "Host: 127.0.0.1"];
  for (const [name, value] of Object.entries(headers)) lines.push(`${name}: ${value}`);
  return new TextEncoder().encode(`${lines.join("\r\n")}\r\n\r\n`);
}

/** One chunk of a chunked transfer-encoded body. */
export function httpChunk(bytes: Uint8Array): Uint8Array {
  const head = new TextEncoder().encode(`${bytes.length.toString(16)}\r\n`);
  const out = new Uint8Array(head.length + bytes.length + 2);
  out.set(head, 0);
  out.set(bytes, head.length);
  out.set([13, 10], head.length + bytes.length);
  return out;
}
