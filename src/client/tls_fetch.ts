/**
 * The one place the client turns TLS material into what the runtime's `fetch` needs. Every request the
 * client library makes (unary calls, lease keep-alives, watch streams) spreads `tlsFetchInit(material)`
 * into its fetch init, so no other file knows which runtime it runs on.
 *
 * Bun: fetch takes a non-standard `tls: { ca, cert, key, rejectUnauthorized }` per request.
 * Deno would need instead one `Deno.createHttpClient({ caCerts: [ca], cert, key })` made once per material
 * and passed as `{ client }`; Deno has no per-client "skip verification" (only the process-wide
 * `--unsafely-ignore-certificate-errors`), so `insecureSkipVerify` could not be honoured there.
 * @module
 */
import type { TlsClientMaterial } from "../tls/material.ts";

/** Bun's per-request TLS options, as much of them as we use. */
export interface BunFetchTls {
  ca?: string;
  cert?: string;
  key?: string;
  rejectUnauthorized: boolean;
}

/** The fields to add to a fetch init: nothing without material (plaintext, or https with system roots). */
export interface TlsFetchFields {
  tls?: BunFetchTls;
}

/**
 * What to spread into a fetch init so the request uses `material`.
 * @example await fetch(url, { method: "POST", body, ...tlsFetchInit({ ca, cert, key }) } as RequestInit)
 */
export function tlsFetchInit(material: TlsClientMaterial | undefined): TlsFetchFields {
  if (material === undefined) return {};
  // A certificate without its key (or the reverse) cannot be presented; callers check both files first.
  if ((material.cert === undefined) !== (material.key === undefined)) {
    throw new Error("tls: a client certificate needs its key, and a key its certificate");
  }
  const tls: BunFetchTls = { rejectUnauthorized: material.insecureSkipVerify !== true };
  if (material.ca !== undefined) tls.ca = material.ca;
  if (material.cert !== undefined) tls.cert = material.cert;
  if (material.key !== undefined) tls.key = material.key;
  return { tls };
}
