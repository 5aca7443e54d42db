/**
 * One HTTP/1.1 connection on a node:net socket, served by a fetch-style handler (the gateway's): reads
 * request heads (head.ts) and bodies (body.ts), builds a Request per request, writes each Response in
 * order (pipelined requests wait their turn), streams bodies of unknown length chunked, with backpressure
 * on the socket's drain. A client that goes aborts its request's signal and fails its body read with an
 * AbortError, which the gateway reads as the client gone (src/api/client_gone.ts).
 *
 * No idle timeout: a quiet watch stays open as long as its client wants, as on etcd.
 * @module
 */
import type { Socket } from "node:net";
import { BodyPipe } from "./body.ts";
import { parseHead, type RequestHead } from "./head.ts";
import { chunkSizeLine, CRLF, LAST_CHUNK, refusal, responseHead } from "./respond.ts";

/** The handler a connection serves (the gateway's fetch handler). */
export type Http1Handler = (request: Request) => Promise<Response>;

type ReadResult = { done: false; value: Uint8Array } | { done: true; value?: undefined };

/** Bounds of one connection. */
export interface Http1Limits {
  /** Longest request head (request line and fields); longer is a 431. */
  maxHeadBytes: number;
  /** Largest Content-Length accepted; larger is a 413 before any byte of it is read. */
  maxBodyBytes: number;
}

/** Microtask turns a Response's body gets to show it has ended after its first chunk (Bun needs two). */
const END_PROBE_TURNS = 8;
const CONTINUE = "HTTP/1.1 100 Continue\r\n\r\n";

/** Serves one connection until either side ends it. */
export class Http1Connection {
  #socket: Socket;
  #handler: Http1Handler;
  #limits: Http1Limits;
  #origin: string;
  #buffer: Uint8Array = new Uint8Array(0);
  #body: BodyPipe | undefined;
  #abort: AbortController | undefined;
  /** A request is being answered: the next one (pipelined) waits in #buffer. */
  #busy = false;
  #closed = false;
  #paused = false;

