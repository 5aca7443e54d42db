/**
 * Flag → request mapping for get, put and del, with etcdctl 3.4's argument checks, error messages and
 * exit codes (get_command.go, put_command.go, del_command.go and clientv3's op options). Pure; the txn
 * grammar reuses it for its request lines.
 * @module
 */
import {
  type DeleteRangeRequest,
  type PutRequest,
  type RangeRequest,
  SortOrder,
  SortTarget,
} from "../src/codec/messages.ts";
import { CliError, ExitCode } from "./errors.ts";
import { utf8 } from "./format.ts";
import { NUL_KEY, prefixEnd } from "../src/client/keys.ts";

/** get's flags, as etcdctl names them. */
export interface GetFlags {
  consistency: string;
  order: string;
  sortBy: string;
  limit: number;
  prefix: boolean;
  fromKey: boolean;
  rev: number;
  keysOnly: boolean;
}

/** put's flags. `lease` is the hexadecimal text given to `--lease`. */
export interface PutFlags {
  lease: string;
  prevKv: boolean;
  ignoreValue: boolean;
  ignoreLease: boolean;
}

/** del's flags. */
export interface DelFlags {
  prefix: boolean;
  prevKv: boolean;
  fromKey: boolean;
}

/** Defaults as etcdctl declares them. */
export const GET_DEFAULTS: GetFlags = {
  consistency: "l",
  order: "",
  sortBy: "",
  limit: 0,
  prefix: false,
  fromKey: false,
  rev: 0,
  keysOnly: false,
};
/** put's defaults. */
export const PUT_DEFAULTS: PutFlags = { lease: "0", prevKv: false, ignoreValue: false, ignoreLease: false };
/** del's defaults. */
export const DEL_DEFAULTS: DelFlags = { prefix: false, prevKv: false, fromKey: false };

const NUL = NUL_KEY;

/** Re-exported for the txn grammar and tests: etcd's prefix range end. */
export { prefixEnd };

interface KeyRange {
  key: Uint8Array;
  range_end?: Uint8Array;
}

/** Applies `[range_end]`, `--prefix` and `--from-key` in etcdctl's order. */
function keyRange(args: string[], prefix: boolean, fromKey: boolean): KeyRange {
  let key = utf8(args[0]!);
  let rangeEnd: Uint8Array | undefined = args.length > 1 ? utf8(args[1]!) : undefined;
  if (prefix) {
    if (key.length === 0) [key, rangeEnd] = [NUL, NUL];
    else rangeEnd = prefixEnd(key);
  }
  if (fromKey) {
    if (key.length === 0) key = NUL;
    rangeEnd = NUL;
  }
  return rangeEnd === undefined ? { key } : { key, range_end: rangeEnd };
}

function badArgs(message: string): CliError {
  return new CliError(ExitCode.BadArgs, message);
}

function checkBothRangeFlags(prefix: boolean, fromKey: boolean): void {
  if (prefix && fromKey) {
    throw badArgs("`--prefix` and `--from-key` cannot be set at the same time, choose one");
  }
}

function checkSingleArgument(args: string[], prefix: boolean, fromKey: boolean): void {
  if (args.length > 1 && (prefix || fromKey)) {
    throw badArgs("too many arguments, only accept one argument when `--prefix` or `--from-key` is set");
  }
}

const SORT_TARGETS: Record<string, SortTarget> = {
  CREATE: SortTarget.CREATE,
  KEY: SortTarget.KEY,
  MODIFY: SortTarget.MOD,
  VALUE: SortTarget.VALUE,
  VERSION: SortTarget.VERSION,
  "": SortTarget.KEY,
};

const SORT_ORDERS: Record<string, SortOrder> = {
  ASCEND: SortOrder.ASCEND,
  DESCEND: SortOrder.DESCEND,
  "": SortOrder.NONE,
};

/**
 * `get [options] <key> [range_end]` → RangeRequest. Extra arguments beyond two are ignored, as etcdctl does.
 * @example rangeRequestFromArgs(["a"], { ...GET_DEFAULTS, prefix: true }) // key "a", range_end "b"
 */
