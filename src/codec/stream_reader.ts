/**
 * Reads the requests of a streaming request body one at a time, in either wire format: length-prefixed
 * CBOR frames (src/codec/frames.ts) or gateway JSON values one after another (src/codec/json_values.ts).
 * The watch and lease keep-alive routes share it; each says how a frame or a JSON value becomes its
 * request and which errors it reports.
 *
 * Bounded: at most one incomplete message is buffered (`maxFrameBytes` / `maxJsonChars`), plus the
 * requests one chunk completed.
 * @module
 */
import { FrameDecoder } from "./frames.ts";
import type { WireFormat } from "./http.ts";
import { JsonValueSplitter } from "./json_values.ts";

/** How one route turns body messages into its requests. */
export interface StreamRequestDecoder<T> {
  /** One frame's payload as a request, or undefined to skip it. Throws on a bad one (the read fails). */
  frame(payload: Uint8Array): T | undefined;
  /** One JSON value's text as a request, or undefined to skip it. Throws on a bad one (the read fails). */
  json(text: string): T | undefined;
  /** The error to report for a frame or JSON value over the bound (`error` says which bound). */
  oversizeFrame(error: Error): Error;
  /**
   * The error for JSON that goes on with a token no value starts with (`rest`: the body from there on).
   * It is raised, on every later read, once the requests before it are taken; throw instead to fail now.
   */
  badJson(rest: string): Error;
}

/** Size bounds of one message. */
export interface StreamReaderLimits {
  maxFrameBytes: number;
  maxJsonChars: number;
}

/** Reads a request body's messages one at a time. */
export class StreamRequestReader<T> {
  readonly #format: WireFormat;
  readonly #decoder: StreamRequestDecoder<T>;
  readonly #body: ReadableStreamDefaultReader<Uint8Array> | undefined;
  readonly #text = new TextDecoder();
  readonly #json: JsonValueSplitter;
  readonly #frames: FrameDecoder;
  readonly #ready: T[] = [];
  #failure: Error | undefined;
  #done = false;

  constructor(request: Request, format: WireFormat, decoder: StreamRequestDecoder<T>, limits: StreamReaderLimits) {
    this.#format = format;
    this.#decoder = decoder;
    this.#body = request.body?.getReader() as ReadableStreamDefaultReader<Uint8Array> | undefined;
    this.#json = new JsonValueSplitter(limits.maxJsonChars);
    this.#frames = new FrameDecoder(limits.maxFrameBytes);
  }

  /** The next request; undefined at the end of the body (see `cut`). Throws on a bad one. */
  async next(): Promise<T | undefined> {
    // Bounded by the body's length: every turn reads a chunk or returns.
    for (;;) {
      const ready = this.#ready.shift();
      if (ready !== undefined) return ready;
      if (this.#failure !== undefined) throw this.#failure;
      if (this.#done) return undefined;
      const chunk = this.#body === undefined ? { done: true as const } : await this.#body.read();
      if (chunk.done) {
        this.#done = true;
        if (this.#format === "json") this.#takeJson(this.#text.decode());
        continue;
      }
      if (this.#format === "cbor") this.#takeFrames(chunk.value);
      else this.#takeJson(this.#text.decode(chunk.value, { stream: true }));
    }
  }

  /** True when the body ended inside a message (the stream was cut). */
  get cut(): boolean {
    if (!this.#done) return false;
    return this.#format === "json" ? this.#json.pending !== "" : this.#frames.pendingBytes > 0;
  }

  /** Stops reading the body. */
  async cancel(): Promise<void> {
    try {
      await this.#body?.cancel();
    } catch {
      // the body is already closed
    }
  }

  #takeFrames(bytes: Uint8Array): void {
    let payloads: Uint8Array[];
    try {
      payloads = this.#frames.push(bytes);
    } catch (error) {
      throw this.#decoder.oversizeFrame(error as Error);
    }
    for (const payload of payloads) this.#keep(this.#decoder.frame(payload));
  }

  #takeJson(text: string): void {
    let result: { values: string[]; bad?: string };
    try {
      result = this.#json.push(text);
    } catch (error) {
      // Every later read fails the same way: the splitter holds a value it will never finish.
      this.#failure = this.#decoder.oversizeFrame(error as Error);
      throw this.#failure;
    }
    for (const value of result.values) this.#keep(this.#decoder.json(value));
    if (result.bad !== undefined) this.#failure = this.#decoder.badJson(result.bad);
  }

  #keep(request: T | undefined): void {
    if (request !== undefined) this.#ready.push(request);
  }
}
