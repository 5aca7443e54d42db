/**
 * The logger: zap JSON lines with etcd's keys, capnslog-style text, level filtering, several outputs and a
 * file; the flags' checks; and `tsetcd server --logger zap --log-outputs stderr,<file>` writing its start and
 * stop as JSON lines to both.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Logger, textLine, zapLine } from "../../src/log/mod.ts";
import { parseServerArgs } from "../../src/server/config.ts";
import { singleMemberArgs, spawnServer, stopServer } from "../server/process_helpers.ts";

const dir = mkdtempSync(join(tmpdir(), "tsetcd-log-"));
const AT = new Date("2026-12-07T23:05:01.123Z");

test.after(() => rmSync(dir, { recursive: true, force: true }));

test("zap lines: level, ts, caller when given, msg, then the fields, as one JSON object", () => {
  const line = zapLine("warn", "slow fdatasync", { caller: "server/member.ts", took: "1.2s", "member-id": 12n }, AT);
  assert.ok(line.endsWith("\n"));
  assert.is(line, '{"level":"warn","ts":"2026-12-07T23:05:01.123Z","caller":"server/member.ts","msg":"slow fdatasync","took":"1.2s","member-id":"12"}\n');
  assert.equal(Object.keys(JSON.parse(zapLine("info", "x", {}, AT))), ["level", "ts", "msg"]);
});

test("text lines: capnslog's date, level letter and message", () => {
  assert.is(textLine("info", "ready", { addresses: ["http://a"] }, AT), '2026-12-07 23:05:01.123000 I | tsetcd: ready addresses=["http://a"]\n');
  assert.is(textLine("error", "x", {}, AT), "2026-12-07 23:05:01.123000 E | tsetcd: x\n");
});

test("--log-level drops the lines below it; every output gets every line", () => {
  const a = join(dir, "a.log");
  const b = join(dir, "b.log");
  const log = new Logger({ format: "zap", level: "warn", outputs: [a, b] });
  log.debug("d");
  log.info("i");
  log.warn("w", { n: 1 });
  log.error("e");
  log.write("fatal", "f");
  log.close();
  for (const path of [a, b]) {
    const lines = readFileSync(path, "utf8").trimEnd().split("\n").map((l) => JSON.parse(l));
    assert.equal(lines.map((l) => [l.level, l.msg]), [["warn", "w"], ["error", "e"], ["fatal", "f"]]);
    assert.is(lines[0].n, 1);
    for (const l of lines) assert.ok(!Number.isNaN(Date.parse(l.ts)), `bad ts ${l.ts}`);
  }
  const debug = new Logger({ format: "zap", level: "debug", outputs: [a] });
  debug.debug("now kept");
  debug.close();
  assert.match(readFileSync(a, "utf8"), /"level":"debug","ts":"[^"]+","msg":"now kept"/);
});

test("the flags: etcd's level names and loggers only, outputs split on commas", () => {
  const base = ["--name", "n"];
  const ok = parseServerArgs([...base, "--logger", "zap", "--log-level", "debug", "--log-outputs", "stderr,/tmp/x.log"], {});
  assert.is(ok.kind, "run");
  if (ok.kind === "run") {
    assert.is(ok.config.logger, "zap");
    assert.is(ok.config.logLevel, "debug");
    assert.equal(ok.config.logOutputs, ["stderr", "/tmp/x.log"]);
  }
  const defaults = parseServerArgs(base, {});
  if (defaults.kind === "run") assert.equal([defaults.config.logger, defaults.config.logLevel, defaults.config.logOutputs], ["capnslog", "info", ["default"]]);
  assert.is(parseServerArgs([...base, "--log-level", "verbose"], {}).kind, "error");
  assert.is(parseServerArgs([...base, "--logger", "json"], {}).kind, "error");
});

test("tsetcd server --logger zap writes JSON lines to stderr and to the file", async () => {
  const file = join(dir, "server.log");
  const server = await spawnServer(join(dir, "data"), 35041, {
    args: [...singleMemberArgs("logged", 35042), "--logger", "zap", "--log-outputs", `stderr,${file}`],
  });
  // The client port can answer a probe a moment before the member logs that it is ready (and installs its
  // signal handlers): stop it only once that line is in the file (bounded).
  for (let i = 0; i < 100 && !readFileSync(file, "utf8").includes("ready to serve client requests"); i++) await Bun.sleep(50);
  await stopServer(server);
  const lines = readFileSync(file, "utf8").trimEnd().split("\n");
  const parsed = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
  for (const l of parsed) {
    assert.ok(typeof l.level === "string" && typeof l.ts === "string" && typeof l.msg === "string", JSON.stringify(l));
  }
  const ready = parsed.find((l) => String(l.msg).startsWith("ready to serve client requests"));
  assert.ok(ready !== undefined, lines.join("\n"));
  assert.equal(ready!.addresses, [server.url]);
  assert.ok(parsed.some((l) => l.msg === "received signal, shutting down" && l.signal === "SIGTERM"));
  const stderrJson = server.stderr().split("\n").filter((l) => l.startsWith("{"));
  assert.ok(stderrJson.length >= 2 && stderrJson.every((l) => lines.includes(l)), server.stderr());
});

test.run();
