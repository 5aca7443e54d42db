import { test } from "uvu";
import * as assert from "uvu/assert";
import { MAX_MEMBERS, parseClusterUpArgs } from "../../src/cluster_up/args.ts";
import { endpointsText, planMembers, selfCommand } from "../../src/cluster_up/plan.ts";
import { pickFreePorts, portIsFree } from "../../src/cluster_up/ports.ts";
import { linePrefixer, MAX_LINE_CHARS, paddedLabels } from "../../src/cluster_up/prefix.ts";

test("parseClusterUpArgs: defaults, count, flags in both spellings", () => {
  assert.equal(parseClusterUpArgs([]), { kind: "ok", options: { size: 3, namePrefix: "m" } });
  assert.equal(parseClusterUpArgs(["5", "--data-dir=/tmp/x", "--base-port", "25400", "--name-prefix", "n", "--kill-leader-every", "1m30s"]), {
    kind: "ok",
    options: { size: 5, namePrefix: "n", dataDir: "/tmp/x", basePort: 25400, killLeaderEveryMs: 90_000 },
  });
  assert.equal(parseClusterUpArgs(["-h"]), { kind: "help" });
});

test("parseClusterUpArgs: refuses what cannot run", () => {
  for (const words of [
    ["0"], [String(MAX_MEMBERS + 1)], ["2.5"], ["three"], ["3", "4"],
    ["--kill-leader-every", "10"], ["--kill-leader-every", "500ms"], ["1", "--kill-leader-every", "5s"],
    ["--base-port", "80"], ["9", "--base-port", "65530"], ["--name-prefix", "a b"], ["--data-dir"], ["--nope"],
  ]) {
    const parsed = parseClusterUpArgs(words);
    assert.is(parsed.kind, "error", words.join(" "));
  }
});

test("planMembers: ports paired per member, one initial cluster shared by all", () => {
  const plans = planMembers({ size: 3, namePrefix: "m", ports: [1, 2, 3, 4, 5, 6], root: "/d" });
  assert.equal(plans.map((p) => [p.name, p.clientUrl, p.peerUrl, p.dataDir]), [
    ["m1", "http://127.0.0.1:1", "http://127.0.0.1:2", "/d/m1"],
    ["m2", "http://127.0.0.1:3", "http://127.0.0.1:4", "/d/m2"],
    ["m3", "http://127.0.0.1:5", "http://127.0.0.1:6", "/d/m3"],
  ]);
  const cluster = "m1=http://127.0.0.1:2,m2=http://127.0.0.1:4,m3=http://127.0.0.1:6";
  for (const plan of plans) assert.is(plan.serverArgs[plan.serverArgs.indexOf("--initial-cluster") + 1], cluster);
  assert.throws(() => planMembers({ size: 2, namePrefix: "m", ports: [1, 2, 3], root: "/d" }));
  const text = endpointsText(plans);
  assert.ok(text.includes("export ETCDCTL_ENDPOINTS=http://127.0.0.1:1,http://127.0.0.1:3,http://127.0.0.1:5\n"));
  assert.ok(text.includes("tsetcd --endpoints=http://127.0.0.1:1,http://127.0.0.1:3,http://127.0.0.1:5 "));
  assert.ok(text.includes("console: http://127.0.0.1:1/ui\n"));
});

test("selfCommand: a source run is runtime + script, a compiled binary is itself", () => {
  assert.equal(selfCommand("/usr/bin/bun", ["/usr/bin/bun", "/src/mod.ts", "cluster"]), ["/usr/bin/bun", "/src/mod.ts"]);
  assert.equal(selfCommand("/opt/tsetcd", ["bun", "/$bunfs/root/tsetcd", "cluster"]), ["/opt/tsetcd"]);
});

test("linePrefixer: whole lines only, carriage returns dropped, the tail flushed, a long line cut", () => {
  const cut = linePrefixer("m1", (s) => `<${s}>`);
  assert.equal(cut("a\nb"), ["<m1> | a"]);
  assert.equal(cut("c\r\n\n"), ["<m1> | bc", "<m1> | "]);
  assert.equal(cut("tail"), []);
  assert.equal(cut(undefined), ["<m1> | tail"]);
  assert.equal(cut(undefined), []);
  const long = linePrefixer("x", (s) => s)("y".repeat(MAX_LINE_CHARS + 5));
  assert.equal(long, [`x | ${"y".repeat(MAX_LINE_CHARS)}`]);
  assert.equal(paddedLabels(["m1", "m10"]), ["m1 ", "m10"]);
});

test("pickFreePorts: distinct ports that can be bound", async () => {
  const ports = await pickFreePorts(6);
  assert.is(new Set(ports).size, 6);
  for (const port of ports) assert.ok(await portIsFree(port), `port ${port} free`);
  let refused = false;
  await pickFreePorts(0).catch(() => (refused = true));
  assert.ok(refused, "a count of 0 is refused");
});

test.run();
