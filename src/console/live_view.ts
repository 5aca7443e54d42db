/**
 * The live views: a watch pane (pause, filter), leases with TTL countdowns and their keys, members with
 * each one's own status, and the admin actions (compaction, defragment, alarm disarm) behind a confirmation.
 * Refresh loops run at a fixed pace, one call in flight per view.
 * @module
 */
import { doc, type El } from "./browser.ts";
import { call, watchStream } from "./api.ts";
import { byId, confirmAction, h, say } from "./dom.ts";
import { b64, formatBytes, memberIdHex, prefixEndB64, ttlLeftSeconds, unb64 } from "./logic.ts";

/** Events the watch pane keeps; older ones drop off the end. */
const WATCH_ROWS_MAX = 200;
/** Leases the pane lists at most (each costs one timetolive call per refresh). */
const LEASES_MAX = 50;
const REFRESH_MS = 2_000;
const COUNTDOWN_MS = 250;

let watching: AbortController | undefined;
let paused = false;
let leaseReads: { id: string; ttl: number; granted: number; readAtMs: number; keys: string[] }[] = [];

/** Wires the live views and starts their refresh loops. */
export function initLive(): void {
  byId("watch-form").addEventListener("submit", (event) => {
    event.preventDefault();
    startWatch(byId<El>("watch-prefix").value);
  });
  byId("watch-stop").addEventListener("click", () => stopWatch());
  byId<El>("watch-pause").addEventListener("change", (event) => {
    paused = event.target.checked;
  });
  byId("watch-filter").addEventListener("input", () => applyFilter());
  byId("compact-form").addEventListener("submit", (event) => {
    event.preventDefault();
    void compact();
  });
  void refreshLoop("leases", refreshLeases);
  void refreshLoop("members", refreshMembers);
  setInterval(renderCountdowns, COUNTDOWN_MS);
}

/** Per refreshed view: wakes its loop early (when the view is shown). */
const wakers = new Map<string, () => void>();

/** Refreshes `view` now instead of at its next turn, if it has a refresh loop. */
export function refreshNow(view: string): void {
  wakers.get(view)?.();
}

/** Refreshes a view every REFRESH_MS while it is shown, and at once when woken; one refresh at a time. */
async function refreshLoop(view: string, refresh: () => Promise<void>): Promise<void> {
  for (;;) {
    if (!byId(`view-${view}`).hidden) {
      try {
        await refresh();
      } catch (err) {
        say(`${view}-status`, (err as Error).message, true);
      }
    }
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, REFRESH_MS);
      wakers.set(view, () => {
        clearTimeout(timer);
        resolve();
      });
    });
  }
}

function startWatch(prefix: string): void {
  stopWatch();
  const controller = new AbortController();
  watching = controller;
  byId("events").replaceChildren();
  say("watch-status", "Starting the watch…");
  const request = prefix === ""
    ? { key: b64("\0"), range_end: b64("\0") }
    : { key: b64(prefix), range_end: prefixEndB64(prefix) };
  watchStream(request, (result) => {
    // "Watching" only once the server has the watcher: a put after that is never missed.
    if (result.created === true) say("watch-status", `Watching ${prefix === "" ? "every key" : prefix}…`);
    if (result.canceled === true) say("watch-status", `Watch canceled: ${result.cancel_reason ?? "by the server"}`, true);
    if (paused) return;
    for (const event of result.events ?? []) addEvent(event);
  }, controller.signal).catch((err) => {
    if (!controller.signal.aborted) say("watch-status", `Watch ended: ${(err as Error).message}`, true);
  });
}

function stopWatch(): void {
  watching?.abort();
  watching = undefined;
  say("watch-status", "Stopped.");
}

function addEvent(event: Record<string, any>): void {
  const type = event.type === "DELETE" ? "DELETE" : "PUT";
  const key = unb64(event.kv?.key);
  const row = h("li", { "data-key": key }, h("span", { class: `tag ${type.toLowerCase()}` }, type), " ",
    h("code", {}, key), type === "PUT" ? ` = ${unb64(event.kv?.value).slice(0, 200)}` : "", ` (rev ${event.kv?.mod_revision ?? "?"})`);
  const list = byId("events");
  list.prepend(row);
  while (list.childElementCount > WATCH_ROWS_MAX) list.lastElementChild?.remove();
  applyFilterTo(row);
}

function applyFilter(): void {
  for (const row of Array.from(byId("events").children)) applyFilterTo(row);
}

function applyFilterTo(row: El): void {
  const filter = byId<El>("watch-filter").value;
  row.hidden = filter !== "" && !(row.textContent ?? "").includes(filter);
}

