/**
 * The members of a local cluster: names, URLs, data dirs and the `tsetcd server` words of each, from a
 * list of ports. Pure.
 * @module
 */
import { join } from "node:path";
import { LOOPBACK } from "./ports.ts";

/** One member of a local cluster. */
export interface MemberPlan {
  name: string;
  clientUrl: string;
  peerUrl: string;
  dataDir: string;
  /** The words after `tsetcd server`. */
  serverArgs: string[];
}

/**
 * Member i gets ports[2i] for clients and ports[2i+1] for peers; its data lives in root/<name>.
 * @example planMembers({ size: 1, namePrefix: "m", ports: [2379, 2380], root: "/tmp/c" })
 */
export function planMembers(options: { size: number; namePrefix: string; ports: number[]; root: string }): MemberPlan[] {
  const { size, namePrefix, ports, root } = options;
  if (ports.length !== 2 * size) throw new Error(`planMembers: ${ports.length} ports for ${size} members`);
  const names = Array.from({ length: size }, (_v, i) => `${namePrefix}${i + 1}`);
  const peerUrls = names.map((_n, i) => `http://${LOOPBACK}:${ports[2 * i + 1]}`);
  const initialCluster = names.map((n, i) => `${n}=${peerUrls[i]}`).join(",");
  return names.map((name, i) => {
    const clientUrl = `http://${LOOPBACK}:${ports[2 * i]}`;
    const dataDir = join(root, name);
    return {
      name,
      clientUrl,
      peerUrl: peerUrls[i]!,
      dataDir,
      serverArgs: [
        "--name", name,
        "--data-dir", dataDir,
        "--listen-client-urls", clientUrl,
        "--advertise-client-urls", clientUrl,
        "--listen-peer-urls", peerUrls[i]!,
        "--initial-advertise-peer-urls", peerUrls[i]!,
        "--initial-cluster", initialCluster,
        "--initial-cluster-token", `tsetcd-cluster-up-${namePrefix}`,
        "--initial-cluster-state", "new",
      ],
    };
  });
}

/** The lines printed once every member is ready. */
export function endpointsText(members: MemberPlan[]): string {
  const urls = members.map((m) => m.clientUrl).join(",");
  return [
    ...members.map((m) => `${m.name}  client ${m.clientUrl}  peer ${m.peerUrl}  data ${m.dataDir}`),
    `export ETCDCTL_ENDPOINTS=${urls}`,
    `tsetcd --endpoints=${urls} endpoint status -w table`,
    `console: ${members[0]!.clientUrl}/ui`,
    "",
  ].join("\n");
}

/**
 * How this program starts itself again: the compiled binary is one file (its script path is inside Bun's
 * embedded file system), a source run is the runtime plus the entry script.
 */
export function selfCommand(execPath: string, argv: string[]): string[] {
  const script = argv[1];
  if (script === undefined || script.includes("/$bunfs/") || script.includes("/~BUN/")) return [execPath];
  return [execPath, script];
}
