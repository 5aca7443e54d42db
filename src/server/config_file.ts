/**
 * `--config-file`: etcd's YAML configuration file (embed.Config's keys) turned into flag values, so the
 * file and the command line go through one validation (src/server/config.ts). Pure: text in, values out.
 *
 * The keys are the flags' names; the URL lists are comma-separated strings as in etcd
 * (`listen-client-urls: http://a:2379,http://b:2379`); `log-outputs` is a YAML list; TLS lives in the
 * `client-transport-security:` and `peer-transport-security:` maps (`cert-file`, `key-file`,
 * `client-cert-auth`, `trusted-ca-file`, `auto-tls`). Durations are nanoseconds, as etcd reads them
 * (a Go duration string such as "10m" is taken too). Stricter than etcd, which ignores a key it does not
 * know: an unknown key is refused like an unknown flag, and an etcd key tsetcd does not implement like an
 * unsupported flag, unless it is empty or its value changes nothing (src/server/etcd_flags.ts), so etcd's
 * own sample file (etcd.conf.yml.sample) loads once its enable-v2 and enable-pprof are turned off.
 * @example
 * configFileValues("name: n1\ndata-dir: /var/lib/etcd\n", { kindOf: (k) => "string" })
 * @module
 */
import { parse } from "yaml";
import { ETCD_34_FLAGS, isHarmlessValue, unsupportedFlagMessage } from "./etcd_flags.ts";

/** How a flag's value is written ("duration": Go's syntax). */
export type ConfigValueKind = "string" | "int" | "bool" | "duration";

/** What the parser needs from the flag table. */
export interface ConfigFileOptions {
  /** The kind of a flag tsetcd implements, undefined for any other name. */
  kindOf: (flag: string) => ConfigValueKind | undefined;
}

/** The TLS maps and the flag prefix each one's keys take. */
const SECURITY_MAPS: Record<string, "" | "peer-"> = {
  "client-transport-security": "",
  "peer-transport-security": "peer-",
};
/** The keys of etcd's securityConfig (3.4). */
const SECURITY_KEYS = new Set(["cert-file", "key-file", "client-cert-auth", "trusted-ca-file", "auto-tls"]);
/**
 * Flags that are not keys of etcd's file: the TLS ones live in the maps above; the others only make sense
 * on a command line.
 */
const NOT_FILE_KEYS = new Set([
  ...[...SECURITY_KEYS].flatMap((k) => [k, `peer-${k}`]),
  "config-file", "version", "help",
]);
/** Upper bound on keys, so a hostile file cannot make validation slow. */
const MAX_KEYS = 1_000;
/** Nanoseconds per millisecond (etcd's YAML durations are Go's time.Duration: nanoseconds). */
const NS_PER_MS = 1_000_000;

/**
 * Reads an etcd YAML configuration file into flag name → flag text (as the command line would give it).
 * Returns a message when the file is not such a configuration.
 */
export function configFileValues(text: string, options: ConfigFileOptions): Map<string, string> | string {
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (err) {
    return `error converting YAML to JSON: ${(err as Error).message.split("\n")[0]}`;
  }
  const out = new Map<string, string>();
  if (doc === null || doc === undefined) return out;
  if (!isMap(doc)) return "the configuration file must be a YAML mapping of etcd's configuration keys";
  const entries = Object.entries(doc);
  if (entries.length > MAX_KEYS) return `too many keys (${entries.length})`;
  for (const [key, value] of entries) {
    const prefix = SECURITY_MAPS[key];
    const bad = prefix === undefined ? addValue(out, key, value, options) : addSecurity(out, key, prefix, value);
    if (bad !== undefined) return bad;
  }
  return out;
}

function addSecurity(out: Map<string, string>, key: string, prefix: "" | "peer-", value: unknown): string | undefined {
  if (value === null) return undefined;
  if (!isMap(value)) return `${key} must be a mapping (cert-file, key-file, client-cert-auth, trusted-ca-file, auto-tls)`;
  for (const [sub, subValue] of Object.entries(value)) {
    if (!SECURITY_KEYS.has(sub)) return `unknown key "${key}.${sub}" in the configuration file`;
    if (subValue === null) continue; // `cert-file:` with nothing: the default, as etcd's
    const kind = sub === "client-cert-auth" || sub === "auto-tls" ? "bool" : "string";
    const text = scalarText(`${key}.${sub}`, kind, subValue);
    if (text.error !== undefined) return text.error;
    out.set(`${prefix}${sub}`, text.value);
  }
  return undefined;
}

function addValue(out: Map<string, string>, key: string, value: unknown, options: ConfigFileOptions): string | undefined {
  const kind = NOT_FILE_KEYS.has(key) ? undefined : options.kindOf(key);
  if (kind === undefined) {
    if (!ETCD_34_FLAGS.has(key) || NOT_FILE_KEYS.has(key)) return `unknown key "${key}" in the configuration file`;
    // An etcd key tsetcd lacks: fine left empty or at a value that changes nothing (etcd's sample has many).
    const text = value === null ? "" : Array.isArray(value) ? value.map(String).join(",") : String(value);
    return isHarmlessValue(key, text) || value === null ? undefined : unsupportedFlagMessage(key, text);
  }
  if (value === null) return undefined; // `key:` with nothing: etcd keeps the default
  // etcd's log-outputs is a list; a comma string is taken too, as on the command line.
  if (key === "log-outputs" && Array.isArray(value)) {
    if (!value.every((v) => typeof v === "string")) return "log-outputs must be a list of strings";
    out.set(key, value.join(","));
    return undefined;
  }
  const text = scalarText(key, kind, value);
  if (text.error !== undefined) return text.error;
  out.set(key, text.value);
  return undefined;
}

type Scalar = { value: string; error?: undefined } | { value?: undefined; error: string };

/** A YAML scalar as the flag's text; the kind checks come after, with the command line's messages. */
function scalarText(key: string, kind: ConfigValueKind, value: unknown): Scalar {
  const wrong = (want: string): Scalar => ({ error: `${key}: expected ${want}, got ${JSON.stringify(value)}` });
  switch (kind) {
    case "bool":
      return typeof value === "boolean" ? { value: String(value) } : wrong("true or false");
    case "int":
      return typeof value === "number" && Number.isSafeInteger(value) && value >= 0 ? { value: String(value) } : wrong("a non-negative integer");
    case "duration":
      if (typeof value === "number" && Number.isSafeInteger(value) && value >= 0) return { value: `${value / NS_PER_MS}ms` };
      return typeof value === "string" ? { value } : wrong("a duration in nanoseconds");
    case "string":
      if (typeof value === "string") return { value };
      return typeof value === "number" || typeof value === "boolean" ? { value: String(value) } : wrong("a string");
  }
}

function isMap(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}
