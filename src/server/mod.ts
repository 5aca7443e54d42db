/**
 * The embeddable server: one durable member on SQLite, every write through the Raft core, serving etcd's
 * v3 HTTP gateway API.
 *
 * @example
 * ```ts
 * const server = await startServer({ dataDir: "/tmp/n1", listenClientUrls: ["http://127.0.0.1:0"] });
 * console.log(server.clientUrl); // http://127.0.0.1:<port>
 * await server.close();
 * ```
 * @module
 */
import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { bodyCapBytes, createHttpHandler } from "../api/http.ts";
import { createHealthRoutes, type HealthCounters } from "../api/health.ts";
import { KeyCount, newKvCounters, serverMetricsText } from "../metrics/etcd.ts";
import { createMetricsHandler } from "../metrics/listener.ts";
import { grpcMetrics } from "../metrics/grpc.ts";
import { logger } from "../log/mod.ts";
import { RaftNode } from "../raft/mod.ts";
import type { SqlDatabase } from "../storage/adapter.ts";
import { SqliteRaftLog } from "../storage/raft_log.ts";
import { openDatabase } from "../runtime/sqlite.ts";
import { addAutoTls, type MemberTls, resolveMemberTls, serveTlsOption } from "./tls.ts";
import { DEFAULT_QUOTA_BYTES, parseServerArgs, parseUrls, type ServerConfig } from "./config.ts";
import { idHex } from "./ids.ts";
import { forceNewCluster } from "./force_new_cluster.ts";
import { mvccStateMachine } from "./kv_machine.ts";
import { DEFAULT_RANGE_STREAM, type RangeStreamSettings } from "../mvcc/range_stream.ts";
import { RangeSnapshots } from "../storage/range_stream.ts";
import { createLeaseWatch } from "./lease_watch.ts";
import { leaseAndWatchRoutes, type StreamServer } from "../api/lease_routes.ts";
import { combineRoutes, snapshotRoutes } from "../api/snapshot_route.ts";
import { AutoCompactor, parseRetention } from "./compactor.ts";
import { lockDataDir } from "./lock.ts";
import { snapshotDataProblem } from "./snapshot_check.ts";
import { startLogWriter } from "./log_writer.ts";
import { syncFiles } from "../storage/file_sync.ts";
import { checkpointOffThread } from "../storage/wal_checkpointer.ts";
import { Member } from "./member.ts";
import { MemberRegistry } from "./members.ts";
import { loadCluster, startCluster } from "./bootstrap.ts";
import { Cluster, PeerSync, publish } from "./cluster.ts";
import { SnapshotExporter } from "./snapshot_export.ts";
import { SnapshotStore } from "./snapshots.ts";
import { createRequestTransport, createTransport, type PeerTls, type Transport } from "../transport/mod.ts";
import { TSETCD_VERSION, ETCD_API_VERSION, ETCD_CLUSTER_VERSION } from "./version.ts";
import { type GrpcListener, startGrpcServer } from "../grpc/server.ts";
import { AuthStore } from "../auth/store.ts";
import { AuthService } from "../auth/service.ts";
import { SimpleTokens } from "../auth/tokens.ts";
import { JwtTokens, parseAuthToken } from "../auth/jwt.ts";
import { guardAlarm, guardCluster, guardMaintenance, guardSnapshots, guardWatch } from "./auth_guards.ts";
import { KvHasher } from "../storage/hash_kv.ts";
import { hashService } from "./hash_service.ts";
import { type AlarmOp, AlarmStore, alarmCall } from "./alarms.ts";
import { QuotaDoor } from "./quota_door.ts";
import { type AlarmResponse, AlarmType, type DefragmentResponse, type ResponseHeader } from "../codec/messages.ts";
import { defragment } from "../storage/defrag.ts";
import { checkInitialHashKv, type CorruptCheckOptions, handlePeerHashKv, startCorruptMonitor } from "./corrupt.ts";
import { type ClientFront, localTargets, startClientFront } from "../front/mod.ts";
import { nodeTargets, removeTargets, startNodeFront } from "../front/node_front.ts";
import { delay, RUNTIME } from "../runtime/mod.ts";
import { serveHttp } from "../runtime/serve.ts";