  constructor(socket: Socket, handler: Http1Handler, options: { limits: Http1Limits; origin: string }) {
    this.#socket = socket;
    this.#handler = handler;
    this.#limits = options.limits;
    this.#origin = options.origin;
    socket.setNoDelay(true);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("close", () => this.#gone());
    socket.on("end", () => this.#gone());
    socket.on("error", () => this.#gone());
  }

  /** Bytes from the client (the first ones may come from whoever classified the connection). */
  receive(chunk: Uint8Array): void {
    if (this.#closed) return;
    let bytes = this.#buffer.length === 0 ? chunk : concat(this.#buffer, chunk);
    if (this.#body !== undefined && !this.#body.done) {
      const fed = this.#body.feed(bytes);
      if ("error" in fed) return this.#refuse(400, "bad chunked body\n");
      bytes = fed.rest;
    }
    this.#buffer = bytes;
    this.#next();
  }

  /** Starts the next buffered request when nothing is in flight; bounds what waits meanwhile. */
  #next(): void {
    if (this.#busy) {
      // Pipelined bytes beyond one request head wait in the kernel, not here.
      if (this.#buffer.length > this.#limits.maxHeadBytes) this.#pause();
      return;
    }
    if (this.#buffer.length === 0) return;
    const head = parseHead(this.#buffer, { maxHeadBytes: this.#limits.maxHeadBytes });
    if (head.kind === "more") return;
    if (head.kind === "error") return this.#refuse(head.status, `${head.reason}\n`);
    this.#buffer = this.#buffer.subarray(head.headBytes);
    this.#start(head);
  }

  #start(head: RequestHead): void {
    if (head.body.kind === "length" && head.body.bytes > this.#limits.maxBodyBytes) {
      return this.#refuse(413, "request body too large\n");
    }
    let body: Uint8Array | ReadableStream<Uint8Array> | undefined;
    this.#body = undefined;
    if (head.body.kind === "length" && this.#buffer.length >= head.body.bytes) {
      // The whole body is here (the common case): no stream.
      body = this.#buffer.slice(0, head.body.bytes);
      this.#buffer = this.#buffer.subarray(head.body.bytes);
    } else if (head.body.kind !== "none") {
      if (head.expectContinue && this.#buffer.length === 0) this.#socket.write(CONTINUE);
      const pipe = new BodyPipe(head.body, { pause: () => this.#pause(), resume: () => this.#resume() });
      this.#body = pipe;
      body = pipe.stream;
      const fed = pipe.feed(this.#buffer);
      if ("error" in fed) return this.#refuse(400, "bad chunked body\n");
      this.#buffer = fed.rest;
    }
    let request: Request;
    this.#abort = new AbortController();
    try {
      request = this.#request(head, body, this.#abort.signal);
    } catch {
      return this.#refuse(400, "bad request\n");
    }
    this.#busy = true;
    this.#handler(request).then(
      (response) => this.#respond(head, response),
      () => this.#respond(head, new Response("internal error\n", { status: 500 })),
    ).then(
      () => this.#finished(head),
      () => this.#close(),
    );
  }

  #request(head: RequestHead, body: Uint8Array | ReadableStream<Uint8Array> | undefined, signal: AbortSignal): Request {
    const url = head.target.startsWith("/") ? this.#origin + head.target : head.target;
    // A GET or HEAD with a body: the body is read (to find the next request) but not given to the handler.
    const bodyAllowed = head.method !== "GET" && head.method !== "HEAD";
    if (!bodyAllowed && body instanceof ReadableStream) void body.cancel();
    return new Request(url, {
      method: head.method,
      headers: head.headers,
      signal,
      ...(bodyAllowed && body !== undefined ? { body, duplex: "half" } : {}),
    } as RequestInit);
  }

  async #respond(head: RequestHead, response: Response): Promise<void> {
    if (this.#closed) {
      await response.body?.cancel().catch(() => {});
      return;
    }
    // A body the handler left unread ends the connection: finding the next request would mean reading it.
    const keepAlive = head.keepAlive && (this.#body === undefined || this.#body.done);
    const headers = response.headers as unknown as Iterable<[string, string]>;
    const noBody = head.method === "HEAD" || response.status === 204 || response.status === 304;
    const reader = response.body?.getReader();
    const first = reader === undefined ? undefined : await reader.read();
    if (first === undefined || first.done) {
      this.#write(responseHead(response.status, headers, { framing: { kind: "length", bytes: 0 }, keepAlive, date: httpDate() }));
      return;
    }
    const probe = await settledSoon(reader!.read());
    if ("settled" in probe && probe.settled.done) {
      const text = responseHead(response.status, headers, { framing: { kind: "length", bytes: first.value.length }, keepAlive, date: httpDate() });
      this.#write(noBody ? text : Buffer.concat([Buffer.from(text, "latin1"), first.value]));
      return;
    }
    // More than one chunk, or not known yet (a watch): chunked, as long as the body lasts.
    this.#write(responseHead(response.status, headers, { framing: { kind: "chunked" }, keepAlive, date: httpDate() }));
    await this.#pump(reader as unknown as ReadableStreamDefaultReader<Uint8Array>, first.value, "settled" in probe ? probe.settled : probe.pending, noBody);
  }

  async #pump(
    reader: ReadableStreamDefaultReader<Uint8Array>,
    first: Uint8Array,
    second: ReadResult | Promise<ReadResult>,
    noBody: boolean,
  ): Promise<void> {
    const cancel = (): void => void reader.cancel().catch(() => {});
    this.#socket.once("close", cancel);
    try {
      let drained = this.#writeChunk(first, noBody);
      let next = second;
      // One turn per chunk while the body lasts: a watch's is endless by design and ends when either side goes.
      for (;;) {
        if (!drained) await this.#drain();
        const { done, value } = await next;
        if (done || this.#closed) break;
        drained = this.#writeChunk(value, noBody);
        next = reader.read();
      }
      if (!noBody) this.#write(LAST_CHUNK);
    } catch {
      // The body failed mid-way: no last chunk, so the client sees a cut response, not a complete one.
      this.#close();
    } finally {
      this.#socket.off("close", cancel);
    }
  }

  #writeChunk(value: Uint8Array, noBody: boolean): boolean {
    if (noBody || value.length === 0 || this.#closed) return true;
    return this.#socket.write(Buffer.concat([Buffer.from(chunkSizeLine(value.length), "latin1"), value, Buffer.from(CRLF)]));
  }

  #drain(): Promise<void> {
    return new Promise((resolve) => {
      const done = (): void => {
        this.#socket.off("drain", done);
        this.#socket.off("close", done);
        resolve();
      };
      this.#socket.on("drain", done);
      this.#socket.on("close", done);
    });
  }

  #finished(head: RequestHead): void {
    this.#busy = false;
    this.#abort = undefined;
    const bodyDone = this.#body === undefined || this.#body.done;
    this.#body = undefined;
    if (!head.keepAlive || !bodyDone) {
      this.#socket.end();
      this.#closed = true;
      return;
    }
    this.#resume();
    this.#next();
  }

  #write(data: string | Uint8Array): void {
    if (!this.#closed) this.#socket.write(data);
  }

  /** Answers a request that cannot be served, then closes (what follows it cannot be trusted). */
  #refuse(status: number, text: string): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#socket.end(refusal(status, text));
    this.#body?.fail(new Error("connection refused the request"));
  }

  #pause(): void {
    if (!this.#paused) this.#socket.pause();
    this.#paused = true;
  }

  #resume(): void {
    if (this.#paused) this.#socket.resume();
    this.#paused = false;
  }

  /** The client went (or the socket failed): abort what is in flight. */
  #gone(): void {
    if (this.#closed && this.#abort === undefined) return;
    this.#closed = true;
    const abort = new DOMException("client gone", "AbortError");
    this.#body?.fail(abort as unknown as Error);
    this.#abort?.abort(abort);
    this.#socket.destroy();
  }

  /** Drops the connection now. */
  #close(): void {
    this.#gone();
  }

  /** Ends the connection from the server side (shutdown). */
  destroy(): void {
    this.#gone();
  }
}

/** The read's result when it settles within a few microtask turns (a body already complete), else the promise. */
async function settledSoon<T>(promise: Promise<T>): Promise<{ settled: T } | { pending: Promise<T> }> {
  let result: { value: T } | undefined;
  let failed = false;
  promise.then((value) => {
    result = { value };
  }, () => {
    failed = true;
  });
  for (let turn = 0; turn < END_PROBE_TURNS && result === undefined && !failed; turn++) await Promise.resolve();
  return result !== undefined ? { settled: result.value } : { pending: promise };
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const joined = new Uint8Array(a.length + b.length);
  joined.set(a, 0);
  joined.set(b, a.length);
  return joined;
}

let dateSecond = -1;
let dateText = "";
/** The Date field's value, rebuilt at most once a second. */
function httpDate(): string {
  const nowSecond = Math.floor(Date.now() / 1000);
  if (nowSecond !== dateSecond) {
    dateSecond = nowSecond;
    dateText = new Date(nowSecond * 1000).toUTCString();
  }
  return dateText;
}
