import { test } from "uvu";
import * as assert from "uvu/assert";
import {
  goDuration,
  goJsonString,
  goQuote,
  hexEscape,
  humanizeBytes,
  parseGoDurationMs,
  renderTable,
  utf8,
} from "../../commands/format.ts";

test("goQuote escapes as Go's %q does", () => {
  assert.is(goQuote("foo"), '"foo"');
  assert.is(goQuote(new Uint8Array([0x61, 0x09, 0x62, 0x01, 0xff])), '"a\\tb\\x01\\xff"');
  assert.is(goQuote('ü\\x01"'), '"ü\\\\x01\\""');
  assert.is(goQuote("\u200b"), '"\\u200b"');
  assert.is(goQuote(""), '""');
});

test("goJsonString escapes HTML characters like encoding/json", () => {
  assert.is(goJsonString("a<b>&\"\n"), '"a\\u003cb\\u003e\\u0026\\"\\n"');
});

test("hexEscape writes \\x per byte", () => {
  assert.is(hexEscape(utf8("foo")), "\\x66\\x6f\\x6f");
});

test("humanizeBytes matches go-humanize", () => {
  assert.is(humanizeBytes(0), "0 B");
  assert.is(humanizeBytes(9), "9 B");
  assert.is(humanizeBytes(20480), "20 kB"); // 20.5 rounds half to even
  assert.is(humanizeBytes(25600), "26 kB");
  assert.is(humanizeBytes(1500), "1.5 kB");
  assert.is(humanizeBytes(1_000_000), "1.0 MB");
  assert.is(humanizeBytes(123_456_789), "124 MB"); // 123.5 → even
  assert.is(humanizeBytes(122_500_000), "122 MB");
});

test("goDuration prints time.Duration strings", () => {
  assert.is(goDuration(841_370n), "841.37µs");
  assert.is(goDuration(1_313_688n), "1.313688ms");
  assert.is(goDuration(2_000_000_000n), "2s");
  assert.is(goDuration(62_500_000_000n), "1m2.5s");
  assert.is(goDuration(999n), "999ns");
});

test("parseGoDurationMs accepts Go durations and rejects others", () => {
  assert.is(parseGoDurationMs("5s"), 5000);
  assert.is(parseGoDurationMs("1m30s"), 90_000);
  assert.is(parseGoDurationMs("300ms"), 300);
  assert.is(parseGoDurationMs("0"), 0);
  assert.is(parseGoDurationMs("x"), undefined);
  assert.is(parseGoDurationMs("5"), undefined);
});

test("renderTable draws tablewriter's layout", () => {
  const text = renderTable(["endpoint", "health"], [["127.0.0.1:22001", "true"]]);
  assert.is(
    text,
    "+-----------------+--------+\n" +
      "|    ENDPOINT     | HEALTH |\n" +
      "+-----------------+--------+\n" +
      "| 127.0.0.1:22001 |   true |\n" +
      "+-----------------+--------+\n",
  );
  const empty = renderTable(["id"], []);
  assert.is(empty, "+----+\n| ID |\n+----+\n+----+\n");
});

test.run();
