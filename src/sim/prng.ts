/**
 * A small seeded PRNG for the simulator: xoshiro128** over four 32-bit words, seeded through splitmix32.
 * Everything random in a simulated run comes from one of these, so a run is a pure function of its seed.
 * @module
 */

/** Seeded pseudo-random source; all methods are deterministic given the seed and the call sequence. */
export class Prng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  /** `seed` is any integer (only its low 32 bits and a mix of the high bits matter). */
  constructor(seed: number) {
    let x = (seed ^ Math.floor(seed / 0x1_0000_0000)) >>> 0;
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      let z = x;
      z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
      z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
      return (z ^ (z >>> 16)) >>> 0;
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
    // xoshiro must not start from the all-zero state.
    if ((this.s0 | this.s1 | this.s2 | this.s3) === 0) this.s0 = 1;
  }

  /** Next raw 32-bit unsigned value. */
  nextU32(): number {
    // Rotations by 7 and 11 written out, not a helper call: this runs for every random draw of a run.
    const x = Math.imul(this.s1, 5);
    const result = Math.imul((x << 7) | (x >>> 25), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    const s3 = this.s3;
    this.s3 = ((s3 << 11) | (s3 >>> 21)) >>> 0;
    return result;
  }

  /** Uniform float in [0, 1). */
  float(): number {
    return this.nextU32() / 0x1_0000_0000;
  }

  /** Uniform integer in [0, n); n must be a positive integer. */
  int(n: number): number {
    if (!(n > 0) || !Number.isInteger(n)) throw new Error(`prng.int: bad bound ${n}`);
    return Math.floor(this.float() * n);
  }

  /** Uniform integer in [lo, hi] inclusive. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }

  /** True with probability p. */
  chance(p: number): boolean {
    return this.float() < p;
  }

  /** One element of a non-empty array. */
  pick<T>(items: readonly T[]): T {
    if (items.length === 0) throw new Error("prng.pick: empty array");
    return items[this.int(items.length)]!;
  }

  /** A shuffled copy (Fisher–Yates). */
  shuffle<T>(items: readonly T[]): T[] {
    const out = items.slice();
    for (let i = out.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = out[i]!;
      out[i] = out[j]!;
      out[j] = tmp;
    }
    return out;
  }

  /** A new independent generator derived from this one (so sub-systems don't perturb each other). */
  fork(): Prng {
    return new Prng(this.nextU32() * 0x1_0000 + (this.nextU32() & 0xffff));
  }
}
