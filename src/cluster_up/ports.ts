/**
 * Free loopback ports, asked of the OS: bind port 0, note what it gave, close. Another process may take a
 * port between the close and the member's bind; the caller retries the whole start when that happens.
 * @module
 */
import { createServer } from "node:net";

/** Loopback host every member listens on. */
export const LOOPBACK = "127.0.0.1";

/**
 * `count` distinct free ports. All are held open until every one is known, so the OS never hands out the
 * same port twice within one call.
 */
export async function pickFreePorts(count: number): Promise<number[]> {
  if (!Number.isInteger(count) || count < 1 || count > 64) throw new Error(`pickFreePorts: count ${count} out of 1..64`);
  const held: ReturnType<typeof createServer>[] = [];
  try {
    const ports: number[] = [];
    for (let i = 0; i < count; i++) {
      const server = createServer();
      held.push(server);
      ports.push(await new Promise<number>((resolve, reject) => {
        server.once("error", reject);
        server.listen(0, LOOPBACK, () => {
          const address = server.address();
          resolve(typeof address === "object" && address !== null ? address.port : 0);
        });
      }));
    }
    if (new Set(ports).size !== count || ports.some((p) => p <= 0)) throw new Error(`pickFreePorts: bad ports ${ports}`);
    return ports;
  } finally {
    await Promise.all(held.map((s) => new Promise<void>((resolve) => (s.listening ? s.close(() => resolve()) : resolve()))));
  }
}

/** True when `port` can be bound on loopback right now. */
export async function portIsFree(port: number): Promise<boolean> {
  return await new Promise((resolve) => {
    const server = createServer();
    server.once("error", () => resolve(false));
    server.listen(port, LOOPBACK, () => server.close(() => resolve(true)));
  });
}

