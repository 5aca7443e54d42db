/**
 * Backup and restore: a member's state saved with `snapshot save` is restored with `snapshot restore` into
 * three new data dirs (etcdctl's flags), which start as a new 3-member cluster holding every key, its
 * history and the leases, with new member and cluster ids, and go on taking writes. Restore refuses what
 * etcdctl refuses (with its messages and exit codes) and leaves nothing behind when it does.
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { LeaseClient } from "../../src/client/lease.ts";
import { connect } from "../../src/client/mod.ts";
import { checkSnapshotFile } from "../../src/server/snapshot_file.ts";
import { runCliCaptured as cli } from "../helpers/cli.ts";
import { ProcessCluster, withCluster } from "./harness.ts";
import { localSnapshot } from "./workload.ts";

const KEYS = 200;
const DEC = new TextDecoder();

const workDir = mkdtempSync(join(tmpdir(), "tsetcd-restore-test-"));
test.after(() => rmSync(workDir, { recursive: true, force: true }));

/** A backup of a 1-member cluster after KEYS puts (each key twice), one delete and one lease. */
async function makeBackup(): Promise<{ path: string; revision: number; leaseId: bigint; oldIds: bigint[] }> {
  return await withCluster({ size: 1, basePort: 30680 }, async (source) => {
    const endpoint = source.slots[0]!.clientUrl;
    const client = connect({ endpoints: [endpoint] });
    for (let i = 0; i < KEYS; i++) await client.put(`r/${i}`, `v${i}`);
    for (let i = 0; i < KEYS; i++) await client.put(`r/${i}`, `w${i}`);
    await client.delete("r/0");
    const lease = await new LeaseClient(client).grant(600);
    const put = await client.put("r/leased", "x", { lease: lease.ID });
    const path = join(workDir, "backup.db");
    const saved = await cli([`--endpoints=${endpoint}`, "snapshot", "save", path]);
    assert.is(saved.code, 0, saved.err);
    assert.is(saved.out, `Snapshot saved at ${path}\n`);
    assert.ok(checkSnapshotFile(path).hashOk, "the backup's SHA-256 trailer does not match");
    const status = await source.status(source.slots[0]!);
    return { path, revision: Number(put.header.revision), leaseId: lease.ID, oldIds: [status!.header.member_id] };
  });
}

test("a backup restores into a new 3-member cluster with every key, its history and the leases", async () => {
  const backup = await makeBackup();
  const cluster = new ProcessCluster({ size: 3, basePort: 30700 });
  try {
    const restoredIds: bigint[] = [];
    // The last member keeps its Raft log apart (--wal-dir), restored there and served from there.
    const walDir = join(workDir, "m2-wal");
    cluster.slots[2]!.extraArgs.push("--wal-dir", walDir);
    for (const slot of cluster.slots) {
      const restored = await cli([
        "snapshot", "restore", backup.path,
        "--name", slot.name,
        "--data-dir", slot.dataDir,
        "--initial-cluster", cluster.initialCluster(),
        "--initial-cluster-token", cluster.token,
        "--initial-advertise-peer-urls", slot.peerUrl,
        ...slot.extraArgs,
      ]);
      assert.is(restored.code, 0, restored.err);
      assert.is(restored.out, "");
      restoredIds.push(BigInt(`0x${/member ([0-9a-f]+)/.exec(restored.err)![1]}`));
    }
    assert.ok(existsSync(join(walDir, "raft.db")), "the log is not in --wal-dir");
    assert.not.ok(existsSync(join(cluster.slots[2]!.dataDir, "raft.db")), "the log is in the data dir too");
    await cluster.start();
    const leader = await cluster.waitForLeader();
    const client = connect({ endpoints: [leader.clientUrl] });
    const after = await client.put("r/after", "1");
    assert.is(Number(after.header.revision), backup.revision + 1, "the revision does not continue the backup's");
    await cluster.waitForApplied((await cluster.status(leader))!.raftIndex);
    for (const slot of cluster.slots) {
      const local = await localSnapshot(slot.clientUrl, "r/");
      assert.is(local.size, KEYS + 1, `${slot.name} holds ${local.size} keys`); // r/1…r/199, r/leased, r/after
      assert.not.ok(local.has("r/0"));
      for (let i = 1; i < KEYS; i++) assert.is(local.get(`r/${i}`), `w${i}`, `${slot.name} r/${i}`);
      const status = (await cluster.status(slot))!;
      assert.ok(restoredIds.includes(status.header.member_id), `${slot.name} has an id restore did not print`);
      assert.not.ok(backup.oldIds.includes(status.header.member_id), "a restored member kept the old member id");
    }
    // History before the backup is still readable, and the lease still holds its key.
    const old = await client.get("r/5", { revision: 10 });
    assert.is(DEC.decode(old.kvs[0]!.value), "v5");
    const ttl = await new LeaseClient(client).timeToLive(backup.leaseId, { keys: true });
    assert.ok(ttl.TTL > 0, `lease TTL ${ttl.TTL}`);
    assert.equal(ttl.keys.map((k) => DEC.decode(k)), ["r/leased"]);
    const members = await client.memberList();
    assert.equal(members.members.map((m) => m.name).sort(), ["m0", "m1", "m2"]);
  } catch (error) {
    console.error(cluster.logs());
    throw error;
  } finally {
    await cluster.close();
  }
});

