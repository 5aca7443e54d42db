/**
 * Versions tsetcd reports: its own, and the etcd API version it speaks (clients such as etcdctl 3.4 check
 * /version and Status to decide what they may call).
 * @module
 */
import pkg from "../../package.json" with { type: "json" };

/** tsetcd's own version, from package.json. */
export const TSETCD_VERSION: string = pkg.version;
/** The etcd server version reported by /version and Status. */
export const ETCD_API_VERSION = "3.4.30";
/** The cluster version reported by /version. */
export const ETCD_CLUSTER_VERSION = "3.4.0";
