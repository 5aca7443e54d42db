/**
 * bcrypt password hashing, as etcd stores user passwords: Bun.password on Bun (its thread pool). Deno has no
 * bcrypt of its own and tsetcd ships none yet, so there both calls throw one clear error instead of a
 * ReferenceError: a Deno member serves everything but `user add`/`passwd` and password authentication.
 * @module
 */
import { RUNTIME } from "./mod.ts";

/** The one error a runtime without bcrypt gives. */
export class PasswordHashingUnavailable extends Error {
  constructor() {
    super(`bcrypt password hashing is not available on ${RUNTIME} yet (auth with passwords needs Bun)`);
    this.name = "PasswordHashingUnavailable";
  }
}

/**
 * A bcrypt hash of `password` at `cost`.
 * @example const hash = await hashPassword("secret", 10);
 */
export function hashPassword(password: string, cost: number): Promise<string> {
  if (RUNTIME !== "bun") return Promise.reject(new PasswordHashingUnavailable());
  return Bun.password.hash(password, { algorithm: "bcrypt", cost });
}

/**
 * Whether `password` matches the bcrypt `hash`.
 * @example if (!(await verifyPassword(given, stored))) throw AuthErrors.authFailed();
 */
export function verifyPassword(password: string, hash: string): Promise<boolean> {
  if (RUNTIME !== "bun") return Promise.reject(new PasswordHashingUnavailable());
  return Bun.password.verify(password, hash, "bcrypt");
}