/** Options of `startServer`: any config field; URLs may be strings. The rest takes etcd's defaults. */
export type StartServerOptions =
  & Partial<Omit<ServerConfig, "listenClientUrls" | "listenPeerUrls">>
  & {
    listenClientUrls?: (string | URL)[];
    listenPeerUrls?: (string | URL)[];
    /** Bound on requests waiting for apply or a read index (etcd's "too many requests" past it). */
    maxPendingRequests?: number;
    /** How long a request may wait before etcd's "request timed out". Default 5 s + 2 × election timeout. */
    requestTimeoutMs?: number;
    /**
     * Persist the Raft log on a writer thread, so the next batch forms while the disk syncs. Default false:
     * on this 2-core machine under load, the thread hand-offs cost more than the overlap gains (measured
     * with bench/wrk put: c16 2.4k vs 4.1k puts/s in-process). Falls back to inline when unavailable.
     */
    logWriterThread?: boolean;
    /** How often applied writes are committed to the state database (default 100 ms, etcd's batch interval). */
    stateCommitIntervalMs?: number;
    /**
     * Checkpoint the state database's WAL on a thread instead of inside a COMMIT on the event loop (default
     * true; src/storage/wal_checkpointer.ts), one thread per database (the log's with a 16 MiB WAL bound).
     * Falls back to SQLite's auto-checkpoint when unavailable.
     */
    walCheckpointThread?: boolean;
    /**
     * Run the client front (gRPC and the gateway on one client URL; src/front) on a thread of its own
     * (default true) or on the main thread (for measuring the two against each other).
     */
    clientFrontThread?: boolean;
    /**
     * Test-only: how long a new client connection may take to show what it is before the front closes it
     * (default 5 s, as src/front; or TSETCD_CLIENT_OPENING_TIMEOUT_MS), so tests of that close need not
     * wait the full default.
     */
    clientOpeningTimeoutMs?: number;
    /**
     * When a range streams from a snapshot instead of being built in one piece, and its page size
     * (src/mvcc/range_stream.ts). Test-only: the defaults, or TSETCD_RANGE_STREAM_MIN_ROWS,
     * TSETCD_RANGE_STREAM_MIN_BYTES and TSETCD_RANGE_STREAM_PAGE_BYTES, serve everyone else.
     */
    rangeStream?: Partial<RangeStreamSettings>;
  };

/** A running member. */
export interface TsetcdServer {
  /** The membership RPCs and leader transfer. */
  cluster: Cluster;
  /** The peer transport. */
  transport: Transport;
  /** Snapshots made and installed. */
  snapshots: SnapshotStore;
  /** Resolves once this member was removed from the cluster and has closed itself. */
  removed: Promise<void>;
  /** The first client URL actually listened on (port resolved when 0 was asked for). */
  clientUrl: string;
  clientUrls: string[];
  /** URLs serving etcd's gRPC API: the client URLs (which also serve the gateway unless --listen-client-http-urls). */
  grpcUrls: string[];
  /** The --listen-metrics-urls actually listened on (ports resolved). */
  metricsUrls: string[];
  name: string;
  memberId: bigint;
  clusterId: bigint;
  dataDir: string;
  /** The member's service layer, for in-process use and tests. */
  member: Member;
  /** Stops serving and closes the data dir; resolves when everything is released. */
  close(): Promise<void>;
}

/**
 * File names inside the data dir: the Raft log (fsynced on every commit) and the state machine (MVCC and
 * applied index; synced at checkpoints, replayed from the log after a power loss).
 */
export const LOG_DB_FILE = "raft.db";
export const STATE_DB_FILE = "state.db";

/** etcd commits its backend every 100 ms; the log makes every write durable before that. */
const STATE_COMMIT_INTERVAL_MS = 100;

/** The log database's WAL is rewound past this (its checkpoints run on their own thread). */
const LOG_MAX_WAL_BYTES = 16 * 1024 * 1024;

/** Range streaming's settings: the given ones, else the test-only environment's, else the defaults. */
function rangeStreamSettings(given: Partial<RangeStreamSettings> | undefined): RangeStreamSettings {
  const fromEnv = (name: string, fallback: number): number => {
    const value = Number(process.env[name]);
    return Number.isSafeInteger(value) && value >= 0 ? value : fallback;
  };
  return {
    minRows: given?.minRows ?? fromEnv("TSETCD_RANGE_STREAM_MIN_ROWS", DEFAULT_RANGE_STREAM.minRows),
    minBytes: given?.minBytes ?? fromEnv("TSETCD_RANGE_STREAM_MIN_BYTES", DEFAULT_RANGE_STREAM.minBytes),
    pageBytes: given?.pageBytes ?? fromEnv("TSETCD_RANGE_STREAM_PAGE_BYTES", DEFAULT_RANGE_STREAM.pageBytes),
  };
}

/** Default bound on pending requests. */
const DEFAULT_MAX_PENDING = 20_000;

/** Starts a member: takes the data dir lock, opens or creates its database, joins the Raft core, listens. */
export async function startServer(options: StartServerOptions = {}): Promise<TsetcdServer> {
  const config = resolveConfig(options);
  // Fail before touching the data dir.
  parseRetention(config.autoCompactionMode, config.autoCompactionRetention);
  // An https HTTP-only client URL needs the client certificate as much as any other client URL.
  // An https metrics URL uses the client TLS material, as etcd's (and needs it the same way).
  const tls = resolveMemberTls({
    ...config,
    listenClientUrls: [...config.listenClientUrls, ...config.listenClientHttpUrls, ...config.listenMetricsUrls],
  });
  mkdirSync(config.dataDir, { recursive: true });
  const walDir = logDir(config);
  mkdirSync(walDir, { recursive: true });
  const lock = lockDataDir(config.dataDir);
  let db: SqlDatabase | undefined;
  let stateDb: SqlDatabase | undefined;
  try {
    const logPath = join(walDir, LOG_DB_FILE);
    db = openDatabase(logPath, { durable: true });
    const statePath = join(config.dataDir, STATE_DB_FILE);
    stateDb = openStateDatabase(statePath);
    const threads = { stateCheckpoint: false, logCheckpoint: false };
    if (options.walCheckpointThread ?? true) {
      const stateOffThread = await checkpointOffThread(stateDb, statePath);
      // SQLite's auto-checkpoint of the log ran inside a write's COMMIT: 30–70 ms stalls every ~1,000 pages.
      const logOffThread = await checkpointOffThread(db, logPath, { maxWalBytes: LOG_MAX_WAL_BYTES });
      threads.stateCheckpoint = stateOffThread !== undefined;
      threads.logCheckpoint = logOffThread !== undefined;
      stateDb = stateOffThread ?? stateDb;
      db = logOffThread ?? db;
    }
    const withAuto = await addAutoTls(config, tls);
    return await startOnDatabase(config, options, { db, stateDb, tls: withAuto, threads }, lock.release);
  } catch (err) {
    stateDb?.close();
    db?.close();
    lock.release();
    throw err;
  }
}

