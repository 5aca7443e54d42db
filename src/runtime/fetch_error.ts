/**
 * The reason a `fetch` failed before any answer, as one errno-style code on every runtime. Bun's fetch sets
 * `error.code` (ECONNREFUSED, FailedToOpenSocket, the TLS verifier's codes). Deno's throws a TypeError
 * "fetch failed" without a code, its `cause` naming the reason in words, e.g. "tcp connect error:
 * Connection refused (os error 111)" or "invalid peer certificate: UnknownIssuer"; those words are read
 * here so the client can tell "never sent" (safe to send elsewhere) from "lost after sending".
 * @module
 */

/** Linux errno numbers Deno prints as "(os error N)", with their names. */
const OS_ERRORS: ReadonlyMap<number, string> = new Map([
  [101, "ENETUNREACH"],
  [104, "ECONNRESET"],
  [110, "ETIMEDOUT"],
  [111, "ECONNREFUSED"],
  [113, "EHOSTUNREACH"],
]);

/** Phrases of Deno's (hyper/rustls) fetch errors, in the order they are tried, with the code each means. */
const DENO_PHRASES: readonly [RegExp, string][] = [
  [/dns error|failed to lookup address|Name or service not known/i, "ENOTFOUND"],
  [/Connection refused/i, "ECONNREFUSED"],
  [/Network is unreachable/i, "ENETUNREACH"],
  [/No route to host/i, "EHOSTUNREACH"],
  // The handshake failed or the certificate was refused: nothing of the request was sent.
  [/invalid peer certificate|certificate verify|received fatal alert|UnknownIssuer|NotValidForName/i, "EPROTO"],
];

/** Bound on how many `cause` links are followed (a cycle must not hang the caller). */
const MAX_CAUSE_DEPTH = 8;

function codeFromWords(message: string): string | undefined {
  const os = /\(os error (\d+)\)/.exec(message);
  if (os !== null && OS_ERRORS.has(Number(os[1]))) return OS_ERRORS.get(Number(os[1]));
  for (const [phrase, code] of DENO_PHRASES) if (phrase.test(message)) return code;
  return undefined;
}

/**
 * The error's code: its own `code` when it has one (Bun, Node), else one read from its causes' messages
 * (Deno); undefined when nothing says why.
 * @example fetchErrorCode(error) === "ECONNREFUSED"
 */
export function fetchErrorCode(error: unknown): string | undefined {
  let current: unknown = error;
  for (let depth = 0; depth < MAX_CAUSE_DEPTH && current !== undefined && current !== null; depth++) {
    const { code, message, cause } = current as { code?: unknown; message?: unknown; cause?: unknown };
    if (typeof code === "string") return code;
    if (typeof message === "string") {
      const found = codeFromWords(message);
      if (found !== undefined) return found;
    }
    current = cause;
  }
  return undefined;
}
