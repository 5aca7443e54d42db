/**
 * The console's few DOM helpers: build an element, find one by id, ask for a confirmation in a modal
 * dialog (keyboard: Tab between the buttons, Escape cancels).
 * @module
 */
import { doc, type El, type Ev } from "./browser.ts";

type Child = El | string | undefined;

/** Creates `<tag>` with attributes (`on*` functions become listeners) and children. */
export function h(tag: string, attrs: Record<string, unknown> = {}, ...children: Child[]): El {
  const element = doc.createElement(tag);
  for (const [name, value] of Object.entries(attrs)) {
    if (value === undefined || value === false) continue;
    if (name.startsWith("on") && typeof value === "function") {
      element.addEventListener(name.slice(2), value as (event: Ev) => void);
    } else {
      element.setAttribute(name, value === true ? "" : String(value));
    }
  }
  for (const child of children) if (child !== undefined) element.append(child);
  return element;
}

/** The element with `id`; a missing one is the page's bug and stops loudly. */
export function byId<T extends El = El>(id: string): T {
  const element = doc.getElementById(id);
  if (element === null) throw new Error(`console: no element #${id}`);
  return element as T;
}

/** Asks `question` in the page's modal dialog; resolves true only on the Confirm button. */
export function confirmAction(question: string): Promise<boolean> {
  const dialog = byId<El>("confirm");
  byId("confirm-text").textContent = question;
  return new Promise((resolve) => {
    dialog.addEventListener("close", () => resolve(dialog.returnValue === "yes"), { once: true });
    dialog.returnValue = "";
    dialog.showModal();
    byId("confirm-no").focus();
  });
}

/** Shows a message in a status line; `error` styles it as one. */
export function say(id: string, message: string, error = false): void {
  const element = byId(id);
  element.textContent = message;
  element.classList.toggle("error", error);
}
