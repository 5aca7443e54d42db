/**
 * The web console in a real browser (Debian's chromium, driven by playwright-core) against a real 3-member
 * cluster of tsetcd processes: paging a 10k-key prefix, create/edit/delete as guarded txns, a conflict with
 * a CLI write that loses nothing, the watch pane, a lease's countdown and expiry, the leader moving after
 * `tsetcd move-leader`, the console on --listen-metrics-urls, and a limited user under auth.
 * TSETCD_CONSOLE_SCREENSHOTS=1 also writes docs/console-*.png.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync } from "node:fs";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
import { runCliCaptured as cli } from "../helpers/cli.ts";
import { ProcessCluster } from "../cluster/harness.ts";

const CHROMIUM = "/usr/bin/chromium";
const METRICS_PORT = 25111;
const BIG_KEYS = 10_000;
const PAGE_KEYS = 100;
const WAIT_MS = 8_000;
const SHOTS = process.env.TSETCD_CONSOLE_SCREENSHOTS === "1";
const DOCS = join(import.meta.dir, "..", "..", "docs");

const b64 = (s: string): string => Buffer.from(s).toString("base64");
const unb64 = (s: string | undefined): string => Buffer.from(s ?? "", "base64").toString();

async function post(base: string, path: string, body: unknown, token?: string): Promise<any> {
  const headers: Record<string, string> = { "content-type": "application/json" };
  if (token !== undefined) headers.authorization = token;
  const response = await fetch(base + path, { method: "POST", headers, body: JSON.stringify(body) });
  const json = await response.json();
  if (!response.ok) throw new Error(`${path}: ${JSON.stringify(json)}`);
  return json;
}

async function valueOf(base: string, key: string): Promise<string | undefined> {
  const answer = await post(base, "/v3/kv/range", { key: b64(key) });
  return answer.kvs?.[0] === undefined ? undefined : unb64(answer.kvs[0].value);
}

/** Polls `check` until it answers true, at most `timeoutMs`. */
async function until(what: string, check: () => Promise<boolean>, timeoutMs = WAIT_MS): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (let i = 0; i < 1_000; i++) {
    if (await check()) return;
    if (Date.now() > deadline) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.unreachable(`${what}: not within ${timeoutMs} ms`);
}

async function shot(page: Page, name: string): Promise<void> {
  if (SHOTS) await page.screenshot({ path: join(DOCS, `console-${name}.png`), fullPage: true });
}

