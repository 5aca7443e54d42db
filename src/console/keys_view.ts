/**
 * The Keys view: a tree of `/` prefixes loaded a page at a time, a key's page (value as text, JSON or hex,
 * its revisions, lease and history), and guarded create, edit and delete.
 * @module
 */
import type { El } from "./browser.ts";
import { ApiError, call } from "./api.ts";
import { byId, confirmAction, h, say } from "./dom.ts";
import {
  b64, base64ToBytes, bytesToBase64, type GatewayKv, groupTreePage, guardedDeleteTxn, guardedPrefixDeleteTxn,
  guardedPutTxn, HISTORY_MAX_STEPS, isCompactedError, parseEdited, prefixEndB64, previousRevision, renderValue,
  treePageRequest, unb64, type ValueMode,
} from "./logic.ts";

/** The key on the key page and the mod_revision its editor started from. */
let open: { key: string; kv: GatewayKv | undefined } | undefined;

/** Wires the view's forms. */
export function initKeys(): void {
  byId("browse-form").addEventListener("submit", (event) => {
    event.preventDefault();
    void showTree(byId<El>("prefix").value);
  });
  byId("create-form").addEventListener("submit", (event) => {
    event.preventDefault();
    void createKey();
  });
  byId("value-mode").addEventListener("change", () => renderOpen());
  byId("save").addEventListener("click", () => void saveOpen());
  byId("delete").addEventListener("click", () => void deleteOpen());
  byId("history").addEventListener("click", () => void loadHistory());
  byId("delete-prefix").addEventListener("click", () => void deletePrefix());
}

/** Shows the tree's first page under `prefix`. */
export async function showTree(prefix: string): Promise<void> {
  const root = byId("tree");
  root.replaceChildren();
  root.setAttribute("aria-label", prefix === "" ? "all keys" : `keys under ${prefix}`);
  await loadPage(root, prefix, undefined);
}

/** Loads one page of `prefix`'s children into `list`, with a "More" button when there are more. */
async function loadPage(list: El, prefix: string, startB64: string | undefined): Promise<void> {
  let answer: Record<string, any>;
  try {
    answer = await call("/v3/kv/range", treePageRequest(prefix, startB64));
  } catch (err) {
    list.append(h("li", { class: "error", role: "alert" }, refusal(err, prefix)));
    return;
  }
  const keys: string[] = (answer.kvs ?? []).map((kv: GatewayKv) => unb64(kv.key));
  const page = groupTreePage(prefix, keys, answer.more === true);
  if (page.entries.length === 0 && startB64 === undefined) list.append(h("li", { class: "muted" }, "(no keys)"));
  for (const entry of page.entries) {
    if (entry.kind === "key") {
      list.append(h("li", {}, h("button", { class: "key", "data-key": entry.path, onclick: () => void openKey(entry.path) }, entry.label)));
      continue;
    }
    const children = h("ul", { role: "group" });
    const toggle = h("button", {
      class: "dir",
      "aria-expanded": "false",
      "data-dir": entry.path,
      onclick: () => {
        const expanded = toggle.getAttribute("aria-expanded") === "true";
        toggle.setAttribute("aria-expanded", String(!expanded));
        children.replaceChildren();
        if (!expanded) void loadPage(children, entry.path, undefined);
      },
    }, entry.label);
    list.append(h("li", {}, toggle, children));
  }
  if (page.nextStartB64 !== undefined) {
    const next = page.nextStartB64;
    const more: El = h("li", {}, h("button", {
      class: "more",
      onclick: () => {
        more.remove();
        void loadPage(list, prefix, next);
      },
    }, "More…"));
    list.append(more);
  }
}

/** A refused read as the user should read it: the server decides what may be seen. */
function refusal(err: unknown, prefix: string): string {
  const message = (err as Error).message;
  if (message.includes("permission denied")) return `You may not read ${prefix === "" ? "every key" : `keys under ${prefix}`} (permission denied).`;
  return message;
}

/** Opens a key's page: its value and revisions, read now. */
export async function openKey(key: string): Promise<void> {
  byId("key-pane").hidden = false;
  byId("key-name").textContent = key;
  byId("history-list").replaceChildren();
  byId("conflict").hidden = true;
  say("key-status", "");
  try {
    const answer = await call("/v3/kv/range", { key: b64(key) });
    open = { key, kv: answer.kvs?.[0] };
  } catch (err) {
    open = undefined;
    say("key-status", refusal(err, key), true);
    return;
  }
  if (open.kv === undefined) say("key-status", "This key does not exist (any more).", true);
  renderOpen();
  await showLease(open.kv?.lease);
}

function renderOpen(): void {
  const kv = open?.kv;
  const mode = byId<El>("value-mode").value as ValueMode;
  const rendered = renderValue(base64ToBytes(kv?.value), mode);
  byId<El>("value").value = rendered.text;
  if (rendered.error !== undefined) say("key-status", rendered.error, true);
  byId("meta-create").textContent = kv?.create_revision ?? "–";
  byId("meta-mod").textContent = kv?.mod_revision ?? "–";
  byId("meta-version").textContent = kv?.version ?? "–";
  byId("meta-lease").textContent = kv?.lease ?? "none";
}

async function showLease(lease: string | undefined): Promise<void> {
  const cell = byId("meta-ttl");
  if (lease === undefined || lease === "0") {
    cell.textContent = "–";
    return;
  }
  try {
    const answer = await call("/v3/lease/timetolive", { ID: lease });
    cell.textContent = `${answer.TTL} s`;
  } catch (err) {
    cell.textContent = (err as Error).message;
  }
}