/**
 * The state database: WAL with synchronous=NORMAL, so a commit is not fsynced but the file stays
 * consistent; the WAL is synced at every checkpoint. Whatever a power loss takes is replayed from the log.
 */
function openStateDatabase(path: string): SqlDatabase {
  const db = openDatabase(path, { durable: false });
  db.exec("PRAGMA synchronous = NORMAL");
  // Room for a commit interval's dirty pages, so they are written once, at commit.
  db.exec("PRAGMA cache_size = -65536");
  // Waits out the checkpoint thread's read of the database; a checkpoint itself never waits for another
  // checkpointer (SQLite answers busy at once), hence the turns in src/storage/checkpoint_turn.ts.
  db.exec("PRAGMA busy_timeout = 10000");
  return db;
}

async function startOnDatabase(
  config: ServerConfig,
  options: StartServerOptions,
  dbs: { db: SqlDatabase; stateDb: SqlDatabase; tls: MemberTls; threads: CheckpointThreads },
  releaseLock: () => void,
): Promise<TsetcdServer> {
  const { db, stateDb, tls } = dbs;
  // The writer thread has its own connection; ours waits for it rather than failing when compacting.
  db.exec("PRAGMA busy_timeout = 10000");
  const log = new SqliteRaftLog(db, stateDb);
  // Leases and watch (src/server/lease_watch.ts); the store checks a put's lease against the lessor.
  const leaseConfig = tls.clientDialer === undefined ? config : { ...config, forwardTls: tls.clientDialer };
  const leaseWatch = createLeaseWatch(stateDb, leaseConfig, () => ({
    clusterId: cluster.clusterId,
    memberId: cluster.memberId,
    term: member?.info().term ?? 0,
  }));
  const store = leaseWatch.store;
  // Users, roles and the enabled flag live in the state database (so in every snapshot); tokens in memory.
  const auth = new AuthService({
    store: new AuthStore(stateDb),
    tokens: new SimpleTokens({ ttlMs: config.authTokenTtlS * 1000 }),
    bcryptCost: config.bcryptCost,
    leaseKeys: (id) => leaseWatch.lessor.timeToLive({ ID: id, keys: true }, performance.now()).keys,
    applied: () => member?.info().applied ?? 0,
    ...jwtOf(config.authToken),
  });
  const registry = new MemberRegistry(stateDb);
  // Raised alarms (NOSPACE, CORRUPT) and the key history's hash (src/server/alarms.ts, src/storage/hash_kv.ts).
  const alarms = new AlarmStore(stateDb);
  const hasher = new KvHasher(stateDb, () => ({ current: store.currentRevision(), compacted: store.compactedRevision() }));
  // etcd runs the initial corruption check only on a member that already had data.
  const initialized = !log.isEmpty();
  const cluster = log.isEmpty() ? await startCluster(config, db, log, registry, tls.peer) : loadCluster(db, registry);
  const statePath = join(config.dataDir, STATE_DB_FILE);
  const snapshots = new SnapshotStore({
    dataDir: config.dataDir,
    statePath,
    stateDb,
    log,
    maxSizeBytes: MAX_SNAPSHOT_BYTES,
  });
  if (snapshots.pending()) {
    installSavedSnapshot(log, snapshots, registry);
    leaseWatch.memberHooks.onSnapshotInstalled?.(); // leases and watch reload from the installed state
    alarms.reload();
  }
  if (config.forceNewCluster && initialized) {
    const forced = forceNewCluster(log, db, cluster.memberId);
    logger().warn(`--force-new-cluster: a one-member cluster now; removed ${forced.removed.map(idHex).join(",") || "nobody"}, ` +
      `committed the log up to ${forced.commitAfter} (stored commit index was ${forced.commitBefore})`);
  }
  log.snapshotSource = () => snapshots.make();
  const heartbeatTicks = 1;
  const raft = new RaftNode({
    id: cluster.memberId,
    electionTick: Math.max(2, Math.round(config.electionTimeoutMs / config.heartbeatIntervalMs)),
    heartbeatTick: heartbeatTicks,
    storage: log,
    applied: log.applied(),
    maxSizePerMsgBytes: 1024 * 1024,
    maxInflightMsgs: 256,
    maxUncommittedEntriesSizeBytes: 1 << 30,
    preVote: true,
    checkQuorum: true,
    random: Math.random,
  });
  const clientUrls: string[] = [];
  const metricsUrls: string[] = [];
  // What a lone member lists as its client URLs: the gRPC ones in etcd 3.5's split (what etcd clients
  // dial), else the gateway's. Published attributes (clusters) keep the gateway's: lease forwarding uses them.
  const listedUrls: string[] = [];
  const logWriter = options.logWriterThread === true
    ? await startLogWriter(join(logDir(config), LOG_DB_FILE))
    : undefined;
  const requestTimeoutMs = options.requestTimeoutMs ?? 5_000 + 2 * config.electionTimeoutMs;
  let member: Member | undefined;
  let clusterService: Cluster | undefined;
  const peers = new PeerSync(cluster.memberId);
  let onRemoved: () => void = () => {};
  let publishIfClustered: () => void = () => {};
  const removedSeen = new Promise<void>((resolve) => (onRemoved = resolve));
  const transport = createTransport({
    memberId: cluster.memberId,
    clusterToken: cluster.token,
    listenUrls: config.listenPeerUrls.map((u) => `${u.protocol}//${u.host}`),
    onMessage: (m) => member?.step(m),
    onUnreachable: (id) => member?.reportUnreachable(id),
    onSnapshotStatus: (id, ok) => member?.reportSnapshot(id, ok),
    onRequest: (payload) =>
      handlePeerHashKv(payload, hasher, cluster.memberId) ?? clusterService!.handlePeerRequest(payload),
    maxSnapshotBytes: MAX_SNAPSHOT_BYTES,
    checkSnapshot: (snapshot) => snapshotDataProblem(config.dataDir, snapshot),
    ...(tls.peer === undefined ? {} : { tls: tls.peer }),
    logger: { info: (m) => logger().debug(m), warn: (m) => logger().warn(m) },
    // etcd: peers answer a removed member's messages with "removed" (HTTP 410) and it stops itself; this
    // member may never see its removal committed, since nobody replicates to it any more.
    onRefused: (refusal) => {
      if (refusal.side === "outbound" && refusal.reason.includes(`member ${idHex(cluster.memberId)} was removed`)) {
        onRemoved();
      }
    },
  });
  const kvCounters = newKvCounters();
  // Large ranges read page by page from snapshots of the state database (src/storage/range_stream.ts).
  const rangeSnapshots = new RangeSnapshots(statePath);
  member = new Member({
    logWriter,
    stateCommitIntervalMs: options.stateCommitIntervalMs ?? STATE_COMMIT_INTERVAL_MS,
    // As etcd: 0 is the 2 GiB default, a negative quota turns the check off (raised alarms still refuse).
    ...(config.quotaBackendBytes < 0 ? {} : {
      quota: new QuotaDoor({
        quotaBytes: config.quotaBackendBytes === 0 ? DEFAULT_QUOTA_BYTES : config.quotaBackendBytes,
        sizeBytes: () => store.sizeBytes().total,
        raisedHere: () => alarms.list(AlarmType.NOSPACE).some((a) => a.memberID === cluster.memberId),
        noSpaceRaised: () => alarms.raised().noSpace,
        raise: () => member!.proposeWrite({ alarm: { action: "activate", memberID: cluster.memberId, alarm: AlarmType.NOSPACE } }),
      }),
    }),
    alarms,
    db,
    stateDb,
    log,
    raft,
    kv: mvccStateMachine(store, leaseWatch.onKvEvents, kvCounters, {
      snapshots: rangeSnapshots,
      settings: rangeStreamSettings(options.rangeStream),
    }),
    memberId: cluster.memberId,
    clusterId: cluster.clusterId,
    // Until this member's publish applies, it shows its own name and client URLs (as a single member did).
    members: () =>
      registry.list().map((m) =>
        m.ID === cluster.memberId && m.clientURLs.length === 0 ? { ...m, name: config.name, clientURLs: listedUrls } : m
      ),
    singleVoter: () => log.confState().voters.length === 1 && log.confState().learners.length === 0,
    maxTxnOps: config.maxTxnOps,
    maxRequestBytes: config.maxRequestBytes,
    requestTimeoutMs,
    maxPendingRequests: options.maxPendingRequests ?? DEFAULT_MAX_PENDING,
    version: ETCD_API_VERSION,
    snapshotCount: config.snapshotCount,
    crashAfterPersist: crashAfterPersistFromEnv(),
    send: (messages, immediate) => transport.send(messages, immediate),
    sendLazy: (messages, maxDelayMs) => transport.sendLazy(messages, maxDelayMs),
    registry,
    snapshots,
    snapshotDue: () => snapshots.prepareInBackground(),
    // Off this thread: syncing the state database before a log compaction took 20–30 ms of the event loop.
    syncState: stateDb === db ? undefined : () => syncFiles([`${statePath}-wal`, statePath]),
    ...leaseWatch.memberHooks,
    onSnapshotInstalled: () => {
      leaseWatch.memberHooks.onSnapshotInstalled?.();
      alarms.reload(); // the alarm list came with the snapshot
    },
    // Alarm entries are the alarm store's; the rest of what the member does not know is the lessor's.
    applyOther: (p) =>
      p.alarm === undefined
        ? leaseWatch.memberHooks.applyOther?.(p)
        : { header: { revision: store.currentRevision() } as ResponseHeader, alarms: alarms.apply(p.alarm) },
    auth,
    onMembersChanged: (selfRemoved) => {
      peers.sync(transport, registry);
      snapshots.invalidate(); // a snapshot sent from now on must carry the new membership
      if (selfRemoved) onRemoved();
      else publishIfClustered();
    },
  });
  const running = member;
  leaseWatch.lease.attach(running);
  leaseWatch.lease.attachAuth(auth);
  auth.attach(running);
  clusterService = new Cluster({
    member: running,
    registry,
    memberId: cluster.memberId,
    clusterId: cluster.clusterId,
    request: (url, payload, timeoutMs, anonymous) =>
      anonymous
        ? anonymousRequest(cluster.token, url, payload, timeoutMs, tls.peer)
        : transport.request(url, payload, { timeoutMs }),
    isPeerActive: (id) => transport.stats().peers.some((p) => p.id === id && p.connected),
    requestTimeoutMs,
    transferTimeoutMs: Math.max(1_000, 3 * config.electionTimeoutMs),
    strictReconfigCheck: config.strictReconfigCheck,
  });
  const service = clusterService;
  running.cluster = guardCluster(service, auth);
  const header = async (): Promise<ResponseHeader> => (await running.status()).header;
  // Maintenance.Defragment: the state database, then the log's, in bounded steps (src/storage/defrag.ts);
  // a second call while one runs shares it.
  let defragging: Promise<DefragmentResponse> | undefined;
  const defragmentOnce = (): Promise<DefragmentResponse> =>
    defragging ??= (async (): Promise<DefragmentResponse> => {
      const state = await defragment(stateDb);
      const logged = db === stateDb ? undefined : await defragment(db);
      console.error(`tsetcd: defragmented: state freed ${state.freedPages} pages in ${state.steps} steps ` +
        `(longest ${state.longestStepMs.toFixed(1)} ms, ${state.walWaitSteps} waits for the checkpoint), ` +
        `log freed ${logged?.freedPages ?? 0} pages (longest step ${(logged?.longestStepMs ?? 0).toFixed(1)} ms, ` +
        `${logged?.walWaitSteps ?? 0} waits)`);
      return {};
    })().finally(() => (defragging = undefined));
  const alarmService = {
    store: alarms,
    propose: (alarm: AlarmOp) => running.proposeWrite<AlarmResponse>({ alarm }),
    readBarrier: () => running.readBarrier(),
  };
  running.maintenance = {
    ...guardMaintenance({ ...hashService({ hasher, header }), defragment: defragmentOnce }, auth),
    alarm: guardAlarm((req) => alarmCall(alarmService, req), auth),
  };
  const corruptChecks: CorruptCheckOptions = {
    memberId: cluster.memberId,
    hasher,
    peers: () => registry.list().filter((m) => m.ID !== cluster.memberId).map((m) => ({ id: m.ID, peerURLs: m.peerURLs })),
    request: (url, payload, timeoutMs) => transport.request(url, payload, { timeoutMs }),
    timeoutMs: requestTimeoutMs,
    warn: (message) => console.error(`tsetcd: ${message}`),
  };
  peers.sync(transport, registry);
  try {
    await transport.start();
    if (config.initialCorruptCheck === true && initialized) await checkInitialHashKv(corruptChecks);
  } catch (err) {
    running.stop();
    await transport.close();
    await logWriter?.close();
    snapshots.close();
    rangeSnapshots.close();
    throw err;
  }
  const confState = log.confState();
  if (confState.voters.length === 1 && confState.voters[0] === cluster.memberId) await running.campaign();
  else await running.start();
  const corruptMonitor = (config.corruptCheckTimeMs ?? 0) > 0
    ? startCorruptMonitor(corruptChecks, {
      intervalMs: config.corruptCheckTimeMs!,
      isLeader: () => running.info().isLeader,
      confirmLeader: () => running.confirmLeadership(),
      raise: (memberID) => running.proposeWrite({ alarm: { action: "activate", memberID, alarm: AlarmType.CORRUPT } }),
    })
    : undefined;
  const compactor = new AutoCompactor(config.autoCompactionMode, config.autoCompactionRetention);
  let ticks = 0;
  const ticker = setInterval(() => {
    running.tick();
    if (++ticks % TOKEN_SWEEP_TICKS === 0) auth.tokens.sweep();
    leaseWatch.tick();
    const revision = compactor.enabled ? compactor.tick(Date.now(), running.revision()) : undefined;
    // An auto-compaction that loses a race with a manual one is simply skipped.
    if (revision !== undefined) running.compact({ revision }).catch(() => {});
  }, config.heartbeatIntervalMs);
  // Maintenance.Snapshot: the state as applied so far, copied off-thread (src/server/snapshot_export.ts).
  const exporter = guardSnapshots(
    new SnapshotExporter({ dataDir: config.dataDir, statePath, commitState: () => running.commitState() }),
    auth,
  );
  const watchHub = guardWatch(leaseWatch.watch.hub, auth, () => {
    const info = running.info();
    return { cluster_id: cluster.clusterId, member_id: cluster.memberId, revision: leaseWatch.watch.hub.revision(), raft_term: info.term };
  });
  const healthCounters: HealthCounters = { success: 0, failures: 0 };
  const healthRoutes = createHealthRoutes({
    hasLeader: () => running.hasLeader(),
    alarms: () => alarms.list().map((a) => ALARM_NAMES[a.alarm] ?? String(a.alarm)),
    read: (serializable) => running.range({ key: HEALTH_KEY, limit: 1, keys_only: true, serializable }),
  }, healthCounters);
  const keyCount = new KeyCount(kvCounters, {
    count: () => store.range({ key: ALL_KEYS, range_end: ALL_KEYS, count_only: true }).count,
    revision: () => store.currentRevision(),
  });
  const scrape = (): string =>
    serverMetricsText({
      memberIdHex: idHex(cluster.memberId),
      version: ETCD_API_VERSION,
      info: () => running.info(),
      sizeBytes: () => store.sizeBytes(),
      keysTotal: () => keyCount.value(),
      kv: kvCounters,
      health: healthCounters,
      peers: () => {
        const stats = transport.stats();
        return {
          sent: stats.peers.map((p) => ({ toHex: idHex(p.id), bytes: p.sentBytes })),
          received: stats.receivedBytesFrom.map((p) => ({ fromHex: idHex(p.id), bytes: p.bytes })),
        };
      },
      extra: () => grpcMetrics.format(),
    }) + tsetcdMetricsText(dbs.threads);
  const handler = createHttpHandler(running, {
    maxRequestBytes: config.maxRequestBytes,
    maxTxnOps: config.maxTxnOps,
    serverVersion: ETCD_API_VERSION,
    clusterVersion: ETCD_CLUSTER_VERSION,
    metrics: scrape,
    health: healthRoutes,
    routes: combineRoutes(
      leaseAndWatchRoutes(leaseWatch.lease, watchHub),
      snapshotRoutes(exporter),
    ),
  });
  const gate = new ServingGate(registry.list().length < 2);
  const servers: { stop(closeActive: boolean): Promise<void> | void }[] = [];
  const grpcListeners: GrpcListener[] = [];
  const fronts: ClientFront[] = [];
  const frontThread = options.clientFrontThread ?? true;
  const openingFromEnv = Number(process.env.TSETCD_CLIENT_OPENING_TIMEOUT_MS);
  const openingTimeoutMs = options.clientOpeningTimeoutMs ?? (openingFromEnv > 0 ? openingFromEnv : undefined);
  const gateway = (request: Request, server?: StreamServer): Promise<Response> =>
    gate.open ? handler(request, server) : gate.wait.then(() => handler(request, server));
  // etcd 3.5's split: with HTTP-only URLs given, the client URLs serve gRPC and the gateway moves there.
  // Without it each client URL serves both, as etcd's: a front routes each connection (src/front).
  const split = config.listenClientHttpUrls.length > 0;
  try {
    for (const url of split ? config.listenClientHttpUrls : []) {
      const server = serveHttp({
        hostname: url.hostname.replace(/^\[|\]$/g, ""),
        port: Number(url.port),
        // Generous, so an oversized body reaches the handler and gets etcd's error rather than Bun's 413.
        maxRequestBodySize: bodyCapBytes(config.maxRequestBytes) + 1024 * 1024,
        // etcd serves clients only once this member's attributes are published (ReadyNotify): until then
        // requests wait (bounded by PUBLISH_GATE_MS), so member list never shows a serving member without URLs.
        fetch: gateway,
        tls: serveTlsOption(url, tls.client),
      });
      servers.push(server);
      clientUrls.push(`${url.protocol}//${url.hostname}:${server.port}`);
    }
    for (const url of config.listenClientUrls) {
      const services = { kv: running, lease: leaseWatch.lease, watch: watchHub, snapshots: exporter };
      const options = {
        maxRequestBytes: config.maxRequestBytes,
        maxTxnOps: config.maxTxnOps,
        maxConcurrentStreams: config.maxConcurrentStreams,
        keepalive: {
          minTimeMs: config.grpcKeepaliveMinTimeMs,
          intervalMs: config.grpcKeepaliveIntervalMs,
          timeoutMs: config.grpcKeepaliveTimeoutMs,
        },
        ready: () => (gate.open ? undefined : gate.wait),
        leader: { known: () => running.info().leader !== 0n, checkEveryMs: config.electionTimeoutMs },
      };
      const grpcOptions = { ...options, ...(tls.client ? { tls: tls.client } : {}) };
      if (split) {
        grpcListeners.push(await startGrpcServer(url, services, grpcOptions));
        continue;
      }
      if (RUNTIME !== "bun") {
        // Off Bun the front is node:net on this thread (src/front/node_front.ts) and its HTTP/1 hop is Deno.serve
        // on a socket file; https client URLs are not served there yet (serveHttp refuses TLS on Deno).
        const targets = nodeTargets(String(fronts.length));
        removeTargets(targets);
        servers.push(serveHttp({ hostname: "", port: 0, unixPath: targets.http1, fetch: gateway,
          tls: serveTlsOption(url, tls.client) }));
        grpcListeners.push(await startGrpcServer(url, services, { ...grpcOptions, socketPath: targets.h2, gateway }));
        const front = await startNodeFront({ hostname: url.hostname.replace(/^\[|\]$/g, ""), port: Number(url.port),
          tls: url.protocol === "https:", targets, openingTimeoutMs });
        fronts.push({ port: front.port, close: () => front.close().finally(() => removeTargets(targets)) });
        clientUrls.push(`${url.protocol}//${url.hostname}:${front.port}`);
        continue;
      }
      const targets = localTargets(String(fronts.length));
      servers.push(Bun.serve({
        unix: targets.http1,
        // Bun 1.4.5 ignores server.timeout(request, 0) on a unix socket, so the idle timeout would cut quiet
        // watch and keep-alive streams: none here, as etcd has none; the front bounds the connections.
        // (Bun's types list idleTimeout for TCP servers only; it applies to unix ones as well.)
        ...({ idleTimeout: 0 } as object),
        maxRequestBodySize: bodyCapBytes(config.maxRequestBytes) + 1024 * 1024,
        fetch: gateway,
        error: () => new Response("internal error\n", { status: 500 }),
        tls: serveTlsOption(url, tls.client),
      }));
      grpcListeners.push(await startGrpcServer(url, services, { ...grpcOptions, socketPath: targets.h2, gateway }));
      const hostname = url.hostname.replace(/^\[|\]$/g, "");
      const front = await startClientFront(
        { hostname, port: Number(url.port), tls: url.protocol === "https:", targets, openingTimeoutMs },
        { thread: frontThread },
      );
      fronts.push(front);
      clientUrls.push(`${url.protocol}//${url.hostname}:${front.port}`);
    }
    // --listen-metrics-urls: /metrics and the health endpoints alone, https with the client TLS, as etcd's.
    const metricsHandler = createMetricsHandler({
      metrics: scrape,
      health: healthRoutes,
      // The console there talks to the gateway of this member's client URL (CORS, src/api/cors.ts).
      consoleApiBase: (options.advertiseClientUrls ?? clientUrls)[0],
    });
    for (const url of config.listenMetricsUrls) {
      const server = serveHttp({
        hostname: url.hostname.replace(/^\[|\]$/g, ""),
        port: Number(url.port),
        fetch: metricsHandler,
        tls: serveTlsOption(url, tls.client),
      });
      servers.push(server);
      metricsUrls.push(`${url.protocol}//${url.hostname}:${server.port}`);
    }
  } catch (err) {
    for (const front of fronts) await front.close();
    for (const server of servers) server.stop(true);
    for (const listener of grpcListeners) await listener.close();
    clearInterval(ticker);
    corruptMonitor?.stop();
    running.stop();
    await transport.close();
    await logWriter?.close();
    snapshots.close();
    rangeSnapshots.close();
    throw err;
  }
  const grpcUrls = split ? grpcListeners.map((listener) => listener.url) : [...clientUrls];
  listedUrls.push(...(split ? grpcUrls : clientUrls));
  let closed: Promise<void> | undefined;
  const close = (): Promise<void> => {
    closed ??= (async () => {
      // etcd's Stop: a leader hands over first, so the others need not wait an election timeout.
      if (running.info().isLeader && log.confState().voters.length > 1) {
        const target = service.bestTransferee();
        if (target !== undefined) await service.transferLeadership(target);
      }
      clearInterval(ticker);
      corruptMonitor?.stop();
      leaseWatch.watch.close();
      for (const front of fronts) await front.close();
      for (const server of servers) await server.stop(true);
      for (const listener of grpcListeners) await listener.close();
      running.stop();
      await transport.close();
      await logWriter?.close();
      snapshots.close();
      rangeSnapshots.close();
      stateDb.close();
      db.close();
      releaseLock();
    })();
    return closed;
  };
  // A lone member shows its URLs without a log entry; with peers it publishes them (at start, or once
  // another member joins).
  const attrs = { memberId: cluster.memberId, name: config.name, clientURLs: options.advertiseClientUrls ?? clientUrls };
  let publishing = false;
  publishIfClustered = (): void => {
    if (publishing || registry.list().length < 2 || closed !== undefined) return;
    publishing = true;
    void publish(running, registry, attrs, { retryMs: 2 * config.heartbeatIntervalMs, isClosed: () => closed !== undefined })
      .finally(() => {
        publishing = false;
        gate.openNow();
      });
  };
  publishIfClustered();
  setTimeout(() => gate.openNow(), PUBLISH_GATE_MS).unref();
  const removed = removedSeen.then(async () => {
    logger().warn(`member ${idHex(cluster.memberId)} has been permanently removed from the cluster; stopping`);
    // Long enough for the last messages (the removal's commit) to reach the peers.
    await delay(2 * config.heartbeatIntervalMs);
    await close();
  });
  return {
    clientUrl: clientUrls[0]!,
    clientUrls,
    grpcUrls: [...grpcUrls],
    metricsUrls,
    name: config.name,
    memberId: cluster.memberId,
    clusterId: cluster.clusterId,
    dataDir: config.dataDir,
    member: running,
    cluster: service,
    transport,
    snapshots,
    removed,
    close,
  };
}

