/**
 * The command sequences the differential CLI test runs through both etcdctl (against etcd 3.4) and tsetcd
 * (against tsetcd). `<EP>` stands for the side's live endpoint, `<DEAD>` for a port nobody listens on.
 * Order matters: both stores start empty, so revisions stay equal case by case.
 */

/** One command line, optional stdin and environment. */
export interface CliCase {
  args: string[];
  stdin?: string;
  env?: Record<string, string>;
  /** Leave out the default `--endpoints <EP>` (the case sets endpoints itself). */
  noEndpoint?: boolean;
}

function c(line: string, extra: Omit<CliCase, "args"> = {}): CliCase {
  return { args: splitLine(line), ...extra };
}

/** Splits on spaces; single quotes group words ('' is an empty argument). */
function splitLine(line: string): string[] {
  const words: string[] = [];
  for (const match of line.matchAll(/'([^']*)'|(\S+)/g)) words.push(match[1] ?? match[2]!);
  return words;
}

/** put, including stdin values, flags, formats and argument errors. */
export const PUT_CASES: CliCase[] = [
  c("put foo bar"),
  c("put foo bar2 --prev-kv"),
  c("put foo bar3 --prev-kv -w json"),
  c("put foo bar4 --prev-kv -w fields"),
  c("put foo bar -w table"),
  c("put foo bar --prev-kv -w protobuf"),
  c("put a 1"),
  c("put b 2"),
  c("put c 3"),
  c("put k 'hello world'"),
  c("put stdinkey", { stdin: "from stdin\n" }),
  c("put big", { stdin: "0123456789".repeat(30_000) }), // 300 kB: output must survive a pipe
  c("put"),
  c("put onlykey", { stdin: "" }),
  c("put --ignore-value foo"),
  c("put --ignore-value foo bar"),
  c("put --ignore-value nokey"),
  c("put foo bar --lease=zz"),
  c("put foo bar --lease=1234"),
  c("put foo bar --ignore-lease"),
  c("put foo bar --hex"),
  c("put foo bar -w fields --hex"),
  c("put foo bar -w json --hex"),
  c("put foo bar --prev-kv --hex"),
  c("put 'ü\\x01\"' 'a\tb'"),
  c("put -- dash -value"),
  c("put a<b>& x -w json --prev-kv"),
  c("put x y -w xml"),
];

/** get: ranges, every flag, every format, errors. */
export const GET_CASES: CliCase[] = [
  c("get foo"),
  c("get big -w json"),
  c("get foo -w json"),
  c("get foo --hex"),
  c("get foo --hex -w json"),
  c("get foo -w fields --hex"),
  c("get a --prefix -w fields"),
  c("get a c"),
  c("get a c extra"),
  c("get --from-key b"),
  c("get '' --prefix --keys-only"),
  c("get '' --from-key --limit 3"),
  c("get '' --prefix --limit 2 -w json"),
  c("get '' --prefix --limit 2 -w fields"),
  c("get nokey"),
  c("get nokey -w json"),
  c("get nokey -w fields"),
  c("get foo -w table"),
  c("get foo -w xml"),
  c("get '' --prefix -w protobuf"),
  c("get a --prefix --print-value-only"),
  c("get a --print-value-only -w json"),
  c("get 'ü\\x01\"' -w fields"),
  c("get 'ü\\x01\"' -w json"),
  c("get '' --prefix --sort-by=VALUE --order=DESCEND"),
  c("get '' --prefix --sort-by=create --order=ascend --keys-only"),
  c("get '' --prefix --sort-by=MODIFY --order=DESCEND --limit 2"),
  c("get '' --prefix --sort-by=VERSION"),
  c("get '' --prefix --order=DESCEND --keys-only"),
  c("get '' --prefix --sort-by=KEY --order=ASCEND --limit 1 -w json"),
  c("get --sort-by=bad a"),
  c("get --order=bad a"),
  c("get --consistency=x a"),
  c("get --consistency=s foo"),
  c("get a --rev=1"),
  c("get foo --rev=3 -w json"),
  c("get a --rev=99999"),
  c("get"),
  c("get a --prefix --from-key"),
  c("get a z --prefix"),
  c("get --count-only a"),
  c("get a --limit x"),
  c("get a --limit"),
  c("get a --prefix=maybe"),
  c("get a --prefix=false"),
  c("get foo --keys-only -w json"),
  c("ge foo"),
];

/** del. */
export const DEL_CASES: CliCase[] = [
  c("del nokey"),
  c("put d1 x"),
  c("put d2 y"),
  c("del d --prefix --prev-kv"),
  c("del a -w json --prev-kv"),
  c("del b -w fields --prev-kv"),
  c("del b -w fields"),
  c("del"),
  c("del a b c"),
  c("del a --prefix --from-key"),
  c("del c d --prefix"),
  c("put e1 1"),
  c("put e2 2"),
  c("del e1 e3 -w json"),
  c("del dash --from-key --prev-kv"),
  c("get '' --prefix"),
];

const TXN = "txn";

