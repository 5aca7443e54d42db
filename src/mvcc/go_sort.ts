/**
 * Go's `sort.Sort` (pattern-defeating quicksort, as shipped since Go 1.19), reimplemented so that sorted
 * range results order equal elements exactly as etcd does. Go's sort is not stable: with more than 12
 * results, keys that tie on the sort target come out in an order only this algorithm reproduces. The
 * etcd 3.4.23 we compare against is built with Go 1.19.
 *
 * Pure: sorts the array in place through `less`, with the same sequence of comparisons and swaps as Go.
 * @module
 */

/** Below this length a range is insertion-sorted. */
const MAX_INSERTION = 12;
/** From this length the pivot is Tukey's ninther, below it a median of three. */
const SHORTEST_NINTHER = 50;
/** Number of swaps choosing a pivot takes on a strictly decreasing range. */
const MAX_SWAPS = 4 * 3;
/** partialInsertionSort fixes at most this many out-of-order pairs... */
const MAX_STEPS = 5;
/** ...and only on ranges at least this long. */
const SHORTEST_SHIFTING = 50;

const enum Hint {
  Unknown,
  Increasing,
  Decreasing,
}

class Sorter<T> {
  readonly items: T[];
  readonly lessFn: (a: T, b: T) => boolean;
  constructor(items: T[], less: (a: T, b: T) => boolean) {
    this.items = items;
    this.lessFn = less;
  }
  less(i: number, j: number): boolean {
    return this.lessFn(this.items[i]!, this.items[j]!);
  }
  swap(i: number, j: number): void {
    const t = this.items[i]!;
    this.items[i] = this.items[j]!;
    this.items[j] = t;
  }
}

/** Number of bits needed to represent n (Go's bits.Len). */
function bitLength(n: number): number {
  let bits = 0;
  while (n > 0) {
    bits += 1;
    n = Math.floor(n / 2);
  }
  return bits;
}

/** Sorts `items` in place as Go's `sort.Sort` would with this `less`. */
export function goSort<T>(items: T[], less: (a: T, b: T) => boolean): void {
  const n = items.length;
  if (n <= 1) return;
  pdqsort(new Sorter(items, less), 0, n, bitLength(n));
}

function insertionSort<T>(s: Sorter<T>, a: number, b: number): void {
  for (let i = a + 1; i < b; i++) {
    for (let j = i; j > a && s.less(j, j - 1); j--) s.swap(j, j - 1);
  }
}

function siftDown<T>(s: Sorter<T>, lo: number, hi: number, first: number): void {
  let root = lo;
  for (;;) {
    let child = 2 * root + 1;
    if (child >= hi) return;
    if (child + 1 < hi && s.less(first + child, first + child + 1)) child += 1;
    if (!s.less(first + root, first + child)) return;
    s.swap(first + root, first + child);
    root = child;
  }
}

function heapSort<T>(s: Sorter<T>, a: number, b: number): void {
  const first = a;
  const hi = b - a;
  for (let i = Math.floor((hi - 1) / 2); i >= 0; i--) siftDown(s, i, hi, first);
  for (let i = hi - 1; i >= 0; i--) {
    s.swap(first, first + i);
    siftDown(s, 0, i, first);
  }
}

function pdqsort<T>(s: Sorter<T>, a: number, b: number, limit: number): void {
  let wasBalanced = true;
  let wasPartitioned = true;
  // Each turn either returns or shrinks [a, b); the bound only guards against a broken `less`.
  for (let turn = 0; turn <= s.items.length + 64; turn++) {
    const length = b - a;
    if (length <= MAX_INSERTION) {
      insertionSort(s, a, b);
      return;
    }
    if (limit === 0) {
      heapSort(s, a, b);
      return;
    }
    if (!wasBalanced) {
      breakPatterns(s, a, b);
      limit -= 1;
    }
    let [pivot, hint] = choosePivot(s, a, b);
    if (hint === Hint.Decreasing) {
      reverseRange(s, a, b);
      pivot = (b - 1) - (pivot - a);
      hint = Hint.Increasing;
    }
    if (wasBalanced && wasPartitioned && hint === Hint.Increasing && partialInsertionSort(s, a, b)) return;
    // Many elements equal to the one before the range: put those equal to the pivot first, skip them.
    if (a > 0 && !s.less(a - 1, pivot)) {
      a = partitionEqual(s, a, b, pivot);
      continue;
    }
    const [mid, alreadyPartitioned] = partition(s, a, b, pivot);
    wasPartitioned = alreadyPartitioned;
    const leftLength = mid - a;
    const rightLength = b - mid;
    const balanceThreshold = Math.floor(length / 8);
    if (leftLength < rightLength) {
      wasBalanced = leftLength >= balanceThreshold;
      pdqsort(s, a, mid, limit);
      a = mid + 1;
    } else {
      wasBalanced = rightLength >= balanceThreshold;
      pdqsort(s, mid + 1, b, limit);
      b = mid;
    }
  }
  throw new Error("goSort: did not converge (is `less` a strict weak order?)");
}

