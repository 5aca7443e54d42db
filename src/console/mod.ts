/**
 * The web console at /ui: one page, one script and one style sheet, all held in memory as strings (no
 * files, no network at run time), served by the client URL's gateway and by --listen-metrics-urls. The page
 * talks to the cluster only through the v3 JSON gateway on its own origin, like any other client.
 * @module
 */
import { CONSOLE_JS } from "./bundle.ts";
import { CONSOLE_CSS, CONSOLE_HTML } from "./page.ts";

interface Asset {
  body: Uint8Array;
  type: string;
}

const encoder = new TextEncoder();
const ASSETS: Record<string, Asset> = {
  "/ui": { body: encoder.encode(CONSOLE_HTML), type: "text/html; charset=utf-8" },
  "/ui/": { body: encoder.encode(CONSOLE_HTML), type: "text/html; charset=utf-8" },
  "/ui/console.js": { body: encoder.encode(CONSOLE_JS), type: "text/javascript; charset=utf-8" },
  "/ui/console.css": { body: encoder.encode(CONSOLE_CSS), type: "text/css; charset=utf-8" },
};

/**
 * Scripts and styles from this origin only; connect-src also allows other origins because the members view
 * asks each member's own client URL for its status.
 */
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src *; img-src 'self'; frame-ancestors 'none'; base-uri 'none'";

/**
 * The page for a listener without the gateway (--listen-metrics-urls): a meta tag names the client URL the
 * script sends its calls to.
 */
function pageWithApiBase(apiBase: string): string {
  const url = new URL(apiBase);
  if (url.protocol !== "http:" && url.protocol !== "https:") throw new Error(`console api base ${apiBase} is not http(s)`);
  const escaped = url.origin.replace(/&/g, "&amp;").replace(/"/g, "&quot;").replace(/</g, "&lt;");
  return CONSOLE_HTML.replace("<head>\n", `<head>\n<meta name="tsetcd-api-base" content="${escaped}">\n`);
}

/** Whether `path` is the console's (so the caller routes it here). */
export function isConsolePath(path: string): boolean {
  return path === "/ui" || path.startsWith("/ui/");
}

/** Bytes the console sends for a full first load (page, script, style sheet). */
export function consoleSizeBytes(): number {
  return ASSETS["/ui"]!.body.byteLength + ASSETS["/ui/console.js"]!.body.byteLength + ASSETS["/ui/console.css"]!.body.byteLength;
}

/** Answers a request for a console path: the asset, 405 for other methods, 404 for an unknown file. */
export function serveConsole(request: Request, path: string, options: { apiBase?: string } = {}): Response {
  if (!isConsolePath(path)) throw new Error(`serveConsole: ${path} is not a console path`);
  let asset = ASSETS[path];
  if (asset !== undefined && options.apiBase !== undefined && asset.type.startsWith("text/html")) {
    asset = { ...asset, body: encoder.encode(pageWithApiBase(options.apiBase)) };
  }
  const plain = { "content-type": "text/plain; charset=utf-8", "x-content-type-options": "nosniff" };
  if (asset === undefined) return new Response("404 page not found\n", { status: 404, headers: plain });
  if (request.method !== "GET" && request.method !== "HEAD") {
    return new Response("Method Not Allowed\n", { status: 405, headers: { ...plain, allow: "GET, HEAD" } });
  }
  const headers = {
    "content-type": asset.type,
    "content-length": String(asset.body.byteLength),
    "cache-control": "no-cache",
    "content-security-policy": CSP,
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
  };
  return new Response(request.method === "HEAD" ? null : asset.body.slice(), { headers });
}
