/**
 * Key and endpoint helpers the client and the CLI share: UTF-8 keys, prefix range ends, endpoint URLs.
 * Pure.
 * @module
 */

const ENCODER = new TextEncoder();

/** The byte form of a key or value given as text or bytes. */
export function toBytes(input: string | Uint8Array): Uint8Array {
  return typeof input === "string" ? ENCODER.encode(input) : input;
}

/** `"\0"`: as a range end it means "every key from `key` on"; as a key with that end, "all keys". */
export const NUL_KEY: Uint8Array = new Uint8Array([0]);

/**
 * The smallest key greater than every key with `prefix` (etcd's prefix range end); `"\0"` when no such key
 * exists (the prefix is all 0xff).
 * @example prefixEnd(new TextEncoder().encode("ab")) // "ac"
 */
export function prefixEnd(prefix: Uint8Array): Uint8Array {
  for (let i = prefix.length - 1; i >= 0; i--) {
    if (prefix[i]! < 0xff) {
      const end = prefix.slice(0, i + 1);
      end[i] = prefix[i]! + 1;
      return end;
    }
  }
  return NUL_KEY;
}

/** How an endpoint without a scheme is dialled. */
export interface EndpointUrlOptions {
  /**
   * Use TLS for "host:port" endpoints: clientv3 does when its config has TLS (any of --cacert, --cert, --key,
   * --insecure-skip-tls-verify, or --insecure-transport=false). Explicit schemes always win.
   */
  secure?: boolean;
}

/**
 * An endpoint as the CLI accepts it ("127.0.0.1:2379", "http://host:port", "https://…") → base URL without
 * a trailing slash. `http://` is always plaintext and `https://` always TLS; a bare "host:port" is TLS only
 * with `secure`, as etcd's clientv3 picks credentials per endpoint scheme.
 * @example endpointUrl("127.0.0.1:2379") // "http://127.0.0.1:2379"
 * @example endpointUrl("127.0.0.1:2379", { secure: true }) // "https://127.0.0.1:2379"
 */
export function endpointUrl(endpoint: string, options: EndpointUrlOptions = {}): string {
  const trimmed = endpoint.trim();
  if (trimmed === "") throw new Error("empty endpoint");
  const scheme = options.secure === true ? "https" : "http";
  const withScheme = /^[a-z][a-z0-9+.-]*:\/\//i.test(trimmed) ? trimmed : `${scheme}://${trimmed}`;
  return withScheme.replace(/\/+$/, "");
}
