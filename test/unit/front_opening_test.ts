/**
 * src/front/opening.ts and client_hello.ts: how the client front tells HTTP/1, the HTTP/2 preface and a TLS
 * ClientHello's ALPN apart — from byte strings written here, and from real ClientHellos that node:tls sends
 * (captured by a loopback listener on port 26490 that answers nothing).
 */
import { test } from "uvu";
import * as assert from "uvu/assert";
import { connect } from "node:tls";
import { classifyOpening, H2_PREFACE, MAX_OPENING_BYTES } from "../../src/front/opening.ts";
import { readClientHello } from "../../src/front/client_hello.ts";

const text = (s: string): Uint8Array => new TextEncoder().encode(s);
const plain = { tls: false };
const tls = { tls: true };

test("cleartext: a request line is HTTP/1, the whole preface is h2, their prefixes wait for more", () => {
  assert.equal(classifyOpening(text("POST /v3/kv/range HTTP/1.1\r\n"), plain), { kind: "http1" });
  assert.equal(classifyOpening(text("GET "), plain), { kind: "http1" });
  assert.equal(classifyOpening(H2_PREFACE, plain), { kind: "h2" });
  assert.equal(classifyOpening(text("PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n\0\0\0\x04"), plain), { kind: "h2" });
  for (const partial of ["", "P", "PRI", "PRI * HTTP/2.0\r\n", "OPTIONS", "DELETE"]) {
    assert.equal(classifyOpening(text(partial), plain), { kind: "more" }, JSON.stringify(partial));
  }
});

test("a first read longer than the opening bound is classified by its start (a 200 KB gRPC put in one write)", () => {
  const big = new Uint8Array(MAX_OPENING_BYTES * 4).fill(0x61);
  const after = (head: Uint8Array): Uint8Array => {
    const out = new Uint8Array(head.length + big.length);
    out.set(head, 0);
    out.set(big, head.length);
    return out;
  };
  assert.equal(classifyOpening(after(H2_PREFACE), plain), { kind: "h2" });
  assert.equal(classifyOpening(after(text("POST /v3/kv/put HTTP/1.1\r\n\r\n")), plain), { kind: "http1" });
  assert.equal(classifyOpening(after(hello(["h2"])), tls), { kind: "h2" });
  // Still refused: a start that is neither.
  assert.is(classifyOpening(after(Uint8Array.of(0, 1, 2)), plain).kind, "refuse");
});

test("cleartext: garbage, a lower-case or overlong method, a leading space and TLS bytes are refused", () => {
  for (const bad of ["\x00\x01\x02", "get / HTTP/1.1", " GET /", "ABCDEFGHIJKLMNOPQRSTU", "\x16\x03\x01\x00\x10"]) {
    assert.is(classifyOpening(text(bad), plain).kind, "refuse", JSON.stringify(bad));
  }
  assert.is(classifyOpening(new Uint8Array(MAX_OPENING_BYTES + 1).fill(0x41), plain).kind, "refuse");
});

test("TLS: ALPN h2 → h2; http/1.1 only or no ALPN → http1; a ClientHello split across records joins", () => {
  assert.equal(classifyOpening(hello(["h2", "http/1.1"]), tls), { kind: "h2" });
  assert.equal(classifyOpening(hello(["http/1.1"]), tls), { kind: "http1" });
  assert.equal(classifyOpening(hello(undefined), tls), { kind: "http1" });
  assert.equal(readClientHello(hello(["http/1.1", "h2"])), { kind: "hello", alpn: ["http/1.1", "h2"] });
  // The same ClientHello in records of 7 bytes each: still h2, and "more" until the last one.
  const whole = hello(["h2"]);
  const split = rerecord(whole, 7);
  assert.equal(classifyOpening(split, tls), { kind: "h2" });
  assert.equal(classifyOpening(split.subarray(0, split.length - 1), tls), { kind: "more" });
});