/** txn: the stdin grammar, -i prompts, formats and every parse error. */
export const TXN_CASES: CliCase[] = [
  c("put foo bar"),
  c(TXN, { stdin: 'value("foo") = "bar"\n\nput foo baz\nget foo\n\nput x y\n\n' }),
  c(TXN, { stdin: 'value("foo") = "nope"\n\nput foo baz\n\nput x y\ndel x\n\n' }),
  c(`${TXN} -w json`, { stdin: 'val("foo") = "baz"\n\nget foo\nput foo bar --prev-kv\ndel nokey\n\n\n' }),
  c(`${TXN} -w json`, { stdin: 'val("foo") = "bar"\n\nput foo bar2\nget foo\n\n\n' }),
  c(`${TXN} -w fields`, { stdin: 'mod("foo") > "0"\nver("foo") < "100"\nc("foo") != "0"\n\nget foo --prefix\nput "a b" "c d"\ndel nokey\n\n\n' }),
  c(`${TXN} -w protobuf`, { stdin: 'val("foo") = "bar2"\n\nget foo\nput "%d%" "100%%"\ndel zz\n\n\n' }),
  c(`${TXN} --hex`, { stdin: 'val("foo") = "bar2"\n\nget foo\nput foo bar --prev-kv\ndel zz\n\n\n' }),
  c(`${TXN} -i`, { stdin: 'value("foo") = "baz"\n\nput foo q\n\n\n' }),
  c(`${TXN} --interactive`, { stdin: "\n\nget foo\n\n" }),
  c(TXN, { stdin: 'value("foo") = "bar"\n\nput foo baz\nget foo\n\nput x y\n' }),
  c(TXN, { stdin: "bogus\n" }),
  c(`${TXN} -i`, { stdin: "bogus\n" }),
  c(TXN, { stdin: 'value("foo") = "baz"\n\nbogus op\n' }),
  c(TXN, { stdin: 'value("foo") = "baz"\n' }),
  c(TXN, { stdin: "" }),
  c(`${TXN} foo`, { stdin: "" }),
  c(TXN, { stdin: 'ver("foo") = "x"\n\n\n\n' }),
  c(TXN, { stdin: 'lease("foo") = "0"\n\n\n\n' }),
  c(TXN, { stdin: 'zzz("foo") = "0"\n\n\n\n' }),
  c(TXN, { stdin: 'value("foo") = bar\n\n\n\n' }),
  c(TXN, { stdin: 'val("foo") = "0"\n\nput foo\n\n\n' }),
  c(TXN, { stdin: "\n\nput 'ab' 'cd'\n\n" }),
  c(TXN, { stdin: "\n\nput 'ab' 'cd' 'ef'\n\n" }),
  c(TXN, { stdin: "\n\nget\n\n" }),
  c(TXN, { stdin: "\n\nget a --bogus\n\n" }),
  c(TXN, { stdin: '\n\nget a --prefix --from-key\n\n' }),
  c(TXN, { stdin: '\n\nput k1 v1\nput k1 v2\n\n' }),
  c(TXN, { stdin: "\n\n\n\n" }),
  c("get k --prefix"),
];

/** compaction, and reads of compacted revisions. */
export const COMPACTION_CASES: CliCase[] = [
  c("compaction 5"),
  c("compaction 3"),
  c("compaction --physical 7"),
  c("compaction 999999"),
  c("compaction"),
  c("compaction x"),
  c("compaction 1 2"),
  c("get foo --rev 2"),
  c("get foo --rev 7 -w json"),
  c("compaction 8 -w xml"),
];

/** endpoint and member commands in every format, help and version. */
export const CLUSTER_CASES: CliCase[] = [
  c("endpoint status"),
  c("endpoint status -w json"),
  c("endpoint status -w fields"),
  c("endpoint status -w table"),
  c("endpoint status -w xml"),
  c("endpoint status --cluster -w json"),
  c("endpoint health"),
  c("endpoint health --cluster"),
  c("endpoint health -w json"),
  c("endpoint health -w fields"),
  c("endpoint health -w table"),
  c("member list"),
  c("member list -w json"),
  c("member list -w fields"),
  c("member list -w table"),
  c("member list -w protobuf"),
  c("endpoint status -w protobuf"),
  c("version"),
  c("bogus"),
  c("--bogus get"),
  c("get a -x"),
];

/** Connection failures and endpoint selection (kept short with --command-timeout). */
export const CONNECTION_CASES: CliCase[] = [
  c("--endpoints <DEAD> --command-timeout 1s get foo", { noEndpoint: true }),
  c("--endpoints <DEAD> --command-timeout 1s put foo bar", { noEndpoint: true }),
  c("--endpoints <DEAD> --command-timeout 1s endpoint health", { noEndpoint: true }),
  c("--endpoints <DEAD> --command-timeout 1s endpoint status -w json", { noEndpoint: true }),
  c("--endpoints <DEAD>,<EP> --command-timeout 1s endpoint status", { noEndpoint: true }),
  c("--endpoints <DEAD>,<EP> get foo", { noEndpoint: true }),
  c("--endpoints <DEAD> --command-timeout 1s endpoint status --cluster", { noEndpoint: true }),
  c("get foo", { noEndpoint: true, env: { ETCDCTL_ENDPOINTS: "<EP>" } }),
  c("--dial-timeout x get foo", { noEndpoint: true }),
];
