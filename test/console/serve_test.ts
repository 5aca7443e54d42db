// The console's files as a member serves them: on the client URL and on --listen-metrics-urls (which names
// the client URL its calls go to), GET/HEAD only, nothing from another origin, the committed bundle built
// from the current sources, and etcd 3.4's CORS headers on gateway answers to browser requests.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startServer, type TsetcdServer } from "../../src/server/mod.ts";
import { BUNDLE_PATH, buildBundleModule } from "../../src/console/build.ts";
import { consoleSizeBytes } from "../../src/console/mod.ts";
import { CONSOLE_CSS, CONSOLE_HTML } from "../../src/console/page.ts";

const METRICS_PORT = 25121;
const dir = mkdtempSync(join(tmpdir(), "tsetcd-console-"));
let server: TsetcdServer;

test.before(async () => {
  server = await startServer({
    dataDir: dir,
    listenClientUrls: ["http://127.0.0.1:0"],
    listenMetricsUrls: [new URL(`http://127.0.0.1:${METRICS_PORT}`)],
  });
});

test.after(async () => {
  await server.close();
  rmSync(dir, { recursive: true, force: true });
});

test("the committed bundle is what src/console/build.ts makes from the current sources", async () => {
  const fresh = await buildBundleModule();
  assert.ok(readFileSync(BUNDLE_PATH, "utf8") === fresh, "src/console/bundle.ts is stale: run `bun src/console/build.ts`");
});

test("/ui, its script and style sheet on the client URL; GET and HEAD only; unknown files 404", async () => {
  let total = 0;
  for (const [path, type] of [["/ui", "text/html"], ["/ui/", "text/html"], ["/ui/console.js", "text/javascript"], ["/ui/console.css", "text/css"]] as const) {
    const response = await fetch(server.clientUrl + path);
    assert.is(response.status, 200, path);
    assert.ok(response.headers.get("content-type")!.startsWith(type), path);
    assert.ok(response.headers.get("content-security-policy")!.includes("script-src 'self'"), path);
    const body = await response.text();
    // No CDN, no network: nothing the page loads comes from another origin.
    assert.not.match(body, /(src|href)=["']?https?:/, path);
    if (path !== "/ui/") total += new TextEncoder().encode(body).byteLength;
  }
  assert.is(total, consoleSizeBytes());
  assert.ok(total < 64 * 1024, `console is ${total} bytes`);
  console.log(`console: ${total} bytes for a first load (page, script, style sheet)`);
  const head = await fetch(`${server.clientUrl}/ui/console.js`, { method: "HEAD" });
  assert.is(head.status, 200);
  assert.is(await head.text(), "");
  assert.is((await fetch(`${server.clientUrl}/ui`, { method: "POST" })).status, 405);
  assert.is((await fetch(`${server.clientUrl}/ui/nothing.js`)).status, 404);
  assert.is((await fetch(`${server.clientUrl}/uix`)).status, 404);
});

test("--listen-metrics-urls serves the console, naming the client URL its calls go to", async () => {
  const page = await (await fetch(`http://127.0.0.1:${METRICS_PORT}/ui`)).text();
  assert.ok(page.includes(`<meta name="tsetcd-api-base" content="${new URL(server.clientUrl).origin}">`), page.slice(0, 300));
  const client = await (await fetch(`${server.clientUrl}/ui`)).text();
  assert.not.ok(client.includes("tsetcd-api-base"), "the client URL's page calls its own origin");
  assert.is((await fetch(`http://127.0.0.1:${METRICS_PORT}/ui/console.js`)).status, 200);
  assert.is((await fetch(`http://127.0.0.1:${METRICS_PORT}/metrics`)).status, 200);
});

test("gateway answers to a browser (Origin set) carry etcd 3.4's CORS headers; others do not", async () => {
  const origin = { origin: "http://127.0.0.1:9" };
  const preflight = await fetch(`${server.clientUrl}/v3/maintenance/status`, {
    method: "OPTIONS",
    headers: { ...origin, "access-control-request-method": "POST", "access-control-request-headers": "authorization,content-type" },
  });
  assert.is(preflight.status, 200);
  assert.is(preflight.headers.get("access-control-allow-origin"), "*");
  assert.is(preflight.headers.get("access-control-allow-headers"), "accept, content-type, authorization");
  assert.is(preflight.headers.get("access-control-allow-methods"), "POST, GET, OPTIONS, PUT, DELETE");
  const status = await fetch(`${server.clientUrl}/v3/maintenance/status`, { method: "POST", body: "{}", headers: origin });
  assert.is(status.status, 200);
  assert.is(status.headers.get("access-control-allow-origin"), "*");
  const plain = await fetch(`${server.clientUrl}/v3/maintenance/status`, { method: "POST", body: "{}" });
  assert.is(plain.headers.get("access-control-allow-origin"), null, "no Origin, no CORS headers (as etcd)");
});

/** WCAG relative luminance of "#rrggbb". */
function luminance(hex: string): number {
  const channel = (i: number): number => {
    const c = parseInt(hex.slice(1 + 2 * i, 3 + 2 * i), 16) / 255;
    return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
  };
  return 0.2126 * channel(0) + 0.7152 * channel(1) + 0.0722 * channel(2);
}

function contrast(a: string, b: string): number {
  const [hi, lo] = [luminance(a), luminance(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

test("readable and labelled: every text colour meets WCAG AA on its background; every field has a label", () => {
  const variable = (name: string): string => CONSOLE_CSS.match(new RegExp(`--${name}:(#[0-9a-f]{6})`))![1]!;
  const pairs: [string, string, string][] = [
    ["text", variable("fg"), "#ffffff"],
    ["muted", variable("muted"), "#ffffff"],
    ["buttons and links", variable("accent"), "#ffffff"],
    ["danger", variable("danger"), "#ffffff"],
    ["healthy", "#1b6e20", "#ffffff"],
    ["header", "#ffffff", "#0b3d6e"],
    ["PUT tag", "#ffffff", "#1b6e20"],
    ["DELETE tag", "#ffffff", variable("danger")],
    ["code on grey", variable("fg"), "#f4f4f4"],
  ];
  for (const [what, fg, bg] of pairs) assert.ok(contrast(fg, bg) >= 4.5, `${what}: ${contrast(fg, bg).toFixed(2)}:1`);
  const ids = [...CONSOLE_HTML.matchAll(/<(?:input|textarea|select) id="([^"]+)"/g)].map((m) => m[1]!);
  assert.ok(ids.length >= 10, `fields: ${ids}`);
  for (const id of ids) {
    const labelled = CONSOLE_HTML.includes(`<label for="${id}"`) || new RegExp(`<label><input[^>]*id="${id}"`).test(CONSOLE_HTML);
    assert.ok(labelled, `#${id} has no label`);
  }
});

test.run();