test("TLS: a partial record waits; plaintext, a non-ClientHello, bad lengths and truncated fields are refused", () => {
  const full = hello(["h2"]);
  for (const cut of [1, 3, 5, 20, full.length - 1]) assert.is(classifyOpening(full.subarray(0, cut), tls).kind, "more", `cut ${cut}`);
  assert.is(classifyOpening(text("GET / HTTP/1.1\r\n"), tls).kind, "refuse");
  assert.is(classifyOpening(Uint8Array.of(0x16, 0x03, 0x01, 0x00, 0x00), tls).kind, "refuse"); // empty record
  assert.is(classifyOpening(Uint8Array.of(0x16, 0x03, 0x01, 0x50, 0x00), tls).kind, "refuse"); // record > 16 KiB
  assert.is(classifyOpening(Uint8Array.of(0x16, 0x02, 0x00, 0x00, 0x04, 0x01, 0, 0, 0), tls).kind, "refuse"); // SSLv2-ish version
  const serverHello = full.slice();
  serverHello[5] = 0x02;
  assert.is(classifyOpening(serverHello, tls).kind, "refuse");
  // An ALPN extension whose list length runs past the extension: refused, never read out of bounds.
  const broken = hello(["h2"]);
  const at = broken.length - 5; // the ALPN list length (2 bytes) sits 5 bytes before the end: len(2) + "\x02h2"
  broken[at] = 0x00;
  broken[at + 1] = 0x40;
  assert.is(classifyOpening(broken, tls).kind, "refuse");
});

test("real ClientHellos from node:tls: ALPN [h2, http/1.1] → h2, [http/1.1] → http1, none → http1", async () => {
  const seen: Uint8Array[] = [];
  const listener = Bun.listen({
    hostname: "127.0.0.1",
    port: 26490,
    socket: {
      data(socket, chunk) {
        seen.push(new Uint8Array(chunk));
        socket.end();
      },
    },
  });
  try {
    for (const alpn of [["h2", "http/1.1"], ["http/1.1"], undefined]) {
      const before = seen.length;
      await new Promise<void>((done) => {
        const socket = connect({ host: "127.0.0.1", port: 26490, rejectUnauthorized: false, ...(alpn ? { ALPNProtocols: alpn } : {}) });
        socket.on("error", () => done());
        socket.on("close", () => done());
        setTimeout(() => {
          socket.destroy();
          done();
        }, 3_000);
      });
      assert.is(seen.length, before + 1, "the listener got a ClientHello");
    }
  } finally {
    listener.stop(true);
  }
  assert.equal(seen.map((bytes) => classifyOpening(bytes, tls).kind), ["h2", "http1", "http1"]);
  assert.equal(readClientHello(seen[0]!), { kind: "hello", alpn: ["h2", "http/1.1"] });
});

/** A minimal TLS 1.2 ClientHello in one record, with an ALPN extension when `alpn` is given. */
function hello(alpn: string[] | undefined): Uint8Array {
  const body: number[] = [0x03, 0x03, ...new Array(32).fill(7), 0, 0, 2, 0x13, 0x01, 1, 0];
  const extensions: number[] = [0x00, 0x0b, 0x00, 0x02, 0x01, 0x00]; // ec_point_formats, before ALPN
  if (alpn !== undefined) {
    const list = alpn.flatMap((name) => [name.length, ...new TextEncoder().encode(name)]);
    const data = [list.length >> 8, list.length & 0xff, ...list];
    extensions.push(0x00, 0x10, data.length >> 8, data.length & 0xff, ...data);
  }
  body.push(extensions.length >> 8, extensions.length & 0xff, ...extensions);
  const handshake = [0x01, 0, body.length >> 8, body.length & 0xff, ...body];
  return Uint8Array.from([0x16, 0x03, 0x01, handshake.length >> 8, handshake.length & 0xff, ...handshake]);
}

/** The handshake bytes of a one-record ClientHello re-cut into records of `size` bytes. */
function rerecord(single: Uint8Array, size: number): Uint8Array {
  const payload = single.subarray(5);
  const out: number[] = [];
  for (let at = 0; at < payload.length; at += size) {
    const part = payload.subarray(at, at + size);
    out.push(0x16, 0x03, 0x01, part.length >> 8, part.length & 0xff, ...part);
  }
  return Uint8Array.from(out);
}

test.run();
