/**
 * `tsetcd server`: runs one member until SIGINT/SIGTERM. Flags and environment as etcd's (see
 * src/server/config.ts); this file only parses, starts, prints and waits.
 * @module
 */
import { arch, platform } from "node:os";
import { parseServerArgs, serverUsage } from "../src/server/config.ts";
import { idHex, startServer } from "../src/server/mod.ts";
import { ETCD_API_VERSION, TSETCD_VERSION } from "../src/server/version.ts";
import { configureLogger, type LogLevel } from "../src/log/mod.ts";
import { runtimeLabel, runtimeVersion } from "../src/runtime/mod.ts";

/** Runs `tsetcd server <args>`; resolves to the process exit code. */
export async function runServerCommand(args: string[]): Promise<number> {
  const parsed = parseServerArgs(args, process.env);
  if (parsed.kind === "error") {
    console.error(`tsetcd server: ${parsed.message}`);
    return parsed.exitCode;
  }
  if (parsed.kind === "help") {
    console.log(serverUsage());
    return 0;
  }
  if (parsed.kind === "version") {
    console.log(versionText());
    return 0;
  }
  let log;
  try {
    log = configureLogger({
      format: parsed.config.logger,
      level: parsed.config.logLevel as LogLevel,
      outputs: parsed.config.logOutputs,
    });
  } catch (err) {
    console.error(`tsetcd server: --log-outputs: ${(err as Error).message}`);
    return 1;
  }
  if (parsed.configFile !== undefined) {
    // etcd 3.4's notice, so an operator sees why a flag had no effect.
    log.info(`Loading server configuration from ${JSON.stringify(parsed.configFile)}. Other configuration ` +
      "command line flags and environment variables will be ignored if provided.", { path: parsed.configFile });
  }
  let server;
  try {
    server = await startServer(parsed.config);
  } catch (err) {
    log.error("failed to start", { error: (err as Error).message });
    console.error(`tsetcd server: ${(err as Error).message}`);
    return 1;
  }
  const running = server;
  log.info("started member", {
    "local-member-id": idHex(running.memberId),
    name: running.name,
    "cluster-id": idHex(running.clusterId),
    "data-dir": running.dataDir,
  });
  // The addresses stay in the message too: scripts (and our tests) wait for these sentences.
  if (running.grpcUrls.length > 0) {
    log.info(`serving etcd's gRPC API on ${running.grpcUrls.join(",")}`, { addresses: running.grpcUrls });
  }
  if (running.metricsUrls.length > 0) {
    log.info(`serving /metrics and health on ${running.metricsUrls.join(",")}`, { addresses: running.metricsUrls });
  }
  log.info(`ready to serve client requests on ${running.clientUrls.join(",")}`, { addresses: running.clientUrls });
  return await new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      log.info("received signal, shutting down", { signal });
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      running.close().then(() => resolve(0), (err) => {
        log.error("error while closing", { error: (err as Error).message });
        resolve(1);
      });
    };
    const onInt = (): void => stop("SIGINT");
    const onTerm = (): void => stop("SIGTERM");
    process.on("SIGINT", onInt);
    process.on("SIGTERM", onTerm);
    // etcd: a member removed from the cluster stops itself (and exits normally).
    running.removed.then(() => {
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      resolve(0);
    });
  });
}

/** `--version`, laid out as etcd prints it. */
export function versionText(): string {
  return [
    `tsetcd Version: ${TSETCD_VERSION}`,
    `etcd API Version: ${ETCD_API_VERSION}`,
    `Git SHA: not provided`,
    `${runtimeLabel()} Version: ${runtimeVersion()}`,
    `${runtimeLabel()} OS/Arch: ${platform()}/${arch()}`,
  ].join("\n");
}
