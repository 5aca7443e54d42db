/**
 * The part of the browser's DOM the console uses, typed here because the project typechecks without the DOM
 * library (its fetch and body types clash with Bun's). Only the browser bundle touches `doc` at run time.
 * @module
 */

/** An element as the console uses it. */
export interface El {
  id: string;
  hidden: boolean;
  textContent: string | null;
  value: string;
  checked: boolean;
  returnValue: string;
  readonly childElementCount: number;
  readonly lastElementChild: El | null;
  readonly children: ArrayLike<El>;
  readonly classList: { toggle(name: string, force?: boolean): boolean };
  setAttribute(name: string, value: string): void;
  getAttribute(name: string): string | null;
  addEventListener(type: string, listener: (event: Ev) => void, options?: { once?: boolean }): void;
  append(...nodes: (El | string)[]): void;
  prepend(...nodes: (El | string)[]): void;
  replaceChildren(...nodes: (El | string)[]): void;
  remove(): void;
  focus(): void;
  showModal(): void;
}

/** An event as the console uses it. */
export interface Ev {
  preventDefault(): void;
  readonly target: El;
}

/** The document as the console uses it. */
export interface Doc {
  getElementById(id: string): El | null;
  createElement(tag: string): El;
  querySelector(selector: string): El | null;
}

/** The page's document; undefined outside a browser (the unit tests never reach it). */
export const doc: Doc = (globalThis as { document?: Doc }).document as Doc;
