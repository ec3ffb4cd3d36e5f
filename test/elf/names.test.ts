/**
 * names.test: the symbol-name hash and the open-addressing index the scan resolves with.
 */
import { describe, expect, it } from 'vitest';
import { NameIndex, hashName, hashNameBytes, hashTable } from '../../src/elf/names.js';

const NAMES = ['memcpy', 'memcpy@GLIBC_2.14', '_ZNSt6vectorIiSaIiEE9push_backERKi', '', 'a', 'ä-latin1', '__fprintf_chk'];

describe('hashName', () => {
  it.each(NAMES)('hashes %j as its bytes in a string table do', (name) => {
    const table = Buffer.concat([Buffer.from('\0xx\0', 'latin1'), Buffer.from(`${name}\0tail`, 'latin1')]);
    expect(hashNameBytes(table, 4, table.length)).toBe(hashName(name));
  });

  it('is a 53-bit integer, and differs for near names', () => {
    const hashes = NAMES.map(hashName);
    for (const h of hashes) expect(Number.isSafeInteger(h) && h >= 0).toBe(true);
    expect(new Set(hashes).size).toBe(hashes.length);
    expect(hashName('open64')).not.toBe(hashName('open46'));
  });
});

describe('NameIndex', () => {
  const idx = NameIndex.fromNames([...NAMES, 'memcpy', 'memcpy']);

  it('finds every name it was built from, once', () => {
    for (const n of NAMES) expect(idx.has(n)).toBe(true);
    expect(idx.size).toBe(NAMES.length);
  });

  it.each(['memmove', 'memcpy ', 'MEMCPY', '__printf_chk', 'x'])('does not find %j', (n) => expect(idx.has(n)).toBe(false));

  it('has a power-of-two table, at most three quarters full', () => {
    expect(idx.table.length * 3).toBeGreaterThanOrEqual(NAMES.length * 4);
    expect(idx.table.length & (idx.table.length - 1)).toBe(0);
  });

  it('stores a hash of 0 in the slot reserved for it', () => {
    const t = new NameIndex(hashTable(Float64Array.from([0, 5, 2 ** 52 + 7])));
    expect([t.hasHash(0), t.hasHash(5), t.hasHash(2 ** 52 + 7), t.hasHash(6)]).toEqual([true, true, true, false]);
  });

  it('is empty for no names and for an empty table', () => {
    expect(NameIndex.fromNames([]).has('x')).toBe(false);
    expect(new NameIndex(new Float64Array(0)).has('x')).toBe(false);
  });

  it('probes past collisions on the home slot', () => {
    // Four hashes with the same low bits land in one home slot of an 8-slot table.
    const same = [8, 16, 24, 32].map((k) => k * 2 ** 32 + 3);
    const t = new NameIndex(hashTable(Float64Array.from(same)));
    for (const h of same) expect(t.hasHash(h)).toBe(true);
    expect(t.hasHash(40 * 2 ** 32 + 3)).toBe(false);
  });
});
