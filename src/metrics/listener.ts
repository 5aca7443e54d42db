/**
 * The --listen-metrics-urls handler: etcd serves /metrics and the health endpoints there, so a monitoring
 * system can scrape without reaching the client API; tsetcd adds its web console (/ui, src/console).
 * @module
 */
import { isConsolePath, serveConsole } from "../console/mod.ts";

/** What the metrics listener serves. */
export interface MetricsHandlerOptions {
  /** The whole /metrics body (Prometheus text 0.0.4). */
  metrics: () => string;
  /** The health routes (src/api/health.ts): a Response for their paths, undefined for others. */
  health: (path: string, request: Request) => Promise<Response> | undefined;
  /** The client URL whose gateway the console (/ui) served here talks to; this listener has none. */
  consoleApiBase?: string;
}

/** The content type Prometheus' Go handler answers text with. */
export const METRICS_CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8";

/** Builds the listener's fetch handler; any other path is Go's 404. */
export function createMetricsHandler(options: MetricsHandlerOptions): (request: Request) => Promise<Response> {
  return async (request) => {
    const path = new URL(request.url).pathname;
    if (path === "/metrics") {
      if (request.method !== "GET" && request.method !== "HEAD") {
        return new Response("Method Not Allowed\n", { status: 405, headers: { "content-type": "text/plain; charset=utf-8" } });
      }
      return new Response(options.metrics(), { headers: { "content-type": METRICS_CONTENT_TYPE } });
    }
    const health = options.health(path, request);
    if (health !== undefined) return await health;
    if (isConsolePath(path)) return serveConsole(request, path, { apiBase: options.consoleApiBase });
    return new Response("404 page not found\n", {
      status: 404,
      headers: { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" },
    });
  };
}
