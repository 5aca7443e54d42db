/**
 * Differential auth test on etcd: the auth/user/role command sequence of auth_cases.ts through etcdctl
 * 3.4 and through tsetcd's CLI, each against its own fresh etcd 3.4. tsetcd's CLI reaches etcd over the
 * gateway (falling back to JSON there) with the token in the Authorization header. After normalize.ts,
 * stdout, stderr and exit codes must be equal case by case.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AUTH_ENABLED_CASES, AUTH_SETUP_CASES } from "./auth_cases.ts";
import { compareSides, type Side, startSide, stopAll, TSETCD_CLI } from "./auth_sides.ts";
import type { CliCase } from "./cases.ts";

const ETCDCTL_SIDE_PORT = 28510;
const TSETCD_SIDE_PORT = 28520;

const hasEtcd = Bun.which("etcd") !== null && Bun.which("etcdctl") !== null;
const sides: Side[] = [];

test("two fresh etcd 3.4 servers start", async () => {
  assert.ok(hasEtcd, "etcd and etcdctl 3.4 must be installed (apt-get install etcd-server etcd-client)");
  sides.push(...await Promise.all([
    startSide("etcd", ETCDCTL_SIDE_PORT, ["etcdctl"]),
    startSide("etcd", TSETCD_SIDE_PORT, TSETCD_CLI),
  ]));
  assert.is(sides.length, 2);
});

const GROUPS: [string, CliCase[]][] = [
  ["auth off: auth enable/disable, user and role commands, formats and errors", AUTH_SETUP_CASES],
  ["auth on: credentials, prompts, wrong passwords, a limited user, root's commands", AUTH_ENABLED_CASES],
];

for (const [name, cases] of GROUPS) {
  test(`${name}: tsetcd's CLI answers as etcdctl on etcd (${cases.length} commands)`, async () => {
    assert.is(sides.length, 2, "servers not started");
    const mismatches = await compareSides(sides[0]!, [sides[1]!], cases);
    assert.is(mismatches.length, 0, `\n${mismatches.join("\n\n")}\n`);
  });
}

test("servers stop and temp dirs are removed", () => {
  assert.ok(stopAll());
});

test.run();
