/**
 * The console's one door to the cluster: the v3 JSON gateway on the page's own origin (or a member's client
 * URL for per-member calls), with the auth token held in memory only — never in storage or a cookie.
 * @module
 */
import { doc } from "./browser.ts";
import { needsLogin } from "./logic.ts";

/** A gateway error answer: etcd's message, and whether a login would help. */
export class ApiError extends Error {
  readonly needsLogin: boolean;
  constructor(message: string) {
    super(message);
    this.needsLogin = needsLogin({ message });
  }
}

/**
 * Where the gateway is: the page's own origin, or the client URL a --listen-metrics-urls listener names in
 * its page (that listener serves no gateway).
 */
const API_BASE = doc.querySelector('meta[name="tsetcd-api-base"]')?.getAttribute("content") ?? "";

let token: string | undefined;
/** Called when a call failed for want of a login; the app shows its form. */
let onLoginNeeded: (() => void) | undefined;

/** Sets (or, with undefined, forgets) the token every later call sends. */
export function setToken(value: string | undefined): void {
  token = value;
}

/** Registers what to do when a call needs a login. */
export function whenLoginNeeded(fn: () => void): void {
  onLoginNeeded = fn;
}

/** Bound on one unary call: a member that does not answer must not hang a view. */
const CALL_TIMEOUT_MS = 5_000;

/** POSTs one request to the gateway and answers its JSON; an error answer throws ApiError. */
export async function call(path: string, body: unknown, options: { base?: string } = {}): Promise<Record<string, any>> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== undefined) headers.authorization = token;
  let response: Response;
  try {
    response = await fetch((options.base ?? API_BASE) + path, {
      method: "POST",
      headers,
      body: JSON.stringify(body ?? {}),
      signal: AbortSignal.timeout(CALL_TIMEOUT_MS),
    });
  } catch (err) {
    throw new ApiError(`unreachable: ${(err as Error).message}`);
  }
  const text = await response.text();
  let json: Record<string, any>;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ApiError(`HTTP ${response.status}: ${text.slice(0, 200)}`);
  }
  if (!response.ok || json.error !== undefined) {
    const error = new ApiError(String(json.message ?? json.error ?? `HTTP ${response.status}`));
    if (error.needsLogin) onLoginNeeded?.();
    throw error;
  }
  return json;
}

/** Events longer than this in one line are a broken stream, not a watch response. */
const WATCH_LINE_MAX_CHARS = 64 * 1024 * 1024;

/**
 * Opens a watch stream (fetch streaming of /v3/watch) and calls `onResult` with each response until
 * `signal` aborts; resolves when the stream ends.
 */
export async function watchStream(
  createRequest: Record<string, unknown>,
  onResult: (result: Record<string, any>) => void,
  signal: AbortSignal,
): Promise<void> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== undefined) headers.authorization = token;
  const response = await fetch(`${API_BASE}/v3/watch`, {
    method: "POST",
    headers,
    body: JSON.stringify({ create_request: createRequest }),
    signal,
  });
  if (response.body === null) throw new ApiError(`watch: HTTP ${response.status}`);
  const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
  let buffered = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffered += value;
    if (buffered.length > WATCH_LINE_MAX_CHARS) throw new ApiError("watch: response line too long");
    let newline = buffered.indexOf("\n");
    while (newline >= 0) {
      const line = buffered.slice(0, newline).trim();
      buffered = buffered.slice(newline + 1);
      if (line !== "") {
        const parsed = JSON.parse(line);
        if (parsed.error !== undefined) throw new ApiError(String(parsed.error.message ?? parsed.error));
        onResult(parsed.result ?? {});
      }
      newline = buffered.indexOf("\n");
    }
  }
}
