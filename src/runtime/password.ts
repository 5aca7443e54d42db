/**
 * bcrypt password hashing, as etcd stores user passwords: Bun.password on Bun (its thread pool), bcryptjs
 * (pure JavaScript, on the event loop in slices) on Deno and Node. Both write and read the same `$2b$`
 * hashes and read `$2a$` ones, so a hash made by a Deno member verifies on a Bun member and back — the
 * proposer hashes, any member checks.
 *
 * One gap: bcrypt reads at most 72 bytes of a password. Bun hashes a longer one with SHA-512 first and runs
 * bcrypt over the raw digest; bcryptjs takes only strings (UTF-8 encoded), so it cannot feed bcrypt those
 * bytes. Rather than make a hash Bun would not verify (or verify one wrongly), a password over 72 bytes
 * is refused off Bun with one clear error.
 * @module
 */
import { RUNTIME } from "./mod.ts";

/** Most UTF-8 bytes of a password bcrypt reads; past this Bun pre-hashes and the runtimes part ways. */
export const BCRYPT_MAX_PASSWORD_BYTES = 72;

/** The one error a runtime gives for a password it cannot hash or check as Bun would. */
export class PasswordHashingUnavailable extends Error {
  constructor(reason: string) {
    super(`bcrypt on ${RUNTIME}: ${reason}`);
    this.name = "PasswordHashingUnavailable";
  }
}

interface Bcryptjs {
  hash(password: string, cost: number): Promise<string>;
  compare(password: string, hash: string): Promise<boolean>;
}

let bcryptjs: Promise<Bcryptjs> | undefined;

/** bcryptjs, loaded on first use so Bun never loads it. */
function loadBcryptjs(): Promise<Bcryptjs> {
  bcryptjs ??= import("bcryptjs").then((module) => (module.default ?? module) as Bcryptjs);
  return bcryptjs;
}

function checkLength(password: string): void {
  const bytes = new TextEncoder().encode(password).length;
  if (bytes > BCRYPT_MAX_PASSWORD_BYTES) {
    throw new PasswordHashingUnavailable(
      `a password of ${bytes} bytes (over ${BCRYPT_MAX_PASSWORD_BYTES}) is hashed as Bun does only on Bun`,
    );
  }
}

/**
 * A bcrypt hash of `password` at `cost` (`$2b$`).
 * @example const hash = await hashPassword("secret", 10);
 */
export async function hashPassword(password: string, cost: number): Promise<string> {
  if (RUNTIME === "bun") return Bun.password.hash(password, { algorithm: "bcrypt", cost });
  checkLength(password);
  return (await loadBcryptjs()).hash(password, cost);
}

/**
 * Whether `password` matches the bcrypt `hash` (`$2a$` or `$2b$`).
 * @example if (!(await verifyPassword(given, stored))) throw AuthErrors.authFailed();
 */
export async function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (RUNTIME === "bun") return Bun.password.verify(password, hash, "bcrypt");
  checkLength(password);
  return (await loadBcryptjs()).compare(password, hash);
}
