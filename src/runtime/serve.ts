/**
 * One HTTP/1.1 listener on a TCP port, on whichever runtime runs: Bun.serve on Bun, Deno.serve on Deno.
 * The member's gateway, its HTTP-only client URLs and its metrics URLs listen through here; nothing else in
 * the server names either runtime's server.
 *
 * What differs, and is evened out here: Bun hands the handler its server (for `server.timeout(request, 0)`,
 * which lifts the idle timeout of a long stream); Deno.serve has no idle timeout on a response being
 * streamed, so its handler gets a server whose `timeout` does nothing. Bun refuses bodies over
 * `maxRequestBodySize` itself; Deno.serve has no such cap, and the gateway's own request boundary
 * (src/server/boundary.ts) applies the limit on both.
 * @module
 */
import { RUNTIME } from "./mod.ts";

/** What a handler may ask of the server that called it (lease_routes.ts's StreamServer). */
export interface ServingServer {
  timeout(request: Request, seconds: number): void;
}

/** A handler as Bun.serve calls it. */
export type HttpHandler = (request: Request, server?: ServingServer) => Response | Promise<Response>;

/** Where and how to listen. */
export interface ServeOptions {
  hostname: string;
  /** 0 picks a free port; `HttpListener.port` tells which. */
  port: number;
  fetch: HttpHandler;
  /** Bun only: a bigger body is refused before the handler runs. */
  maxRequestBodySize?: number;
  /** Bun.serve's `tls` option (src/server/tls.ts); Deno serves plain HTTP only, so it throws when given. */
  tls?: Record<string, unknown>;
  /**
   * Deno only: listen on this unix socket file instead of hostname:port (the client front's HTTP/1 hop,
   * src/front/node_front.ts); `HttpListener.port` is then 0. Bun's front serves its own (server/mod.ts).
   */
  unixPath?: string;
}

/** A running listener. */
export interface HttpListener {
  /** The port actually listened on. */
  readonly port: number;
  /** Stops listening; with `closeActive`, open connections are cut too. */
  stop(closeActive: boolean): Promise<void>;
}

const INTERNAL_ERROR = (): Response => new Response("internal error\n", { status: 500 });

interface DenoHttpServer {
  /** No port when listening on a unix socket. */
  addr: { port?: number };
  shutdown(): Promise<void>;
  finished: Promise<void>;
}

interface DenoServe {
  serve(
    options:
      & ({ hostname: string; port: number } | { path: string })
      & { onListen?: () => void; onError?: () => Response; signal?: AbortSignal },
    handler: (request: Request) => Response | Promise<Response>,
  ): DenoHttpServer;
}

function serveOnDeno(options: ServeOptions): HttpListener {
  if (options.tls !== undefined) throw new Error("https client URLs are not served on Deno yet (use Bun)");
  const deno = (globalThis as unknown as { Deno: DenoServe }).Deno;
  const abort = new AbortController();
  const streaming: ServingServer = { timeout: () => {} };
  const where = options.unixPath !== undefined
    ? { path: options.unixPath }
    : { hostname: options.hostname, port: options.port };
  const server = deno.serve(
    { ...where, onListen: () => {}, onError: INTERNAL_ERROR, signal: abort.signal },
    (request) => options.fetch(request, streaming),
  );
  return {
    port: server.addr.port ?? 0,
    stop: async (closeActive) => {
      // shutdown() waits for open responses to end (a watch never does); an abort cuts them.
      if (closeActive) abort.abort();
      else await server.shutdown();
      await server.finished;
    },
  };
}

function serveOnBun(options: ServeOptions): HttpListener {
  if (options.unixPath !== undefined) throw new Error("serveHttp: unixPath is for Deno's client front only");
  const server = Bun.serve({
    hostname: options.hostname,
    port: options.port,
    ...(options.maxRequestBodySize !== undefined ? { maxRequestBodySize: options.maxRequestBodySize } : {}),
    fetch: options.fetch,
    error: INTERNAL_ERROR,
    ...(options.tls !== undefined ? { tls: options.tls } : {}),
  });
  return {
    port: server.port!,
    stop: async (closeActive) => {
      await server.stop(closeActive);
    },
  };
}

/**
 * Listens on `options.hostname:options.port` and serves `options.fetch`.
 * @example const listener = serveHttp({ hostname: "127.0.0.1", port: 0, fetch: () => new Response("ok") });
 */
export function serveHttp(options: ServeOptions): HttpListener {
  return RUNTIME === "bun" ? serveOnBun(options) : serveOnDeno(options);
}