test("the console in chromium against a 3-member cluster", async () => {
  assert.ok(existsSync(CHROMIUM), `${CHROMIUM} missing: apt-get install -y chromium (.ci/run does)`);
  const cluster = new ProcessCluster({ size: 3, basePort: 30700 });
  cluster.slots[0]!.extraArgs.push("--listen-metrics-urls", `http://127.0.0.1:${METRICS_PORT}`);
  let browser: Browser | undefined;
  try {
    await cluster.start();
    const leaderSlot = await cluster.waitForLeader();
    const base = cluster.slots[0]!.clientUrl;
    browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
    // Members publish their client URLs through the log after they start: the members view needs them.
    await until("client URLs published", async () =>
      (await post(base, "/v3/cluster/member/list", {})).members.every((m: any) => (m.clientURLs ?? []).length > 0));

    // 10k keys under big/ (128 puts a txn, 8 txns in flight), plus a folder to see grouping.
    const txns: object[] = [];
    for (let start = 0; start < BIG_KEYS; start += 128) {
      const success = [];
      for (let i = start; i < Math.min(start + 128, BIG_KEYS); i++) {
        success.push({ request_put: { key: b64(`big/k${String(i).padStart(5, "0")}`), value: b64(`v${i}`) } });
      }
      txns.push({ success });
    }
    for (let i = 0; i < txns.length; i += 8) await Promise.all(txns.slice(i, i + 8).map((txn) => post(base, "/v3/kv/txn", txn)));
    await post(base, "/v3/kv/put", { key: b64("cfg/app.json"), value: b64('{"replicas":3,"debug":false}') });

    const page = await browser.newPage({ viewport: { width: 1200, height: 760 } });
    const pageErrors: string[] = [];
    page.on("pageerror", (err) => pageErrors.push(String(err)));
    const rangeLimits: number[] = [];
    page.on("request", (request) => {
      if (request.url().endsWith("/v3/kv/range")) {
        const body = JSON.parse(request.postData() ?? "{}");
        if (body.count_only !== true && body.revision === undefined && body.range_end !== undefined) rangeLimits.push(Number(body.limit ?? 0));
      }
    });
    await page.goto(`${base}/ui`);

    // Root: big/ and cfg/ are one row each, however many keys they hold.
    await page.locator('#tree button[data-dir="big/"]').waitFor({ timeout: WAIT_MS });
    assert.is(await page.locator("#tree > li").count(), 2, "root shows big/ and cfg/ only");
    // A folder opens in place, one page at a time.
    await page.click('#tree button[data-dir="big/"]');
    await until("folder opened", async () => (await page.locator('#tree button[data-dir="big/"] + ul button.key').count()) === PAGE_KEYS);
    assert.is(await page.getAttribute('#tree button[data-dir="big/"]', "aria-expanded"), "true");

    // Browse big/ page by page: 100 new rows per page, in order, none twice.
    await page.fill("#prefix", "big/");
    await page.press("#prefix", "Enter");
    const keyRows = page.locator("#tree button.key");
    await until("first page", async () => (await keyRows.count()) === PAGE_KEYS);
    for (let pageNo = 2; pageNo <= 4; pageNo++) {
      await page.click("#tree button.more");
      await until(`page ${pageNo}`, async () => (await keyRows.count()) === PAGE_KEYS * pageNo);
    }
    const labels = await keyRows.allTextContents();
    assert.equal(labels, Array.from({ length: 4 * PAGE_KEYS }, (_, i) => `k${String(i).padStart(5, "0")}`));
    assert.ok(rangeLimits.length >= 5 && rangeLimits.every((limit) => limit > 0 && limit <= PAGE_KEYS), `tree ranges are paged: ${rangeLimits}`);

    // A key's page: JSON pretty, hex.
    await page.fill("#prefix", "cfg/");
    await page.press("#prefix", "Enter");
    await page.click('#tree button[data-key="cfg/app.json"]');
    await page.selectOption("#value-mode", "json");
    await until("pretty JSON", async () => (await page.inputValue("#value")).includes('\n  "replicas": 3'));
    await shot(page, "keys");
    await page.fill("#value", '{"replicas": 3,');
    await page.click("#save");
    await until("invalid JSON refused", async () => ((await page.textContent("#key-status")) ?? "").includes("invalid JSON"));
    assert.is(await valueOf(base, "cfg/app.json"), '{"replicas":3,"debug":false}', "invalid JSON is never saved");
    await page.selectOption("#value-mode", "hex");
    assert.ok((await page.inputValue("#value")).startsWith("7b 22 72 65"), "hex view");
    await page.selectOption("#value-mode", "text");

    // Create, then edit.
    await page.fill("#new-key", "app/color");
    await page.fill("#new-value", "blue");
    await page.click("#create-form button[type=submit]");
    await until("created", async () => (await page.textContent("#key-name")) === "app/color" && (await page.inputValue("#value")) === "blue");
    assert.is(await valueOf(base, "app/color"), "blue");
    await page.fill("#value", "green");
    await page.click("#save");
    await until("saved", async () => ((await page.textContent("#key-status")) ?? "").startsWith("Saved"));
    assert.is(await valueOf(base, "app/color"), "green");

    // A CLI write while the page holds the key open: the save conflicts and overwrites nothing.
    const put = await cli([`--endpoints=${base}`, "put", "app/color", "red"]);
    assert.is(put.code, 0, put.err);
    await page.fill("#value", "purple");
    await page.click("#save");
    await page.locator("#conflict").waitFor({ state: "visible", timeout: WAIT_MS });
    assert.is(await page.textContent("#conflict-mine"), "purple");
    assert.is(await page.textContent("#conflict-theirs"), "red");
    assert.is(await valueOf(base, "app/color"), "red", "the conflicting save wrote nothing");
    await shot(page, "conflict");

    // History of the key: red <- green <- blue.
    await page.click("#history");
    await until("history", async () => (await page.locator("#history-list li").count()) === 4);
    const history = await page.locator("#history-list li").allTextContents();
    assert.ok(history[0]!.endsWith("red") && history[1]!.endsWith("green") && history[2]!.endsWith("blue") && history[3] === "first version", history.join(" | "));

    // Compaction from the admin view (confirmed): the key's history now ends at "compacted".
    const redRevision = await page.textContent("#meta-mod");
    await page.click("#nav-admin");
    await page.fill("#compact-revision", redRevision ?? "");
    await page.press("#compact-revision", "Enter");
    await page.click("#confirm-yes");
    await until("compacted", async () => (await page.textContent("#admin-status")) === `Compacted at revision ${redRevision}.`);
    await page.click("#nav-keys");
    await page.click("#history");
    await until("history ends at compaction", async () =>
      (await page.locator("#history-list li").allTextContents()).join("|") === `rev ${redRevision} (version 3): red|compacted: older revisions are gone`);

    // Delete: Escape in the dialog cancels (keyboard), Confirm deletes; then a prefix (the dialog names the count).
    await page.click("#delete");
    await page.keyboard.press("Escape");
    await new Promise((resolve) => setTimeout(resolve, 200));
    assert.is(await valueOf(base, "app/color"), "red", "a cancelled delete deletes nothing");
    await page.click("#delete");
    await page.click("#confirm-yes");
    await until("deleted", async () => (await valueOf(base, "app/color")) === undefined);
    for (const name of ["a", "b", "c"]) await post(base, "/v3/kv/put", { key: b64(`tmp/${name}`), value: b64(name) });
    await page.fill("#prefix", "tmp/");
    await page.click("#delete-prefix");
    await until("count named", async () => (await page.textContent("#confirm-text")) === "Delete 3 keys under tmp/?");
    await page.click("#confirm-yes");
    await until("prefix deleted", async () => (await post(base, "/v3/kv/range", { key: b64("tmp/"), range_end: b64("tmp0"), count_only: true })).count === undefined);

    // The watch pane shows a CLI put within 1 s of the put's answer.
    await page.click("#nav-watch");
    await page.fill("#watch-prefix", "w/");
    await page.click("#watch-form button[type=submit]");
    await until("watching", async () => ((await page.textContent("#watch-status")) ?? "").startsWith("Watching"));
    const watched = await cli([`--endpoints=${base}`, "put", "w/x", "hello"]);
    assert.is(watched.code, 0, watched.err);
    const putAnsweredMs = Date.now();
    await page.locator('#events li[data-key="w/x"]').waitFor({ timeout: 1_000 });
    const shownAfterMs = Date.now() - putAnsweredMs;
    assert.ok(shownAfterMs <= 1_000, `shown ${shownAfterMs} ms after the put`);
    await shot(page, "watch");
    // Filter hides what does not match; pause drops events while it is on.
    await page.fill("#watch-filter", "no-such-text");
    assert.not.ok(await page.isVisible('#events li[data-key="w/x"]'), "filtered out");
    await page.fill("#watch-filter", "hello");
    assert.ok(await page.isVisible('#events li[data-key="w/x"]'), "matches the filter");
    await page.check("#watch-pause");
    await post(base, "/v3/kv/put", { key: b64("w/paused"), value: b64("p") });
    await new Promise((resolve) => setTimeout(resolve, 300));
    await page.uncheck("#watch-pause");
    await post(base, "/v3/kv/put", { key: b64("w/after"), value: b64("a") });
    await page.fill("#watch-filter", "");
    await page.locator('#events li[data-key="w/after"]').waitFor({ timeout: WAIT_MS });
    assert.is(await page.locator('#events li[data-key="w/paused"]').count(), 0, "paused: not shown");

    // A lease: the countdown goes down, then the lease expires and its key goes.
    const lease = await post(base, "/v3/lease/grant", { TTL: 3 });
    await post(base, "/v3/kv/put", { key: b64("leased/k"), value: b64("v"), lease: lease.ID });
    await page.click("#nav-leases");
    const ttlCell = page.locator(`tr[data-lease="${lease.ID}"] .ttl`);
    await ttlCell.waitFor({ timeout: WAIT_MS });
    assert.ok(((await page.textContent(`tr[data-lease="${lease.ID}"]`)) ?? "").includes("leased/k"), "the lease lists its key");
    // Sample the cell until the lease is gone: the seconds shown go down, then "expired" (or the row goes).
    const shown: string[] = [];
    await until("lease expired", async () => {
      const cellText = (await ttlCell.count()) === 0 ? "gone" : await ttlCell.textContent({ timeout: 500 }).catch(() => "gone");
      if (shown[shown.length - 1] !== cellText) {
        shown.push(cellText ?? "gone");
        if (shown.length === 1) await shot(page, "leases");
      }
      return cellText === "expired" || cellText === "gone";
    }, WAIT_MS);
    const seconds = shown.filter((t) => /^\d+ s$/.test(t)).map((t) => Number.parseInt(t, 10));
    assert.ok(seconds.length >= 2 && seconds.every((n, i) => i === 0 || n < seconds[i - 1]!) && seconds[0]! <= 3, `countdown: ${shown.join(", ")}`);
    await until("leased key gone", async () => (await valueOf(base, "leased/k")) === undefined);

    // Members: the leader shown moves after move-leader.
    await page.click("#nav-members");
    const leaderRow = page.locator("#member-rows tr.leader");
    await until("leader shown", async () => (await leaderRow.getAttribute("data-member")) === leaderSlot.name);
    assert.is(await page.locator("#member-rows tr").count(), 3);
    assert.is(await page.locator("#member-rows td.ok").count(), 3, "every member healthy");
    await shot(page, "members");
    // Defragment a member, and disarm an alarm, each after a confirmation.
    await page.click('#member-rows tr[data-member="m0"] button');
    await page.click("#confirm-yes");
    await until("defragmented", async () => (await page.textContent("#member-action-status")) === "Defragmented m0.");
    const m0Id = (await cluster.status(cluster.slots[0]!))!.header.member_id;
    await post(base, "/v3/maintenance/alarm", { action: "ACTIVATE", memberID: m0Id.toString(), alarm: "NOSPACE" });
    await page.click("#nav-members"); // shown again: refreshed now, not at the next turn
    const disarmButton = page.locator("#alarms button");
    await disarmButton.waitFor({ timeout: WAIT_MS });
    assert.ok(((await page.textContent("#alarms")) ?? "").includes(`NOSPACE on ${m0Id.toString(16)}`));
    await disarmButton.click();
    await page.click("#confirm-yes");
    await until("disarmed", async () => (await post(base, "/v3/maintenance/alarm", { action: "GET" })).alarms === undefined);
    const target = cluster.slots.find((s) => s !== leaderSlot)!;
    const targetId = (await cluster.status(target))!.header.member_id;
    const moved = await cli([`--endpoints=${leaderSlot.clientUrl}`, "move-leader", targetId.toString(16)]);
    assert.is(moved.code, 0, moved.err);
    await until("new leader shown", async () => (await leaderRow.getAttribute("data-member")) === target.name);

    // The console on --listen-metrics-urls reads through member 0's client URL.
    const metricsPage = await browser.newPage();
    await metricsPage.goto(`http://127.0.0.1:${METRICS_PORT}/ui`);
    await metricsPage.locator('#tree button[data-dir="big/"]').waitFor({ timeout: WAIT_MS });
    await metricsPage.close();

    // Auth on: a user who may read pub/ only sees pub/ and is told, not shown, what else there is.
    await post(base, "/v3/kv/put", { key: b64("pub/p1"), value: b64("open") });
    await post(base, "/v3/kv/put", { key: b64("secret/s1"), value: b64("s3cr3t-value") });
    await post(base, "/v3/auth/user/add", { name: "root", password: "rootpw" });
    await post(base, "/v3/auth/user/grant", { user: "root", role: "root" });
    await post(base, "/v3/auth/role/add", { name: "reader" });
    await post(base, "/v3/auth/role/grant", { name: "reader", perm: { permType: "READ", key: b64("pub/"), range_end: b64("pub0") } });
    await post(base, "/v3/auth/user/add", { name: "viewer", password: "viewerpw" });
    await post(base, "/v3/auth/user/grant", { user: "viewer", role: "reader" });
    await post(base, "/v3/auth/enable", {});
    const authPage = await browser.newPage({ viewport: { width: 1200, height: 600 } });
    authPage.on("pageerror", (err) => pageErrors.push(String(err)));
    await authPage.goto(`${base}/ui`);
    await authPage.locator("#login").waitFor({ state: "visible", timeout: WAIT_MS });
    await shot(authPage, "login");
    await authPage.fill("#login-user", "viewer");
    await authPage.fill("#login-password", "viewerpw");
    await authPage.press("#login-password", "Enter");
    await until("signed in", async () => (await authPage.textContent("#whoami")) === "Signed in as viewer");
    await until("root refused", async () => ((await authPage.textContent("#tree")) ?? "").includes("You may not read every key"));
    await authPage.fill("#prefix", "pub/");
    await authPage.press("#prefix", "Enter");
    await authPage.locator('#tree button[data-key="pub/p1"]').waitFor({ timeout: WAIT_MS });
    await authPage.fill("#prefix", "secret/");
    await authPage.press("#prefix", "Enter");
    await until("secret refused", async () => ((await authPage.textContent("#tree")) ?? "").includes("You may not read keys under secret/"));
    assert.not.ok((await authPage.content()).includes("s3cr3t-value"), "a refused value never reaches the page");
    assert.equal(pageErrors, [], "no script errors");
  } finally {
    await browser?.close();
    await cluster.close();
  }
});

test.run();
