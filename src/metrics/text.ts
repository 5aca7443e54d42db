/**
 * Prometheus text exposition (format 0.0.4) for the few shapes etcd's dashboards read: counters and gauges,
 * with or without labels, and histograms over a fixed bucket array. Counting is a plain field increment or
 * one bucket walk; text is built only when /metrics is scraped.
 * @module
 */

/** One sample of a family: label pairs (may be empty) and a value. */
export interface Sample {
  labels?: Record<string, string>;
  value: number;
}

/** A counter or gauge family with its HELP text. */
export interface Family {
  name: string;
  help: string;
  type: "counter" | "gauge";
  samples: Sample[];
}

/** Writes a counter or gauge family: HELP, TYPE, then one line per sample. */
export function formatFamily(family: Family): string {
  let out = `# HELP ${family.name} ${escapeHelp(family.help)}\n# TYPE ${family.name} ${family.type}\n`;
  for (const sample of family.samples) out += `${family.name}${formatLabels(sample.labels)} ${formatValue(sample.value)}\n`;
  return out;
}

/**
 * A histogram with fixed upper bounds (seconds). `observe` is one bounded walk over the buckets; nothing
 * allocates until `format`.
 */
export class Histogram {
  readonly name: string;
  readonly help: string;
  readonly #bounds: readonly number[];
  readonly #counts: number[];
  #sum = 0;
  #count = 0;

  constructor(name: string, help: string, bounds: readonly number[]) {
    if (bounds.length === 0 || bounds.length > 64) throw new Error(`${name}: 1..64 buckets, got ${bounds.length}`);
    for (let i = 1; i < bounds.length; i++) {
      if (!(bounds[i]! > bounds[i - 1]!)) throw new Error(`${name}: bucket bounds must increase`);
    }
    this.name = name;
    this.help = help;
    this.#bounds = bounds;
    this.#counts = new Array<number>(bounds.length).fill(0);
  }

  /** Records one observation (seconds). */
  observe(value: number): void {
    this.#sum += value;
    this.#count++;
    // Per-bucket counts, made cumulative at format time.
    for (let i = 0; i < this.#bounds.length; i++) {
      if (value <= this.#bounds[i]!) {
        this.#counts[i]!++;
        return;
      }
    }
  }

  /** How many observations so far. */
  get count(): number {
    return this.#count;
  }

  /** The family as text, `labels` added to every line (e.g. `{To: "8e9e05c52164694d"}`). */
  format(labels?: Record<string, string>, header = true): string {
    let out = header ? `# HELP ${this.name} ${escapeHelp(this.help)}\n# TYPE ${this.name} histogram\n` : "";
    let cumulative = 0;
    for (let i = 0; i < this.#bounds.length; i++) {
      cumulative += this.#counts[i]!;
      out += `${this.name}_bucket${formatLabels({ ...labels, le: formatValue(this.#bounds[i]!) })} ${cumulative}\n`;
    }
    out += `${this.name}_bucket${formatLabels({ ...labels, le: "+Inf" })} ${this.#count}\n`;
    out += `${this.name}_sum${formatLabels(labels)} ${formatValue(this.#sum)}\n`;
    out += `${this.name}_count${formatLabels(labels)} ${this.#count}\n`;
    return out;
  }
}

/** `count` bounds starting at `start`, each `factor` times the one before (Prometheus' ExponentialBuckets). */
export function exponentialBuckets(start: number, factor: number, count: number): number[] {
  if (!(start > 0 && factor > 1 && count >= 1 && count <= 64)) throw new Error("exponentialBuckets: bad arguments");
  const bounds: number[] = [];
  for (let i = 0; i < count; i++) bounds.push(Number((start * factor ** i).toPrecision(12)));
  return bounds;
}

function formatLabels(labels: Record<string, string> | undefined): string {
  if (labels === undefined) return "";
  const pairs = Object.entries(labels);
  if (pairs.length === 0) return "";
  return `{${pairs.map(([k, v]) => `${k}="${escapeLabel(v)}"`).join(",")}}`;
}

/** Go's strconv 'g'-like output Prometheus accepts: integers plain, others shortest round-trip. */
function formatValue(value: number): string {
  if (Number.isNaN(value)) return "NaN";
  if (value === Infinity) return "+Inf";
  if (value === -Infinity) return "-Inf";
  return String(value);
}

function escapeHelp(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n");
}

function escapeLabel(text: string): string {
  return text.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/"/g, '\\"');
}
