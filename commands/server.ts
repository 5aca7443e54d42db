/**
 * `tsetcd server`: runs one member until SIGINT/SIGTERM. Flags and environment as etcd's (see
 * src/server/config.ts); this file only parses, starts, prints and waits.
 * @module
 */
import { arch, platform } from "node:os";
import { parseServerArgs, serverUsage } from "../src/server/config.ts";
import { idHex, startServer } from "../src/server/mod.ts";
import { ETCD_API_VERSION, TSETCD_VERSION } from "../src/server/version.ts";

/** Runs `tsetcd server <args>`; resolves to the process exit code. */
export async function runServerCommand(args: string[]): Promise<number> {
  const parsed = parseServerArgs(args, process.env);
  if (parsed.kind === "error") {
    console.error(`tsetcd server: ${parsed.message}`);
    return 1;
  }
  if (parsed.kind === "help") {
    console.log(serverUsage());
    return 0;
  }
  if (parsed.kind === "version") {
    console.log(versionText());
    return 0;
  }
  let server;
  try {
    server = await startServer(parsed.config);
  } catch (err) {
    console.error(`tsetcd server: ${(err as Error).message}`);
    return 1;
  }
  const running = server;
  console.error(
    `tsetcd: member ${idHex(running.memberId)} (${running.name}) of cluster ${idHex(running.clusterId)}, data dir ${running.dataDir}`,
  );
  if (running.grpcUrls.length > 0) console.error(`tsetcd: serving etcd's gRPC API on ${running.grpcUrls.join(",")}`);
  console.error(`tsetcd: ready to serve client requests on ${running.clientUrls.join(",")}`);
  return await new Promise<number>((resolve) => {
    const stop = (signal: string): void => {
      console.error(`tsetcd: received ${signal}, shutting down`);
      process.off("SIGINT", onInt);
      process.off("SIGTERM", onTerm);
      running.close().then(() => resolve(0), (err) => {
        console.error(`tsetcd: error while closing: ${(err as Error).message}`);
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
    `Bun Version: ${Bun.version}`,
    `Bun OS/Arch: ${platform()}/${arch()}`,
  ].join("\n");
}