/** Saves the editor's value if the key is unchanged since it was read; a conflict overwrites nothing. */
async function saveOpen(): Promise<void> {
  if (open === undefined) return;
  const mode = byId<El>("value-mode").value as ValueMode;
  const edited = byId<El>("value").value;
  const parsed = parseEdited(edited, mode);
  if ("error" in parsed) {
    say("key-status", parsed.error, true);
    return;
  }
  const expected = Number(open.kv?.mod_revision ?? 0);
  await guardedWrite(guardedPutTxn(open.key, bytesToBase64(parsed.bytes), expected, open.kv?.lease ?? "0"), edited, mode);
}

async function deleteOpen(): Promise<void> {
  if (open?.kv === undefined) return;
  if (!(await confirmAction(`Delete the key ${open.key}?`))) return;
  await guardedWrite(guardedDeleteTxn(open.key, Number(open.kv.mod_revision)), byId<El>("value").value, "text");
}

/** Runs a guarded txn: on success reloads the key; on conflict shows both values and keeps the user's. */
async function guardedWrite(txn: Record<string, unknown>, mine: string, mode: ValueMode): Promise<void> {
  if (open === undefined) return;
  const key = open.key;
  let answer: Record<string, any>;
  try {
    answer = await call("/v3/kv/txn", txn);
  } catch (err) {
    say("key-status", refusal(err, key), true);
    return;
  }
  if (answer.succeeded === true) {
    await openKey(key);
    say("key-status", `Saved at revision ${answer.header?.revision}.`);
    return;
  }
  const current: GatewayKv | undefined = answer.responses?.[0]?.response_range?.kvs?.[0];
  byId("conflict").hidden = false;
  byId("conflict-mine").textContent = mine;
  byId("conflict-theirs").textContent = current === undefined ? "(deleted)" : renderValue(base64ToBytes(current.value), mode).text;
  say("key-status", `Conflict: ${key} changed since you opened it (now mod revision ${current?.mod_revision ?? "deleted"}). Nothing was written.`, true);
  open = { key, kv: current };
  byId("meta-mod").textContent = current?.mod_revision ?? "–";
  // The editor keeps the user's text: saving again now overwrites the newer value knowingly.
}

/** Creates a key that must not exist yet. */
async function createKey(): Promise<void> {
  const key = byId<El>("new-key").value;
  if (key === "") {
    say("create-status", "A key is required.", true);
    return;
  }
  const value = byId<El>("new-value").value;
  try {
    const answer = await call("/v3/kv/txn", guardedPutTxn(key, b64(value), 0));
    if (answer.succeeded !== true) {
      say("create-status", `${key} exists already: nothing was written.`, true);
      return;
    }
    say("create-status", `Created ${key} at revision ${answer.header?.revision}.`);
    byId<El>("new-key").value = "";
    byId<El>("new-value").value = "";
    await openKey(key);
  } catch (err) {
    say("create-status", refusal(err, key), true);
  }
}

/** Deletes every key under the browsed prefix after a confirmation naming how many. */
async function deletePrefix(): Promise<void> {
  const prefix = byId<El>("prefix").value;
  if (prefix === "") {
    say("create-status", "Type a prefix first: the console never deletes every key.", true);
    return;
  }
  try {
    const counted = await call("/v3/kv/range", { key: b64(prefix), range_end: prefixEndB64(prefix), count_only: true });
    const count = Number(counted.count ?? 0);
    const revision = Number(counted.header?.revision ?? 0);
    if (!(await confirmAction(`Delete ${count} key${count === 1 ? "" : "s"} under ${prefix}?`))) return;
    const answer = await call("/v3/kv/txn", guardedPrefixDeleteTxn(prefix, revision));
    if (answer.succeeded !== true) {
      say("create-status", `Keys under ${prefix} changed since they were counted: nothing was deleted.`, true);
      return;
    }
    say("create-status", `Deleted ${answer.responses?.[0]?.response_delete_range?.deleted ?? 0} keys under ${prefix}.`);
    await showTree(prefix);
  } catch (err) {
    say("create-status", refusal(err, prefix), true);
  }
}

/** Reads the open key at older revisions, newest first, until its first version or "compacted". */
async function loadHistory(): Promise<void> {
  if (open?.kv === undefined) return;
  const list = byId("history-list");
  list.replaceChildren();
  const mode = byId<El>("value-mode").value as ValueMode;
  let kv: GatewayKv = open.kv;
  for (let step = 0; step < HISTORY_MAX_STEPS; step++) {
    list.append(h("li", {}, `rev ${kv.mod_revision} (version ${kv.version}): `, h("code", {}, renderValue(base64ToBytes(kv.value), mode).text)));
    const before = previousRevision(kv);
    if (before === undefined) {
      list.append(h("li", { class: "muted" }, "first version"));
      return;
    }
    try {
      const answer = await call("/v3/kv/range", { key: b64(open.key), revision: String(before) });
      const older: GatewayKv | undefined = answer.kvs?.[0];
      if (older === undefined) return;
      kv = older;
    } catch (err) {
      if (err instanceof ApiError && isCompactedError(err)) {
        list.append(h("li", { class: "muted" }, "compacted: older revisions are gone"));
      } else {
        list.append(h("li", { class: "error" }, (err as Error).message));
      }
      return;
    }
  }
  list.append(h("li", { class: "muted" }, `… (first ${HISTORY_MAX_STEPS} shown)`));
}