/** One request through a throwaway transport that does not present this member's id. */
async function anonymousRequest(
  token: string,
  url: string,
  payload: Uint8Array,
  timeoutMs: number,
  peerTls: PeerTls | undefined,
): Promise<Uint8Array> {
  const transport = createRequestTransport(1n, token, peerTls);
  try {
    return await transport.request(url, payload, { timeoutMs });
  } finally {
    await transport.close();
  }
}

/** --auth-token's JWT keys, read at start (a bad key file stops the start, as etcd's). */
function jwtOf(authToken: string): { jwt?: JwtTokens } {
  const parsed = parseAuthToken(authToken);
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed.kind === "jwt" ? { jwt: new JwtTokens(parsed.options) } : {};
}

/** Expired simple tokens are dropped this often (in heartbeat ticks); a token is checked on use anyway. */
const TOKEN_SWEEP_TICKS = 100;

/** Longest a clustered member holds client requests back while it publishes its attributes. */
const PUBLISH_GATE_MS = 10_000;

/** Holds client requests until the member is ready to serve them. */
class ServingGate {
  open: boolean;
  readonly wait: Promise<void>;
  #resolve: () => void = () => {};

  constructor(open: boolean) {
    this.open = open;
    this.wait = open ? Promise.resolve() : new Promise((resolve) => (this.#resolve = resolve));
  }

  openNow(): void {
    this.open = true;
    this.#resolve();
  }
}

/** Bound on one snapshot (made or received). */
const MAX_SNAPSHOT_BYTES = 4 * 1024 * 1024 * 1024 - 1;

/** A snapshot saved but not installed when the member stopped: install it before the core starts. */
function installSavedSnapshot(log: SqliteRaftLog, snapshots: SnapshotStore, registry: MemberRegistry): void {
  const meta = log.snapshot().metadata;
  snapshots.install({ metadata: meta, data: new Uint8Array(0) });
  log.acceptApplied(meta.index);
  log.acceptConfState(meta.confState);
  registry.reload();
}

/**
 * Where the Raft log database lives: --wal-dir, else the data dir. A log that is not where the state
 * database expects it is refused, either way round: starting on an empty log would found the cluster again
 * over the existing state (a data dir started with --wal-dir once must keep it, and one without, not gain it).
 */
function logDir(config: ServerConfig): string {
  const dir = config.walDir === "" ? config.dataDir : config.walDir;
  if (dir !== config.dataDir && existsSync(join(config.dataDir, LOG_DB_FILE))) {
    throw new Error(`--wal-dir ${dir}: the data dir ${config.dataDir} holds its own Raft log (${LOG_DB_FILE}); move it there or drop --wal-dir`);
  }
  if (!existsSync(join(dir, LOG_DB_FILE)) && existsSync(join(config.dataDir, STATE_DB_FILE))) {
    throw new Error(`the data dir ${config.dataDir} has a state database but no Raft log in ${dir}: was it started with another --wal-dir?`);
  }
  return dir;
}

/** Fills unspecified options with etcd's defaults (the same ones the command line has). */
export function resolveConfig(options: StartServerOptions): ServerConfig {
  const parsed = parseServerArgs([], {});
  if (parsed.kind !== "run") throw new Error("default server config is invalid");
  const { listenClientUrls, listenPeerUrls, maxPendingRequests: _p, requestTimeoutMs: _t, ...rest } = options;
  const config: ServerConfig = { ...parsed.config, ...rest };
  if (options.name !== undefined && options.dataDir === undefined) config.dataDir = `${options.name}.tsetcd`;
  if (options.name !== undefined && options.initialCluster === undefined) {
    config.initialCluster = new Map([[options.name, config.initialAdvertisePeerUrls]]);
  }
  if (listenClientUrls !== undefined) config.listenClientUrls = toUrls("listen-client-urls", listenClientUrls);
  if (listenPeerUrls !== undefined) config.listenPeerUrls = toUrls("listen-peer-urls", listenPeerUrls);
  if (!config.initialCluster.has(config.name)) {
    throw new Error(`couldn't find local name "${config.name}" in the initial cluster configuration`);
  }
  return config;
}

function toUrls(flag: string, urls: (string | URL)[]): URL[] {
  const parsed = parseUrls(flag, urls.map(String).join(","));
  if (typeof parsed === "string") throw new Error(parsed);
  return parsed;
}

/**
 * Test-only switch: TSETCD_TEST_CRASH_AFTER_PERSIST=N lets N batches of writes through the general path,
 * then exits right after the next batch's persist transaction, before its apply.
 */
function crashAfterPersistFromEnv(): number | undefined {
  const value = process.env.TSETCD_TEST_CRASH_AFTER_PERSIST;
  if (value === undefined || value === "") return undefined;
  const count = Number(value);
  if (!Number.isInteger(count) || count < 0) throw new Error(`TSETCD_TEST_CRASH_AFTER_PERSIST: bad value ${value}`);
  return count;
}

/** Which databases have their WAL checkpointed on a thread (false: SQLite's auto-checkpoint, on the loop). */
interface CheckpointThreads {
  stateCheckpoint: boolean;
  logCheckpoint: boolean;
}

/** etcd's AlarmType names, as the health checks name active alarms. */
const ALARM_NAMES: Record<number, string> = { 1: "NOSPACE", 2: "CORRUPT" };

/** The health checks' key (etcd 3.5 reads a one-key range too); any key serves, it need not exist. */
const HEALTH_KEY = new TextEncoder().encode("health");
/** key = range_end = "\0": the whole keyspace. */
const ALL_KEYS = new Uint8Array([0]);

/** tsetcd's own families, after etcd's. */
function tsetcdMetricsText(threads: CheckpointThreads): string {
  return [
    "# HELP tsetcd_version Which tsetcd version is running.",
    "# TYPE tsetcd_version gauge",
    `tsetcd_version{version="${TSETCD_VERSION}"} 1`,
    "# HELP tsetcd_checkpoint_thread Whether the database's WAL is checkpointed on a thread.",
    "# TYPE tsetcd_checkpoint_thread gauge",
    `tsetcd_checkpoint_thread{db="state"} ${threads.stateCheckpoint ? 1 : 0}`,
    `tsetcd_checkpoint_thread{db="log"} ${threads.logCheckpoint ? 1 : 0}`,
    "",
  ].join("\n");
}

export { idHex };
