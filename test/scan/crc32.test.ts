/**
 * crc32.test: the index check (src/scan/crc32.ts) is the CRC-32 of IEEE 802.3, whichever
 * way it is computed: the catalogued check value, and the table-driven one (Node before
 * 20.15) agreeing with zlib's on data of every length up to a few blocks.
 */
import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { crc32, crc32Table } from '../../src/scan/crc32.js';

const native = (zlib as unknown as { crc32?: (d: Uint8Array) => number }).crc32;

describe('crc32', () => {
  it.each([
    ['the empty string', '', 0],
    ['the catalogue\'s check input', '123456789', 0xcbf43926],
    ['a pangram', 'The quick brown fox jumps over the lazy dog', 0x414fa339],
  ])('%s', (_name, text, value) => {
    expect(crc32(Buffer.from(text))).toBe(value);
    expect(crc32Table(Buffer.from(text))).toBe(value);
  });

  it('computed with the table, is zlib\'s on random data of many lengths', () => {
    for (const n of [1, 7, 255, 256, 4096, 65_537, 1_000_003]) {
      const data = randomBytes(n);
      expect(crc32Table(data)).toBe(crc32(data));
      if (native !== undefined) expect(crc32Table(data)).toBe(native(data) >>> 0);
    }
  });

  it('changes with any one flipped bit', () => {
    const data = randomBytes(4096);
    const before = crc32(data);
    for (const bit of [0, 1, 4095 * 8 + 7, 2048 * 8 + 3]) {
      const c = Buffer.from(data);
      c[bit >> 3]! ^= 1 << (bit & 7);
      expect(crc32(c)).not.toBe(before);
    }
  });
});