test("restore refuses as etcdctl does, and leaves nothing behind", async () => {
  const good = join(workDir, "backup.db");
  const damaged = join(workDir, "damaged.db");
  const bytes = await Bun.file(good).bytes();
  bytes[100] = bytes[100]! ^ 0xff;
  writeFileSync(damaged, bytes);
  const junk = join(workDir, "junk.db");
  writeFileSync(junk, "not a database at all, and longer than thirty-two bytes\n");
  const dir = (name: string): string => join(workDir, name);
  const cases: [string[], number, string][] = [
    [["snapshot", "restore"], 128, "Error: snapshot restore requires exactly one argument\n"],
    [["snapshot", "restore", "a", "b"], 128, "Error: snapshot restore requires exactly one argument\n"],
    [["snapshot", "restore", "nonexist.db", "--data-dir", dir("x1")], 1, "Error: open nonexist.db: no such file or directory\n"],
    [["snapshot", "restore", good, "--name", "zz", "--data-dir", dir("x2")], 1,
      'Error: couldn\'t find local name "zz" in the initial cluster configuration\n'],
    [["snapshot", "restore", damaged, "--data-dir", dir("x3")], 1, `Error: snapshot file ${damaged} has no matching SHA-256`],
    [["snapshot", "restore", junk, "--skip-hash-check", "--data-dir", dir("x4")], 1, "Error: snapshot file is not a tsetcd backup"],
    [["snapshot", "restore", good, "--data-dir", workDir], 1, `Error: data-dir "${workDir}" exists\n`],
    [["snapshot", "restore", good, "--data-dir", dir("x6"), "--wal-dir", workDir], 1, `Error: wal-dir "${workDir}" exists\n`],
  ];
  for (const [args, code, err] of cases) {
    const run = await cli(args);
    assert.is(run.code, code, `${args.join(" ")}: ${run.err}`);
    assert.ok(run.err.startsWith(err), `${args.join(" ")}: ${run.err}`);
    assert.is(run.out, "");
  }
  for (const name of ["x1", "x2", "x3", "x4", "x6"]) assert.not.ok(existsSync(dir(name)), `${name} was created`);
  assert.equal(readdirSync(workDir).filter((f) => f.includes("restoring")), [], "a half-built data dir was left");
  // --skip-hash-check takes a damaged trailer (a copy made some other way) when the database itself is fine.
  const trailerOnly = join(workDir, "trailer.db");
  const copy = await Bun.file(good).bytes();
  copy[copy.length - 1] = copy[copy.length - 1]! ^ 0xff;
  writeFileSync(trailerOnly, copy);
  const skipped = await cli(["snapshot", "restore", trailerOnly, "--skip-hash-check", "--data-dir", dir("x5")]);
  assert.is(skipped.code, 0, skipped.err);
  assert.ok(existsSync(join(dir("x5"), "state.db")));
});

test.run();
