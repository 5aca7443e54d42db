// goSort must sort (every permutation it returns is ordered) whatever the input shape; the exact order of
// ties is checked against etcd in mvcc_range_test.ts and mvcc_etcd_golden_test.ts.
import { test } from "uvu";
import * as assert from "uvu/assert";
import { goSort } from "../../src/mvcc/go_sort.ts";

function lcg(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (Math.imul(state, 1664525) + 1013904223) >>> 0;
    return state / 2 ** 32;
  };
}

function check(input: number[]): void {
  const items = input.map((value, index) => ({ value, index }));
  goSort(items, (a, b) => a.value < b.value);
  const values = items.map((item) => item.value);
  assert.equal(values, [...input].sort((a, b) => a - b), `length ${input.length}`);
  assert.equal(items.map((item) => item.index).sort((a, b) => a - b), input.map((_, i) => i), "a permutation");
}

test("sorts random, few-distinct, sorted, reversed and sawtooth inputs of many lengths", () => {
  const random = lcg(42);
  for (const length of [0, 1, 2, 7, 12, 13, 49, 50, 51, 100, 333, 1000]) {
    check(Array.from({ length }, () => Math.floor(random() * 1e6)));
    check(Array.from({ length }, () => Math.floor(random() * 3)));
    check(Array.from({ length }, (_, i) => i));
    check(Array.from({ length }, (_, i) => length - i));
    check(Array.from({ length }, (_, i) => i % 17));
    check(Array.from({ length }, () => 5));
  }
});

test("an organ-pipe input (a classic quicksort adversary) still sorts", () => {
  const length = 2000;
  check(Array.from({ length }, (_, i) => (i < length / 2 ? i : length - i)));
});

test("is not stable: equal elements may move, as in Go", () => {
  const items = Array.from({ length: 30 }, (_, index) => ({ value: index % 2, index }));
  goSort(items, (a, b) => a.value < b.value);
  const zeros = items.filter((item) => item.value === 0).map((item) => item.index);
  const inOrder = zeros.every((value, i) => i === 0 || zeros[i - 1]! < value);
  assert.is(inOrder, false);
});

test.run();
