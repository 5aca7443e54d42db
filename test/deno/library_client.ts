/**
 * Run by test/deno/client_path_test.ts under Deno: imports the library as a Deno user would
 * (`import { connect } from ".../mod.ts"`), writes and reads a key on the endpoint given as the first
 * argument, and prints one JSON line of what it saw.
 * @module
 */
import { connect } from "../../mod.ts";

const endpoint = process.argv[2];
if (endpoint === undefined) throw new Error("usage: library_client.ts host:port");
const client = connect({ endpoints: [endpoint], commandTimeoutMs: 10_000 });
const put = await client.put("deno/greeting", "hello from deno");
const got = await client.get("deno/greeting");
const value = new TextDecoder().decode(got.kvs?.[0]?.value);
console.log(JSON.stringify({ putRevision: String(put.header?.revision), value, count: String(got.count) }));
