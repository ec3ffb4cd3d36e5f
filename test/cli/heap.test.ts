/**
 * heap.test: the report writer's heap trimmer (src/cli.ts heapTrimmer) collects once the
 * heap has grown by TRIM_GROWTH since its low point, backs off when a collection frees
 * little, and does nothing when V8's collector cannot be had.
 */
import { runInNewContext } from 'node:vm';
import { describe, expect, it } from 'vitest';
import { exposedGc, heapTrimmer, TRIM_GROWTH } from '../../src/cli.js';

const G = TRIM_GROWTH;

/**
 * run feeds a trimmer heap sizes: `seen` is what each check measures first (the heap as
 * it is by then); when it collects, the size right after is `seen - freed` (the next
 * entry of `freed`).
 * Returns the checks at which it collected.
 */
function run(seen: number[], freed: number[], collector: 'gc' | 'none' = 'gc'): { at: number[]; asked: number } {
  let now = 0;
  let f = 0;
  let asked = 0;
  const at: number[] = [];
  let check = -1;
  const trim = heapTrimmer(
    () => now,
    () => {
      asked++;
      return collector === 'none'
        ? null
        : () => {
            at.push(check);
            now -= freed[f++] ?? 0;
          };
    },
  );
  seen.forEach((s, i) => {
    check = i;
    now = s;
    trim();
  });
  return { at, asked };
}

describe('heapTrimmer', () => {
  it.each([
    { name: 'no growth, no collection', seen: [10 * G, 10 * G, 10 * G], freed: [], at: [] },
    { name: 'growth below the step', seen: [G, 1.5 * G, 1.9 * G], freed: [], at: [] },
    { name: 'one step of growth collects', seen: [G, 1.5 * G, 2 * G, 1.9 * G], freed: [G], at: [2] },
    { name: 'growth counts from the lowest point seen', seen: [3 * G, G, 1.9 * G, 2 * G], freed: [G], at: [3] },
    { name: 'a collection that frees well starts the count again from after it', seen: [G, 2 * G, 1.3 * G, 2.1 * G, 2.2 * G], freed: [0.8 * G, G], at: [1, 4] },
    // The first collection frees a quarter of the step: the step doubles, so the next
    // collection waits for two steps of growth from after the first.
    { name: 'a collection that frees little doubles the step', seen: [0, G, 2.5 * G, 2.7 * G, 2.74 * G], freed: [0.25 * G, G], at: [1] },
    { name: 'after doubling, two steps of growth collect', seen: [0, G, 1.75 * G, 2.8 * G], freed: [0.25 * G, G], at: [1, 3] },
  ])('$name', ({ seen, freed, at }) => {
    expect(run(seen, freed).at).toEqual(at);
  });

  it('asks for the collector once, on the first collection, and never again when there is none', () => {
    expect(run([0, 0.5 * G], []).asked).toBe(0);
    expect(run([0, G, 2 * G, 3 * G], [G, G, G]).asked).toBe(1);
    const none = run([0, G, 2 * G, 3 * G, 4 * G], [], 'none');
    expect(none).toEqual({ at: [], asked: 1 });
  });

  it("reaches V8's own collector in this Node, and the collection frees what is garbage", () => {
    const gc = exposedGc();
    expect(gc).toBeTypeOf('function');
    let garbage: unknown[] | null = Array.from({ length: 200_000 }, (_, i) => ({ i, s: `x${i}` }));
    expect(garbage.length).toBe(200_000);
    garbage = null;
    const before = process.memoryUsage().heapUsed;
    gc!();
    expect(process.memoryUsage().heapUsed).toBeLessThan(before);
  });

  it.skipIf(typeof (globalThis as { gc?: unknown }).gc === 'function')('leaves the flag as it was: a context made afterwards has no gc, and the collector taken still works', () => {
    const gc = exposedGc();
    expect(runInNewContext('typeof gc')).toBe('undefined');
    expect(() => gc!()).not.toThrow();
  });
});
