/**
 * The process_* families Prometheus' Go client exports and etcd dashboards chart (memory, CPU, file
 * descriptors, start time). Read from /proc at scrape time; off Linux the /proc ones are left out.
 * @module
 */
import { readdirSync, readFileSync } from "node:fs";
import { type Family, formatFamily } from "./text.ts";

/** Most /proc/self/fd entries listed before giving up (a bound on the scrape's work). */
const MAX_FDS_LISTED = 1 << 20;

/** The process_* families as Prometheus text. */
export function processMetricsText(): string {
  const families: Family[] = [];
  const cpu = process.cpuUsage();
  families.push(gauge("process_cpu_seconds_total", "Total user and system CPU time spent in seconds.", (cpu.user + cpu.system) / 1e6, "counter"));
  const maxFds = readMaxFds();
  if (maxFds !== undefined) families.push(gauge("process_max_fds", "Maximum number of open file descriptors.", maxFds));
  const openFds = countOpenFds();
  if (openFds !== undefined) families.push(gauge("process_open_fds", "Number of open file descriptors.", openFds));
  families.push(gauge("process_resident_memory_bytes", "Resident memory size in bytes.", process.memoryUsage.rss()));
  families.push(gauge("process_start_time_seconds", "Start time of the process since unix epoch in seconds.", startTimeSeconds()));
  const virtualBytes = readVirtualBytes();
  if (virtualBytes !== undefined) families.push(gauge("process_virtual_memory_bytes", "Virtual memory size in bytes.", virtualBytes));
  return families.map(formatFamily).join("");
}

function gauge(name: string, help: string, value: number, type: "gauge" | "counter" = "gauge"): Family {
  return { name, help, type, samples: [{ value }] };
}

/** Whole seconds and centiseconds, as the Go client reports it from the process' start tick. */
function startTimeSeconds(): number {
  return Math.round((Date.now() / 1000 - process.uptime()) * 100) / 100;
}

function countOpenFds(): number | undefined {
  try {
    return Math.min(readdirSync("/proc/self/fd").length, MAX_FDS_LISTED);
  } catch {
    return undefined;
  }
}

function readMaxFds(): number | undefined {
  try {
    const line = readFileSync("/proc/self/limits", "utf8").split("\n").find((l) => l.startsWith("Max open files"));
    const soft = line?.slice("Max open files".length).trim().split(/\s+/)[0];
    const value = Number(soft);
    return Number.isFinite(value) ? value : undefined;
  } catch {
    return undefined;
  }
}

function readVirtualBytes(): number | undefined {
  try {
    const pages = Number(readFileSync("/proc/self/statm", "utf8").split(" ")[0]);
    return Number.isFinite(pages) ? pages * 4096 : undefined;
  } catch {
    return undefined;
  }
}