function partition<T>(s: Sorter<T>, a: number, b: number, pivot: number): [number, boolean] {
  s.swap(a, pivot);
  let i = a + 1;
  let j = b - 1;
  while (i <= j && s.less(i, a)) i++;
  while (i <= j && !s.less(j, a)) j--;
  if (i > j) {
    s.swap(j, a);
    return [j, true];
  }
  s.swap(i, j);
  i++;
  j--;
  for (;;) {
    while (i <= j && s.less(i, a)) i++;
    while (i <= j && !s.less(j, a)) j--;
    if (i > j) break;
    s.swap(i, j);
    i++;
    j--;
  }
  s.swap(j, a);
  return [j, false];
}

function partitionEqual<T>(s: Sorter<T>, a: number, b: number, pivot: number): number {
  s.swap(a, pivot);
  let i = a + 1;
  let j = b - 1;
  for (;;) {
    while (i <= j && !s.less(a, i)) i++;
    while (i <= j && s.less(a, j)) j--;
    if (i > j) break;
    s.swap(i, j);
    i++;
    j--;
  }
  return i;
}

function partialInsertionSort<T>(s: Sorter<T>, a: number, b: number): boolean {
  let i = a + 1;
  for (let step = 0; step < MAX_STEPS; step++) {
    while (i < b && !s.less(i, i - 1)) i++;
    if (i === b) return true;
    if (b - a < SHORTEST_SHIFTING) return false;
    s.swap(i, i - 1);
    if (i - a >= 2) {
      for (let j = i - 1; j >= 1; j--) {
        if (!s.less(j, j - 1)) break;
        s.swap(j, j - 1);
      }
    }
    if (b - i >= 2) {
      for (let j = i + 1; j < b; j++) {
        if (!s.less(j, j - 1)) break;
        s.swap(j, j - 1);
      }
    }
  }
  return false;
}

const MASK_64 = (1n << 64n) - 1n;

function breakPatterns<T>(s: Sorter<T>, a: number, b: number): void {
  const length = b - a;
  if (length < 8) return;
  // Go seeds a 64-bit xorshift with the length, so the "random" swaps are the same on every run.
  let random = BigInt(length);
  const modulus = 2 ** bitLength(length);
  const idx = a + Math.floor(length / 4) * 2 - 1;
  for (let i = 0; i < 3; i++) {
    random ^= (random << 13n) & MASK_64;
    random ^= random >> 17n;
    random ^= (random << 5n) & MASK_64;
    let other = Number(random & BigInt(modulus - 1));
    if (other >= length) other -= length;
    s.swap(idx + i, a + other);
  }
}

function choosePivot<T>(s: Sorter<T>, a: number, b: number): [number, Hint] {
  const length = b - a;
  const swaps = { count: 0 };
  let i = a + Math.floor(length / 4) * 1;
  let j = a + Math.floor(length / 4) * 2;
  let k = a + Math.floor(length / 4) * 3;
  if (length >= 8) {
    if (length >= SHORTEST_NINTHER) {
      i = median(s, i - 1, i, i + 1, swaps);
      j = median(s, j - 1, j, j + 1, swaps);
      k = median(s, k - 1, k, k + 1, swaps);
    }
    j = median(s, i, j, k, swaps);
  }
  if (swaps.count === 0) return [j, Hint.Increasing];
  if (swaps.count === MAX_SWAPS) return [j, Hint.Decreasing];
  return [j, Hint.Unknown];
}

/** Index of the median of three elements, counting the swaps a sorting network would make. */
function median<T>(s: Sorter<T>, a: number, b: number, c: number, swaps: { count: number }): number {
  [a, b] = order2(s, a, b, swaps);
  [b, c] = order2(s, b, c, swaps);
  [a, b] = order2(s, a, b, swaps);
  return b;
}

function order2<T>(s: Sorter<T>, a: number, b: number, swaps: { count: number }): [number, number] {
  if (s.less(b, a)) {
    swaps.count += 1;
    return [b, a];
  }
  return [a, b];
}

function reverseRange<T>(s: Sorter<T>, a: number, b: number): void {
  for (let i = a, j = b - 1; i < j; i++, j--) s.swap(i, j);
}
