/**
 * grpc-go-prometheus' server families as etcd 3.4 exports them (grpc_server_started_total and
 * grpc_server_handled_total by grpc_type, grpc_service, grpc_method and grpc_code), and etcd's client gRPC
 * byte counters. Counting is a map lookup by the request's :path (a string node:http2 already made) and an
 * array increment: no allocation per call once a method was seen.
 * @module
 */
import { type Family, formatFamily } from "./text.ts";

/** gRPC's status code names, by number (grpc-go's codes.Code.String()). */
const CODE_NAMES = [
  "OK", "Canceled", "Unknown", "InvalidArgument", "DeadlineExceeded", "NotFound", "AlreadyExists",
  "PermissionDenied", "ResourceExhausted", "FailedPrecondition", "Aborted", "OutOfRange", "Unimplemented",
  "Internal", "Unavailable", "DataLoss", "Unauthenticated",
] as const;

/** grpc_type as grpc-go-prometheus names it. */
export type GrpcType = "unary" | "server_stream" | "bidi_stream";

/** Bound on distinct method paths counted (etcd 3.4 has about 50 methods; unknown paths are never counted). */
const MAX_METHODS = 256;

interface MethodCounts {
  service: string;
  method: string;
  type: GrpcType;
  started: number;
  handled: number[];
}

/** The counters of one process' gRPC servers. */
export class GrpcMetrics {
  readonly #methods = new Map<string, MethodCounts>();
  /** etcd_network_client_grpc_sent_bytes_total: framed message bytes sent. */
  sentBytes = 0;
  /** etcd_network_client_grpc_received_bytes_total: bytes of messages received. */
  receivedBytes = 0;

  /** A call to `path` ("/etcdserverpb.KV/Range", already resolved to a known method) started. */
  started(path: string, type: GrpcType): void {
    const counts = this.#countsOf(path, type);
    if (counts !== undefined) counts.started++;
  }

  /** A call to `path` ended with `code`. */
  handled(path: string, type: GrpcType, code: number): void {
    const counts = this.#countsOf(path, type);
    if (counts === undefined) return;
    const index = code >= 0 && code < CODE_NAMES.length ? code : 2; // anything else reads as Unknown
    counts.handled[index]!++;
  }

  #countsOf(path: string, type: GrpcType): MethodCounts | undefined {
    const known = this.#methods.get(path);
    if (known !== undefined) return known;
    if (this.#methods.size >= MAX_METHODS) return undefined;
    const slash = path.lastIndexOf("/");
    const counts: MethodCounts = {
      service: path.slice(1, slash),
      method: path.slice(slash + 1),
      type,
      started: 0,
      handled: new Array<number>(CODE_NAMES.length).fill(0),
    };
    this.#methods.set(path, counts);
    return counts;
  }

  /** The families as text; the per-method ones only once a call was counted. */
  format(): string {
    const families: Family[] = [
      { name: "etcd_network_client_grpc_received_bytes_total", help: "The total number of bytes received from grpc clients.", type: "counter", samples: [{ value: this.receivedBytes }] },
      { name: "etcd_network_client_grpc_sent_bytes_total", help: "The total number of bytes sent to grpc clients.", type: "counter", samples: [{ value: this.sentBytes }] },
    ];
    const methods = [...this.#methods.values()].sort((a, b) => a.method.localeCompare(b.method) || a.service.localeCompare(b.service));
    const handled: Family = {
      name: "grpc_server_handled_total",
      help: "Total number of RPCs completed on the server, regardless of success or failure.",
      type: "counter",
      samples: [],
    };
    const started: Family = { name: "grpc_server_started_total", help: "Total number of RPCs started on the server.", type: "counter", samples: [] };
    for (const m of methods) {
      const labels = { grpc_method: m.method, grpc_service: m.service, grpc_type: m.type };
      started.samples.push({ labels, value: m.started });
      m.handled.forEach((count, code) => {
        if (count > 0) handled.samples.push({ labels: { grpc_code: CODE_NAMES[code]!, ...labels }, value: count });
      });
    }
    if (handled.samples.length > 0) families.push(handled);
    if (started.samples.length > 0) families.push(started);
    return families.map(formatFamily).join("");
  }
}

/** The process' gRPC counters (every gRPC server in the process counts here). */
export const grpcMetrics = new GrpcMetrics();