async function refreshLeases(): Promise<void> {
  const answer = await call("/v3/lease/leases", {});
  const ids: string[] = (answer.leases ?? []).map((lease: { ID: string }) => lease.ID).slice(0, LEASES_MAX);
  const reads: typeof leaseReads = [];
  for (const id of ids) {
    const ttl = await call("/v3/lease/timetolive", { ID: id, keys: true });
    // Zero fields are absent in the gateway's JSON: no TTL is 0 seconds left.
    reads.push({ id, ttl: Number(ttl.TTL ?? 0), granted: Number(ttl.grantedTTL ?? 0), readAtMs: Date.now(), keys: (ttl.keys ?? []).map(unb64) });
  }
  leaseReads = reads;
  const body = byId("lease-rows");
  body.replaceChildren(...reads.map((lease) =>
    h("tr", { "data-lease": lease.id },
      h("td", {}, BigInt(lease.id).toString(16)),
      h("td", { class: "ttl" }, ""),
      h("td", {}, `${lease.granted} s`),
      h("td", {}, lease.keys.join(", ") || "–"))));
  if (reads.length === 0) body.append(h("tr", {}, h("td", { colspan: "4", class: "muted" }, "No leases.")));
  say("leases-status", `${reads.length} lease${reads.length === 1 ? "" : "s"}, read ${new Date().toLocaleTimeString()}`);
  renderCountdowns();
}

function renderCountdowns(): void {
  const now = Date.now();
  for (const lease of leaseReads) {
    const cell = doc.querySelector(`tr[data-lease="${lease.id}"] .ttl`);
    if (cell === null) continue;
    const left = ttlLeftSeconds(lease.ttl, lease.readAtMs, now);
    cell.textContent = left <= 0 ? "expired" : `${left} s`;
  }
}

async function refreshMembers(): Promise<void> {
  const list = await call("/v3/cluster/member/list", {});
  const alarms = await call("/v3/maintenance/alarm", { action: "GET" });
  const rows: El[] = [];
  for (const member of list.members ?? []) {
    const url: string | undefined = member.clientURLs?.[0];
    let status: Record<string, any> | undefined;
    let problem = "no client URL";
    if (url !== undefined) {
      try {
        // Each member's own answer, as etcdctl endpoint status asks each endpoint.
        status = await call("/v3/maintenance/status", {}, { base: url });
      } catch (err) {
        problem = (err as Error).message;
      }
    }
    const isLeader = status !== undefined && status.leader === member.ID;
    const healthy = status !== undefined && status.leader !== undefined && status.leader !== "0";
    rows.push(h("tr", { "data-member": member.name ?? "", class: isLeader ? "leader" : "" },
      h("td", {}, member.name ?? "(unstarted)"),
      h("td", {}, memberIdHex(member.ID)),
      h("td", {}, url ?? "–"),
      h("td", { class: "is-leader" }, isLeader ? "leader" : ""),
      h("td", {}, status?.raftTerm ?? "–"),
      h("td", {}, status?.raftIndex ?? "–"),
      h("td", {}, status?.raftAppliedIndex ?? "–"),
      h("td", {}, status === undefined ? "–" : formatBytes(Number(status.dbSize ?? 0))),
      h("td", { class: healthy ? "ok" : "error" }, healthy ? "healthy" : status === undefined ? problem : "no leader"),
      h("td", {}, url === undefined ? "" : h("button", { onclick: () => void defragment(member.name, url) }, "Defragment"))));
  }
  byId("member-rows").replaceChildren(...rows);
  const alarmRows = (alarms.alarms ?? []).map((alarm: Record<string, string>) =>
    h("li", {}, `${alarm.alarm} on ${memberIdHex(alarm.memberID)} `,
      h("button", { onclick: () => void disarm(alarm.memberID!, alarm.alarm!) }, "Disarm")));
  byId("alarms").replaceChildren(...(alarmRows.length > 0 ? alarmRows : [h("li", { class: "muted" }, "No alarms.")]));
  say("members-status", `Read ${new Date().toLocaleTimeString()}`);
}

async function defragment(name: string, url: string): Promise<void> {
  if (!(await confirmAction(`Defragment ${name}? It blocks that member's writes while it runs.`))) return;
  try {
    await call("/v3/maintenance/defragment", {}, { base: url });
    say("member-action-status", `Defragmented ${name}.`);
  } catch (err) {
    say("member-action-status", `Defragment ${name}: ${(err as Error).message}`, true);
  }
}

async function disarm(memberId: string, alarm: string): Promise<void> {
  if (!(await confirmAction(`Disarm ${alarm} on member ${memberIdHex(memberId)}?`))) return;
  try {
    await call("/v3/maintenance/alarm", { action: "DEACTIVATE", memberID: memberId, alarm });
    say("member-action-status", `Disarmed ${alarm}.`);
  } catch (err) {
    say("member-action-status", (err as Error).message, true);
  }
}

async function compact(): Promise<void> {
  const revision = byId<El>("compact-revision").value.trim();
  if (!/^[1-9][0-9]*$/.test(revision)) {
    say("admin-status", "A revision is a positive whole number.", true);
    return;
  }
  if (!(await confirmAction(`Compact history up to revision ${revision}? Older values are gone for good.`))) return;
  try {
    await call("/v3/kv/compaction", { revision, physical: true });
    say("admin-status", `Compacted at revision ${revision}.`);
  } catch (err) {
    say("admin-status", (err as Error).message, true);
  }
}
