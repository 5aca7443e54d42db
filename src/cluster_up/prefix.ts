/**
 * Member log lines with a member prefix: chunks from a pipe are cut into whole lines, each printed as
 * `name | line`. Pure apart from the colour function passed in.
 * @module
 */

/** A line longer than this is cut, so a member that never prints "\n" cannot grow our buffer without end. */
export const MAX_LINE_CHARS = 64 * 1024;

/**
 * Returns a function that takes text chunks and answers the complete lines seen so far, prefixed; call
 * it with `undefined` at end of stream to flush a last line without "\n".
 * @example const cut = linePrefixer("m1", (s) => s); cut("a\nb"); // ["m1 | a"]; cut(undefined) // ["m1 | b"]
 */
export function linePrefixer(label: string, paint: (text: string) => string): (chunk: string | undefined) => string[] {
  const prefix = `${paint(label)} | `;
  let pending = "";
  return (chunk) => {
    const out: string[] = [];
    if (chunk === undefined) {
      if (pending !== "") out.push(prefix + pending);
      pending = "";
      return out;
    }
    pending += chunk;
    for (let turn = 0; turn < MAX_LINE_CHARS; turn++) {
      const newline = pending.indexOf("\n");
      if (newline < 0) break;
      out.push(prefix + pending.slice(0, newline).replace(/\r$/, ""));
      pending = pending.slice(newline + 1);
    }
    while (pending.length > MAX_LINE_CHARS) {
      out.push(prefix + pending.slice(0, MAX_LINE_CHARS));
      pending = pending.slice(MAX_LINE_CHARS);
    }
    return out;
  };
}

/** Pads member names to one width so the log columns line up. */
export function paddedLabels(names: string[]): string[] {
  const width = Math.max(0, ...names.map((n) => n.length));
  return names.map((n) => n.padEnd(width));
}
