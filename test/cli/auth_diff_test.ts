/**
 * Differential auth test: the auth/user/role command sequence of auth_cases.ts through etcdctl 3.4 against
 * etcd 3.4 (the reference) and, each against its own fresh server, through
 * - tsetcd's CLI against etcd 3.4 (the gateway in JSON, the token in the Authorization header),
 * - tsetcd's CLI against tsetcd (the gateway in CBOR),
 * - etcdctl 3.4 against tsetcd (gRPC, the token in the `token` metadata).
 * After normalize.ts, stdout, stderr and exit codes of every side must equal the reference's, case by case.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { AUTH_ENABLED_CASES, AUTH_SETUP_CASES } from "./auth_cases.ts";
import { compareSides, type Side, startSide, stopAll, TSETCD_CLI } from "./auth_sides.ts";
import type { CliCase } from "./cases.ts";
import { cliRuntime } from "../helpers/cli_runtime.ts";

// Elsewhere when the CLI runs on Deno (test/helpers/cli_runtime.ts), so both runs can go at once.
const PORT_BASE = cliRuntime() === "deno" ? 22850 : 28510;
const REFERENCE_PORT = PORT_BASE;
const TSETCD_CLI_ON_ETCD_PORT = PORT_BASE + 10;
const TSETCD_CLI_ON_TSETCD_PORT = PORT_BASE + 20;
const ETCDCTL_ON_TSETCD_PORT = PORT_BASE + 50;

const hasEtcd = Bun.which("etcd") !== null && Bun.which("etcdctl") !== null;
const sides: Side[] = [];

test("two etcd 3.4 and two tsetcd servers start", async () => {
  assert.ok(hasEtcd, "etcd and etcdctl 3.4 must be installed (apt-get install etcd-server etcd-client)");
  sides.push(...await Promise.all([
    startSide("etcd", REFERENCE_PORT, ["etcdctl"]),
    startSide("etcd", TSETCD_CLI_ON_ETCD_PORT, TSETCD_CLI),
    startSide("tsetcd", TSETCD_CLI_ON_TSETCD_PORT, TSETCD_CLI),
    startSide("tsetcd", ETCDCTL_ON_TSETCD_PORT, ["etcdctl"]),
  ]));
  assert.is(sides.length, 4);
});

const GROUPS: [string, CliCase[]][] = [
  ["auth off: auth enable/disable, user and role commands, formats and errors", AUTH_SETUP_CASES],
  ["auth on: credentials, prompts, wrong passwords, a limited user, root's commands", AUTH_ENABLED_CASES],
];

for (const [name, cases] of GROUPS) {
  test(`${name}: every side answers as etcdctl on etcd (${cases.length} commands)`, async () => {
    assert.is(sides.length, 4, "servers not started");
    const mismatches = await compareSides(sides[0]!, sides.slice(1), cases);
    assert.is(mismatches.length, 0, `\n${mismatches.join("\n\n")}\n`);
  });
}

test("servers stop and temp dirs are removed", () => {
  assert.ok(stopAll());
});

test.run();
