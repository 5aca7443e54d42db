/**
 * `tsetcd alarm list` and `tsetcd alarm disarm`: etcdctl 3.4's alarm commands, output and exit codes.
 *
 * disarm is etcdctl's clientv3 AlarmDisarm with no member or type: it lists the raised alarms, disarms each
 * one with its own request, and prints the ones the disarms answered. etcd 3.4 answers alarms without a
 * header, so json leaves the header out, and etcdctl's fields printer (which reads the header) panics:
 * nothing on stdout, the panic on stderr, exit code 2 — reproduced here, since a script sees exactly that
 * from etcdctl. table is not supported for alarms (exit 4).
 * @module
 */
import { type AlarmMember, type AlarmResponse, AlarmType } from "../src/codec/messages.ts";
import { type CommandContext, type CommandSpec, clientFrom, emit, printOptionsFrom } from "./command.ts";
import { CliError, ExitCode } from "./errors.ts";
import type { Printed, PrintOptions } from "./printer.ts";
import { protoAlarms } from "./protobuf.ts";

/** Bound on alarms disarmed by one `alarm disarm` (the list holds at most two per member). */
const MAX_DISARMS = 10_000;

const TYPE_NAMES: Record<number, string> = { [AlarmType.NONE]: "NONE", [AlarmType.NOSPACE]: "NOSPACE", [AlarmType.CORRUPT]: "CORRUPT" };

/** gogo-protobuf's text of an AlarmMember, as Go's `%+v` prints it (a zero field is left out). */
function alarmText(a: AlarmMember): string {
  const memberPart = a.memberID === 0n ? "" : `memberID:${a.memberID} `;
  const alarmPart = a.alarm === AlarmType.NONE ? "" : `alarm:${TYPE_NAMES[a.alarm] ?? a.alarm} `;
  return memberPart + alarmPart;
}

function alarmJson(a: AlarmMember): string {
  const fields = [a.memberID === 0n ? "" : `"memberID":${a.memberID}`, a.alarm === AlarmType.NONE ? "" : `"alarm":${a.alarm}`];
  return `{${fields.filter((f) => f !== "").join(",")}}`;
}

/** etcdctl 3.4's output of an alarm answer in each -w format. */
export function printAlarms(alarms: AlarmMember[], options: PrintOptions): Printed {
  switch (options.format) {
    case "simple":
      return { stdout: alarms.map((a) => `${alarmText(a)}\n`).join(""), stderr: "" };
    case "json":
      return { stdout: alarms.length === 0 ? "{}\n" : `{"alarms":[${alarms.map(alarmJson).join(",")}]}\n`, stderr: "" };
    case "protobuf":
      return { stdout: "", stderr: "", stdoutBytes: protoAlarms(alarms) };
    case "fields":
      throw new CliError(
        ExitCode.BadConnection,
        "panic: runtime error: invalid memory address or nil pointer dereference\n" +
          "(etcdctl 3.4's fields printer reads the header etcd's alarm answers lack; tsetcd ends as it does)\n",
        { raw: true },
      );
    default:
      throw new CliError(ExitCode.BadFeature, `${options.format} not supported as output format`);
  }
}

function noArguments(ctx: CommandContext, name: string): void {
  if (ctx.args.length !== 0) throw new CliError(ExitCode.BadArgs, `alarm ${name} command accepts no arguments`);
}

async function runList(ctx: CommandContext): Promise<number> {
  noArguments(ctx, "list");
  const options = printOptionsFrom(ctx.globals);
  const answer: AlarmResponse = await clientFrom(ctx.globals).alarm({ action: 0, memberID: 0n, alarm: AlarmType.NONE });
  emit(ctx.io, printAlarms(answer.alarms ?? [], options));
  return 0;
}

async function runDisarm(ctx: CommandContext): Promise<number> {
  noArguments(ctx, "disarm");
  const options = printOptionsFrom(ctx.globals);
  const client = clientFrom(ctx.globals);
  const raised = (await client.alarm({ action: 0, memberID: 0n, alarm: AlarmType.NONE })).alarms ?? [];
  const disarmed: AlarmMember[] = [];
  for (const a of raised.slice(0, MAX_DISARMS)) {
    const answer = await client.alarm({ action: 2, memberID: a.memberID, alarm: a.alarm as AlarmType });
    disarmed.push(...(answer.alarms ?? []));
  }
  emit(ctx.io, printAlarms(disarmed, options));
  return 0;
}

/** `alarm list` and `alarm disarm`. */
export const ALARM_COMMANDS: CommandSpec[] = [
  {
    path: ["alarm", "disarm"],
    use: "alarm disarm",
    short: "Disarms all alarms",
    examples: [],
    flags: [],
    run: runDisarm,
  },
  {
    path: ["alarm", "list"],
    use: "alarm list",
    short: "Lists all alarms",
    examples: [],
    flags: [],
    run: runList,
  },
];
