/**
 * A strict reader of Prometheus text exposition (0.0.4) for the metrics tests: it throws on anything a
 * Prometheus server would refuse or that breaks the format's rules (a sample before its family's HELP and
 * TYPE, a family declared twice, a bad name, label or value, histogram buckets that go down or disagree with
 * _count).
 * @module
 */

/** One parsed family: its type, help text and samples (suffixed names for histograms). */
export interface ParsedFamily {
  name: string;
  type: string;
  help: string;
  samples: { name: string; labels: Record<string, string>; value: number }[];
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = new Set(["counter", "gauge", "histogram", "summary", "untyped"]);
const MAX_LINES = 100_000;

/** Parses a scrape into families by name; throws with the line number on a format error. */
export function parsePrometheusText(text: string): Map<string, ParsedFamily> {
  const families = new Map<string, ParsedFamily>();
  const helps = new Map<string, string>();
  const lines = text.split("\n");
  if (lines.length > MAX_LINES) throw new Error(`more than ${MAX_LINES} lines`);
  if (lines.at(-1) !== "") throw new Error("the text must end with a newline");
  for (let i = 0; i < lines.length - 1; i++) {
    const line = lines[i]!;
    const fail = (why: string): never => {
      throw new Error(`line ${i + 1}: ${why}: ${JSON.stringify(line)}`);
    };
    if (line.startsWith("# HELP ")) {
      const [name, ...rest] = line.slice(7).split(" ");
      if (!NAME.test(name!)) fail("bad family name");
      if (helps.has(name!)) fail("HELP given twice");
      helps.set(name!, rest.join(" "));
      continue;
    }
    if (line.startsWith("# TYPE ")) {
      const [name, type, extra] = line.slice(7).split(" ");
      if (!NAME.test(name!) || !TYPES.has(type!) || extra !== undefined) fail("bad TYPE line");
      if (families.has(name!)) fail("TYPE given twice");
      if (!helps.has(name!)) fail("TYPE before HELP");
      families.set(name!, { name: name!, type: type!, help: helps.get(name!)!, samples: [] });
      continue;
    }
    if (line.startsWith("#")) continue; // a plain comment
    if (line === "") fail("blank line");
    const sample = parseSample(line, fail);
    const family = familyOf(sample.name, families);
    if (family === undefined) fail("sample before its family's HELP and TYPE");
    family!.samples.push(sample);
  }
  for (const family of families.values()) {
    if (family.samples.length === 0) throw new Error(`${family.name}: declared without samples`);
    if (family.type === "histogram") checkHistogram(family);
  }
  for (const name of helps.keys()) if (!families.has(name)) throw new Error(`${name}: HELP without TYPE`);
  return families;
}

function parseSample(line: string, fail: (why: string) => never): ParsedFamily["samples"][number] {
  const brace = line.indexOf("{");
  const space = line.indexOf(" ");
  const labels: Record<string, string> = {};
  let rest: string;
  let name: string;
  if (brace >= 0 && brace < space) {
    name = line.slice(0, brace);
    let at = brace + 1;
    // Each pass reads one label pair; a pair is at least four characters, so this ends.
    for (let guard = 0; line[at] !== "}"; guard++) {
      if (guard > 100) fail("too many labels");
      const eq = line.indexOf("=", at);
      const key = line.slice(at, eq);
      if (!LABEL.test(key) || line[eq + 1] !== '"') fail("bad label");
      let value = "";
      let j = eq + 2;
      for (; j < line.length && line[j] !== '"'; j++) {
        if (line[j] === "\\") {
          j++;
          value += line[j] === "n" ? "\n" : line[j];
        } else value += line[j];
      }
      if (j >= line.length) fail("unterminated label value");
      if (Object.hasOwn(labels, key)) fail("label given twice");
      labels[key] = value;
      at = j + 1;
      if (line[at] === ",") at++;
    }
    rest = line.slice(at + 1);
  } else {
    name = line.slice(0, space);
    rest = line.slice(space);
  }
  if (!NAME.test(name)) fail("bad sample name");
  if (!rest.startsWith(" ")) fail("no value");
  const parts = rest.trim().split(" ");
  if (parts.length > 2) fail("trailing text");
  const value = parseValue(parts[0]!);
  if (value === undefined) fail("bad value");
  return { name, labels, value: value! };
}

function parseValue(text: string): number | undefined {
  if (text === "+Inf") return Infinity;
  if (text === "-Inf") return -Infinity;
  if (text === "NaN") return NaN;
  if (!/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(text)) return undefined;
  return Number(text);
}

function familyOf(sampleName: string, families: Map<string, ParsedFamily>): ParsedFamily | undefined {
  const direct = families.get(sampleName);
  if (direct !== undefined && direct.type !== "histogram" && direct.type !== "summary") return direct;
  for (const suffix of ["_bucket", "_sum", "_count"]) {
    if (!sampleName.endsWith(suffix)) continue;
    const family = families.get(sampleName.slice(0, -suffix.length));
    if (family?.type === "histogram" || family?.type === "summary") return family;
  }
  return undefined;
}

/** Buckets per label set rise with `le`, end at +Inf, and +Inf equals _count. */
function checkHistogram(family: ParsedFamily): void {
  const series = new Map<string, { les: number[]; counts: number[]; count?: number }>();
  for (const s of family.samples) {
    const { le, ...rest } = s.labels;
    const key = JSON.stringify(rest);
    const entry = series.get(key) ?? { les: [], counts: [] };
    series.set(key, entry);
    if (s.name.endsWith("_bucket")) {
      if (le === undefined) throw new Error(`${family.name}: bucket without le`);
      entry.les.push(le === "+Inf" ? Infinity : Number(le));
      entry.counts.push(s.value);
    } else if (s.name.endsWith("_count")) entry.count = s.value;
  }
  for (const [key, entry] of series) {
    for (let i = 1; i < entry.les.length; i++) {
      if (!(entry.les[i]! > entry.les[i - 1]!)) throw new Error(`${family.name}${key}: le not increasing`);
      if (entry.counts[i]! < entry.counts[i - 1]!) throw new Error(`${family.name}${key}: bucket counts go down`);
    }
    if (entry.les.at(-1) !== Infinity) throw new Error(`${family.name}${key}: no +Inf bucket`);
    if (entry.counts.at(-1) !== entry.count) throw new Error(`${family.name}${key}: +Inf bucket != _count`);
  }
}

/** The value of `name` (with these labels, when given) in a parsed scrape; throws when absent. */
export function valueOf(families: Map<string, ParsedFamily>, name: string, labels: Record<string, string> = {}): number {
  for (const family of families.values()) {
    for (const s of family.samples) {
      if (s.name !== name) continue;
      if (Object.entries(labels).every(([k, v]) => s.labels[k] === v)) return s.value;
    }
  }
  throw new Error(`no sample ${name}${JSON.stringify(labels)}`);
}
