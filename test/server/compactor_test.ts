import { test } from "uvu";
import * as assert from "uvu/assert";
import { AutoCompactor, parseRetention, REVISION_CHECK_INTERVAL_MS } from "../../src/server/compactor.ts";

test("retention parsing", () => {
  assert.is(parseRetention("periodic", "1"), 3_600_000);
  assert.is(parseRetention("periodic", "30m"), 1_800_000);
  assert.is(parseRetention("periodic", "1h30m"), 5_400_000);
  assert.is(parseRetention("periodic", "0"), 0);
  assert.is(parseRetention("revision", "1000"), 1000);
  assert.throws(() => parseRetention("revision", "1h"));
  assert.throws(() => parseRetention("periodic", "soon"));
});

test("disabled at 0", () => {
  const c = new AutoCompactor("periodic", "0");
  assert.not.ok(c.enabled);
  assert.is(c.tick(10 ** 9, 500), undefined);
});

test("revision mode: every 5 minutes, current - retention, never backwards", () => {
  const c = new AutoCompactor("revision", "100");
  assert.is(c.tick(0, 50), undefined); // nothing old enough
  assert.is(c.tick(1_000, 500), undefined); // too soon after the last check
  assert.is(c.tick(REVISION_CHECK_INTERVAL_MS, 500), 400);
  assert.is(c.tick(2 * REVISION_CHECK_INTERVAL_MS, 450), undefined); // 350 is behind 400
  assert.is(c.tick(3 * REVISION_CHECK_INTERVAL_MS, 900), 800);
});

test("periodic mode keeps about one retention window of history", () => {
  const c = new AutoCompactor("periodic", "10s"); // samples every second
  const results: (number | undefined)[] = [];
  for (let s = 0; s <= 12; s++) results.push(c.tick(s * 1_000, 100 + s * 10));
  // Nothing until a sample is 10 s old; at 10 s, the revision seen at 0 s; at 11 s, the one at 1 s.
  assert.equal(results.slice(0, 10), Array(10).fill(undefined));
  assert.equal(results.slice(10), [100, 110, 120]);
});

test.run();
