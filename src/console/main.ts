/**
 * The console's entry point in the browser: view switching, the login form, and the start of each view.
 * Built into src/console/bundle.ts by src/console/build.ts.
 * @module
 */
import type { El } from "./browser.ts";
import { call, setToken, whenLoginNeeded } from "./api.ts";
import { byId, say } from "./dom.ts";
import { initKeys, showTree } from "./keys_view.ts";
import { initLive, refreshNow } from "./live_view.ts";

const VIEWS = ["keys", "watch", "leases", "members", "admin"] as const;

function show(view: string): void {
  for (const name of VIEWS) {
    byId(`view-${name}`).hidden = name !== view;
    byId(`nav-${name}`).setAttribute("aria-current", name === view ? "page" : "false");
  }
  refreshNow(view);
}

function showLogin(): void {
  byId("login").hidden = false;
  byId("login-user").focus();
}

async function login(): Promise<void> {
  const name = byId<El>("login-user").value;
  const password = byId<El>("login-password").value;
  setToken(undefined);
  try {
    const answer = await call("/v3/auth/authenticate", { name, password });
    // Memory only: a reload asks again, and no other page on this origin can read it.
    setToken(String(answer.token));
    byId<El>("login-password").value = "";
    byId("login").hidden = true;
    byId("whoami").textContent = `Signed in as ${name}`;
    say("login-status", "");
    await showTree(byId<El>("prefix").value);
  } catch (err) {
    say("login-status", (err as Error).message, true);
  }
}

function start(): void {
  for (const name of VIEWS) byId(`nav-${name}`).addEventListener("click", () => show(name));
  byId("login-form").addEventListener("submit", (event) => {
    event.preventDefault();
    void login();
  });
  whenLoginNeeded(showLogin);
  initKeys();
  initLive();
  show("keys");
  void showTree("");
}

start();
