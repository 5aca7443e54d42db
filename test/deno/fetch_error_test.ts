/**
 * fetchErrorCode (src/runtime/fetch_error.ts): the same code for the same failure on Bun (its own `code`)
 * and on Deno (words in the error's `cause`, as Deno 2.9 words them), so the client's "never sent" test
 * holds on both. Without it a refused connection on Deno counted as "lost after sending": `put` against a
 * dead endpoint printed "connection lost: fetch failed" instead of etcdctl's "context deadline exceeded".
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { fetchErrorCode } from "../../src/runtime/fetch_error.ts";

/** A free loopback port in helper U's range that nothing listens on. */
const DEAD_PORT = 25799;

/** Deno's fetch error for a refused connection, shaped and worded as Deno 2.9.6 throws it. */
function denoError(causeMessage: string): Error {
  return new TypeError("fetch failed", { cause: new Error(causeMessage) });
}

test("Bun: a refused connection carries its own code", async () => {
  const error = await fetch(`http://127.0.0.1:${DEAD_PORT}/`).then(() => undefined, (e: unknown) => e);
  assert.ok(error !== undefined, "something listens on the dead port");
  assert.is(fetchErrorCode(error), "ECONNREFUSED");
});

test("Deno: the cause's words give the code", () => {
  const url = `http://127.0.0.1:${DEAD_PORT}/x`;
  const refused = `error sending request for url (${url}): client error (Connect): tcp connect error: Connection refused (os error 111)`;
  assert.is(fetchErrorCode(denoError(refused)), "ECONNREFUSED");
  assert.is(fetchErrorCode(denoError("client error (Connect): dns error: failed to lookup address information")), "ENOTFOUND");
  assert.is(fetchErrorCode(denoError("client error (Connect): No route to host (os error 113)")), "EHOSTUNREACH");
  assert.is(fetchErrorCode(denoError("client error (Connect): invalid peer certificate: UnknownIssuer")), "EPROTO");
});

test("nothing said, nothing guessed: a reset after sending or a plain error has no code", () => {
  assert.is(fetchErrorCode(denoError("connection closed before message completed")), undefined);
  assert.is(fetchErrorCode(new Error("boom")), undefined);
  assert.is(fetchErrorCode(undefined), undefined);
  const loop: { message: string; cause?: unknown } = { message: "loop" };
  loop.cause = loop;
  assert.is(fetchErrorCode(loop), undefined, "a cause cycle ends");
});

test.run();