export function rangeRequestFromArgs(args: string[], flags: GetFlags): RangeRequest {
  if (args.length === 0) {
    throw badArgs("get command needs one argument as key and an optional argument as range_end");
  }
  checkBothRangeFlags(flags.prefix, flags.fromKey);
  if (flags.consistency !== "s" && flags.consistency !== "l") {
    throw new CliError(ExitCode.BadFeature, `unknown consistency flag "${flags.consistency}"`);
  }
  checkSingleArgument(args, flags.prefix, flags.fromKey);
  let order = SORT_ORDERS[flags.order.toUpperCase()];
  if (order === undefined) throw new CliError(ExitCode.BadFeature, `bad sort order ${flags.order}`);
  const target = SORT_TARGETS[flags.sortBy.toUpperCase()];
  if (target === undefined) throw new CliError(ExitCode.BadFeature, `bad sort target ${flags.sortBy}`);
  // clientv3 drops ascending-by-key: the server returns keys in that order anyway, and a sort order makes
  // it fetch the whole range before applying the limit.
  if (target === SortTarget.KEY && order === SortOrder.ASCEND) order = SortOrder.NONE;
  const request: RangeRequest = { ...keyRange(args, flags.prefix, flags.fromKey) };
  if (flags.limit !== 0) request.limit = flags.limit;
  if (flags.rev > 0) request.revision = flags.rev;
  if (order !== SortOrder.NONE) request.sort_order = order;
  if (target !== SortTarget.KEY) request.sort_target = target;
  if (flags.consistency === "s") request.serializable = true;
  if (flags.keysOnly) request.keys_only = true;
  return request;
}

const INT64_MAX = (1n << 63n) - 1n;

/** Go's strconv.ParseInt(text, base, 64); returns the value or the error text Go gives. */
export function parseGoInt(text: string, base: 10 | 16): bigint | string {
  const digits = base === 16 ? /^[+-]?[0-9a-fA-F]+$/ : /^[+-]?[0-9]+$/;
  if (!digits.test(text)) return `strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`;
  const negative = text.startsWith("-");
  const body = text.replace(/^[+-]/, "");
  const magnitude = BigInt(base === 16 ? "0x" + body : body);
  if (magnitude > INT64_MAX + (negative ? 1n : 0n)) {
    return `strconv.ParseInt: parsing ${JSON.stringify(text)}: value out of range`;
  }
  return negative ? -magnitude : magnitude;
}

/**
 * `put [options] <key> <value>` → PutRequest. `stdin` is called only when the value must come from
 * standard input; it returns everything read (undefined or empty when nothing was).
 */
export function putRequestFromArgs(
  args: string[],
  flags: PutFlags,
  stdin: () => Uint8Array | undefined,
): PutRequest {
  const needs = "put command needs 1 argument and input from stdin or 2 arguments";
  if (args.length === 0) throw badArgs(needs);
  if (flags.ignoreValue && args.length > 1) {
    throw badArgs("put command needs only 1 argument when 'ignore-value' is set");
  }
  let value: Uint8Array = new Uint8Array();
  if (!flags.ignoreValue) {
    if (args.length > 1) value = utf8(args[1]!);
    else {
      const input = stdin();
      if (input === undefined || input.length === 0) throw badArgs(needs);
      value = input;
    }
  }
  const lease = parseGoInt(flags.lease, 16);
  if (typeof lease === "string") throw badArgs(`bad lease ID (${lease}), expecting ID in Hex`);
  const request: PutRequest = { key: utf8(args[0]!), value };
  if (lease !== 0n) request.lease = lease;
  if (flags.prevKv) request.prev_kv = true;
  if (flags.ignoreValue) request.ignore_value = true;
  if (flags.ignoreLease) request.ignore_lease = true;
  return request;
}

/** `del [options] <key> [range_end]` → DeleteRangeRequest. */
export function deleteRequestFromArgs(args: string[], flags: DelFlags): DeleteRangeRequest {
  if (args.length === 0 || args.length > 2) {
    throw badArgs("del command needs one argument as key and an optional argument as range_end");
  }
  checkBothRangeFlags(flags.prefix, flags.fromKey);
  checkSingleArgument(args, flags.prefix, flags.fromKey);
  const request: DeleteRangeRequest = { ...keyRange(args, flags.prefix, flags.fromKey) };
  if (flags.prevKv) request.prev_kv = true;
  return request;
}
