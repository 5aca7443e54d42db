/**
 * The client front's thread: the member's main thread is busy serving requests, so the public port's
 * accept, sniff and byte copying run here, on another core. Messages: start {options} → listening {port}
 * | failed {message}; close → closed.
 * @module
 */
import { type FrontListenOptions, type FrontListener, listenFront } from "./listener.ts";

declare const self: Worker;

let front: FrontListener | undefined;

self.onmessage = (event: MessageEvent): void => {
  const msg = event.data as { type: string; options?: FrontListenOptions };
  if (msg.type === "start" && front === undefined && msg.options !== undefined) {
    try {
      front = listenFront(msg.options);
      self.postMessage({ type: "listening", port: front.port });
    } catch (error) {
      self.postMessage({ type: "failed", message: (error as Error)?.message ?? String(error) });
    }
    return;
  }
  if (msg.type === "close") {
    front?.close();
    front = undefined;
    self.postMessage({ type: "closed" });
  }
};
