/**
 * columns.test: the per-file columns a scan keeps for the cache grow by blocks; a file's
 * key and entry read back wherever its id falls, and a run of keys spanning blocks comes
 * out as the same bytes a single array would hold.
 */
import { describe, expect, it } from 'vitest';
import { BLOCK, FileColumns, type KeptEntry } from '../../src/scan/columns.js';

/** keyOf is a distinct key for file `id`. */
const keyOf = (id: number): number[] => [2049, 1_000_000 + id, id * 3, 1_700_000_000_123.25 + id, 1_700_000_000_456.5 + id];

describe('FileColumns', () => {
  it.each([
    ['the first file', 0],
    ['the last file of a block', BLOCK - 1],
    ['the first file of the next block', BLOCK],
    ['a file three blocks on', 3 * BLOCK + 17],
  ])('keeps the key and entry of %s', (_name, id) => {
    const c = new FileColumns();
    expect(c.keyed(id)).toBe(false);
    c.setKey(id, [0, ...keyOf(id)], 1);
    c.setEntry(id, 2, true, 123_456_789_012, 4096, 0xdeadbeef);
    expect(c.keyed(id)).toBe(true);
    expect(c.keyed(id + 1)).toBe(false);
    const e: KeptEntry = { kind: 0, fromOld: false, offset: 0, length: 0, check: 0 };
    expect(c.entryInto(id, e)).toBe(true);
    expect(e).toEqual({ kind: 2, fromOld: true, offset: 123_456_789_012, length: 4096, check: 0xdeadbeef });
    expect(Array.from(c.keyBlock(id).subarray(c.keyIndex(id), c.keyIndex(id) + 5))).toEqual(keyOf(id));
  });

  it('a file that keeps nothing has no entry', () => {
    const c = new FileColumns();
    c.setKey(5, keyOf(5), 0);
    c.setEntry(5, 0, false, -1, 10, 1);
    const e: KeptEntry = { kind: 0, fromOld: false, offset: 0, length: 0, check: 0 };
    expect(c.entryInto(5, e)).toBe(false);
    expect(c.entryInto(BLOCK * 4, e)).toBe(false);
  });

  it('hands out a run of keys across blocks as the bytes one array would hold', () => {
    const c = new FileColumns();
    const start = BLOCK - 3;
    const end = 2 * BLOCK + 2;
    for (let id = start; id < end; id++) c.setKey(id, keyOf(id), 0);
    const parts: Uint8Array[] = [];
    c.keysOf(start, end, (b) => parts.push(Uint8Array.from(b)));
    expect(parts.map((p) => p.length / 40)).toEqual([3, BLOCK, 2]);
    const flat = new Float64Array(Uint8Array.from(Buffer.concat(parts)).buffer);
    const expected = Float64Array.from(Array.from({ length: end - start }, (_, k) => keyOf(start + k)).flat());
    expect(flat).toEqual(expected);
  });
});
