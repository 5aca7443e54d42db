/**
 * The declarations of get's, put's and del's flags and usage lines, shared by the commands and by the txn
 * grammar (whose request lines are those commands), plus pflag's flag-usage layout that cobra prints when
 * such a line has a bad flag. Pure.
 * @module
 */

/** A flag's value type, as pflag names them. */
export type FlagKind = "bool" | "string" | "int" | "duration" | "stringSlice";

/** One flag of a command or of the root. */
export interface FlagSpec {
  name: string;
  short?: string;
  kind: FlagKind;
  /** Default as etcdctl prints it in help (`5s`, `[127.0.0.1:2379]`, `false`, `"l"`). */
  defaultText: string;
  description: string;
}

/** get's usage line and flags. */
export const GET_USE = "get [options] <key> [range_end]";
/** get's flags, as etcdctl 3.4 declares them. */
export const GET_FLAGS: FlagSpec[] = [
  { name: "consistency", kind: "string", defaultText: '"l"', description: "Linearizable(l) or Serializable(s)" },
  { name: "from-key", kind: "bool", defaultText: "false", description: "Get keys that are greater than or equal to the given key using byte compare" },
  { name: "keys-only", kind: "bool", defaultText: "false", description: "Get only the keys" },
  { name: "limit", kind: "int", defaultText: "0", description: "Maximum number of results" },
  { name: "order", kind: "string", defaultText: '""', description: "Order of results; ASCEND or DESCEND (ASCEND by default)" },
  { name: "prefix", kind: "bool", defaultText: "false", description: "Get keys with matching prefix" },
  { name: "print-value-only", kind: "bool", defaultText: "false", description: 'Only write values when using the "simple" output format' },
  { name: "rev", kind: "int", defaultText: "0", description: "Specify the kv revision" },
  { name: "sort-by", kind: "string", defaultText: '""', description: "Sort target; CREATE, KEY, MODIFY, VALUE, or VERSION" },
];

/** put's usage line and flags. */
export const PUT_USE = "put [options] <key> <value> (<value> can also be given from stdin)";
/** put's flags. */
export const PUT_FLAGS: FlagSpec[] = [
  { name: "ignore-lease", kind: "bool", defaultText: "false", description: "updates the key using its current lease" },
  { name: "ignore-value", kind: "bool", defaultText: "false", description: "updates the key using its current value" },
  { name: "lease", kind: "string", defaultText: '"0"', description: "lease ID (in hexadecimal) to attach to the key" },
  { name: "prev-kv", kind: "bool", defaultText: "false", description: "return the previous key-value pair before modification" },
];

/** del's usage line and flags. */
export const DEL_USE = "del [options] <key> [range_end]";
/** del's flags. */
export const DEL_FLAGS: FlagSpec[] = [
  { name: "from-key", kind: "bool", defaultText: "false", description: "delete keys that are greater than or equal to the given key using byte compare" },
  { name: "prefix", kind: "bool", defaultText: "false", description: "delete keys with matching prefix" },
  { name: "prev-kv", kind: "bool", defaultText: "false", description: "return deleted key-value pairs" },
];

const PFLAG_TYPE_NAMES: Record<FlagKind, string> = {
  bool: "",
  string: "string",
  int: "int",
  duration: "duration",
  stringSlice: "strings",
};

function isZeroDefault(spec: FlagSpec): boolean {
  return ["false", "0", '""', "[]", "0s"].includes(spec.defaultText);
}

/** pflag's FlagUsages: sorted, names then type, descriptions aligned three spaces past the longest. */
export function pflagUsages(flags: FlagSpec[]): string {
  const rows = [...flags].sort((a, b) => a.name.localeCompare(b.name)).map((spec) => {
    const names = spec.short !== undefined ? `  -${spec.short}, --${spec.name}` : `      --${spec.name}`;
    const type = PFLAG_TYPE_NAMES[spec.kind];
    const left = type === "" ? names : `${names} ${type}`;
    const defaultText = isZeroDefault(spec) ? "" : ` (default ${spec.defaultText})`;
    return { left, right: spec.description + defaultText };
  });
  const width = Math.max(...rows.map((r) => r.left.length));
  return rows.map((r) => `${r.left.padEnd(width)}   ${r.right}\n`).join("");
}

/** cobra's default usage of a subcommand whose parent has no name (what txn request lines print). */
export function cobraSubcommandUsage(use: string, flags: FlagSpec[]): string {
  const name = use.split(" ")[0]!;
  const help: FlagSpec = { name: "help", short: "h", kind: "bool", defaultText: "false", description: `help for ${name}` };
  return `Usage:\n   ${use} [flags]\n\nFlags:\n${pflagUsages([...flags, help])}\n`;
}
