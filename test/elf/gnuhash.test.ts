/**
 * gnuhash.test: the GNU hash function, lookups in a real file's DT_GNU_HASH table (no
 * false negatives; every candidate checked by name), and the sparse string table the
 * deferred read takes import names from.
 */
import { execFileSync } from 'node:child_process';
import { closeSync, existsSync, fstatSync, openSync, readFileSync } from 'node:fs';
import { afterAll, describe, expect, it } from 'vitest';
import { Decoder } from '../../src/elf/decode.js';
import { GnuHashTable, gnuHash } from '../../src/elf/gnuhash.js';
import { readElf } from '../../src/elf/index.js';
import { SCAN_READ } from '../../src/analyze/index.js';
import { Source, readTally } from '../../src/elf/source.js';
import { SparseStrings } from '../../src/elf/strings.js';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

describe('gnuHash', () => {
  // Values from an independent implementation (h = h * 33 + c from 5381, mod 2^32);
  // `printf` is also the worked example of the GNU hash write-ups (0x156b2bb8).
  it.each([
    ['', 0x1505],
    ['printf', 0x156b2bb8],
    ['exit', 0x7c967e3f],
    ['syscall', 0xbac212a0],
    ['__libc_start_main', 0xf63d4e2e],
  ])('hashes %j to %i', (name, want) => {
    expect(gnuHash(name)).toBe(want);
  });
});

const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';

/** sectionOffset gives a section's file offset, from readelf. */
function sectionOffset(file: string, name: string): number {
  const out = execFileSync('readelf', ['-W', '-S', file], { encoding: 'utf8' });
  const line = out.split('\n').find((l) => l.includes(` ${name} `));
  if (!line) throw new Error(`${name} not in ${file}`);
  return parseInt(line.slice(line.indexOf(name) + name.length).trim().split(/\s+/)[2]!, 16);
}

describe.skipIf(!existsSync(LIBC))('GnuHashTable on libc.so.6', () => {
  it('finds every hashed definition by name, and no candidate of an absent name has that name', async () => {
    const full = await readElf(LIBC);
    const fd = openSync(LIBC, 'r');
    try {
      const src = new Source(fd, fstatSync(fd).size, LIBC);
      const d = new Decoder(64, 'little');
      const limit = 100_000;
      const table = new GnuHashTable(src, d, sectionOffset(LIBC, '.gnu.hash'), limit);
      const symOff = sectionOffset(LIBC, '.dynsym');
      const strings = new SparseStrings(src, sectionOffset(LIBC, '.dynstr'), 1 << 20);
      const nameAt = (i: number): string => strings.get(d.u32(src.read(symOff + i * 24, 24, 'test'), 0));
      const lookup = (name: string): boolean => {
        const h = gnuHash(name);
        return table.mayDefine(h) && table.candidates(h).some((i) => nameAt(i) === name);
      };
      const defined = full.exports.filter((e) => e.section !== 0).map((e) => e.name);
      expect(defined.length).toBeGreaterThan(1000);
      const missed = defined.filter((n) => !lookup(n));
      expect(missed).toEqual([]);
      const absent = Array.from({ length: 2000 }, (_, k) => `muslcheck_absent_${k}`);
      expect(absent.filter(lookup)).toEqual([]);
      // The Bloom filter alone rules out most absent names.
      expect(absent.filter((n) => table.mayDefine(gnuHash(n))).length).toBeLessThan(absent.length / 4);
    } finally {
      closeSync(fd);
    }
  });
});

describe('GnuHashTable on a crafted table', () => {
  const dir = mkdtempSync(join(tmpdir(), 'muslcheck-gnuhash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** table writes a 64-bit little-endian table (one Bloom word) and opens it. */
  const table = (name: string, nbuckets: number, symoffset: number, buckets: number[], chain: number[]): { t: GnuHashTable; close: () => void } => {
    const b = Buffer.alloc(16 + 8 + 4 * (buckets.length + chain.length));
    [nbuckets, symoffset, 1, 6].forEach((x, k) => b.writeUInt32LE(x, k * 4));
    [...buckets, ...chain].forEach((x, k) => b.writeUInt32LE(x >>> 0, 24 + k * 4));
    const file = join(dir, name);
    writeFileSync(file, b);
    const fd = openSync(file, 'r');
    return { t: new GnuHashTable(new Source(fd, b.length, file), new Decoder(64, 'little'), 0, 1000), close: () => closeSync(fd) };
  };

  it.each([
    ['no bucket used: nothing hashed, no count', 2, 3, [0, 0], [], null],
    ['the highest bucket start below symoffset', 2, 3, [0, 1], [], 3],
    ['one past the end of the highest bucket start\'s chain', 2, 3, [3, 5], [0x10, 0x11, 0x20, 0x30, 0x41], 8],
  ])('symbolCount: %s', (name, nbuckets, symoffset, buckets, chain, count) => {
    const { t, close } = table(`count-${count}`, nbuckets, symoffset, buckets, chain);
    try {
      expect(t.symbolCount()).toBe(count);
    } finally {
      close();
    }
  });

  it('is searchable only with a bucket (a loader would divide by zero)', () => {
    const none = table('no-bucket', 0, 1, [], []);
    const some = table('buckets', 2, 1, [0, 0], []);
    try {
      expect([none.t.searchable, some.t.searchable]).toEqual([false, true]);
    } finally {
      none.close();
      some.close();
    }
  });

  it('a chain that never ends costs a bounded walk in few reads, then an ElfError', () => {
    // nbuckets 1, symoffset 1, one Bloom word with every bit set, bucket 0 -> symbol 1, and
    // 8 MiB of chain entries without the end bit.
    const head = Buffer.alloc(16 + 8 + 4);
    head.writeUInt32LE(1, 0);
    head.writeUInt32LE(1, 4);
    head.writeUInt32LE(1, 8);
    head.writeUInt32LE(6, 12);
    head.fill(0xff, 16, 24);
    head.writeUInt32LE(1, 24);
    const file = join(dir, 'endless');
    writeFileSync(file, Buffer.concat([head, Buffer.alloc(8 << 20)]));
    const fd = openSync(file, 'r');
    try {
      const src = new Source(fd, fstatSync(fd).size, file);
      const table = new GnuHashTable(src, new Decoder(64, 'little'), 0, 4_000_000);
      expect(table.mayDefine(gnuHash('anything'))).toBe(true);
      readTally.byField = new Map();
      let reads = 0;
      try {
        expect(() => table.candidates(0)).toThrow(/GNU hash chains too long/);
        reads = readTally.byField.get('DT_GNU_HASH chain')?.reads ?? 0;
      } finally {
        readTally.byField = null;
      }
      // Doubling blocks: the 4 MiB walk takes about 270 reads, not 65,000 of 64 bytes.
      expect(reads).toBeGreaterThan(0);
      expect(reads).toBeLessThan(300);
      expect(src.bytesRead).toBeLessThan(5 << 20);
    } finally {
      closeSync(fd);
    }
  });
});

describe('SparseStrings', () => {
  const dir = mkdtempSync(join(tmpdir(), 'muslcheck-strings-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  // A table of 3 KiB: short names, one name across a 256-byte block boundary, a long
  // name longer than a block, and the last name without its NUL at the end of the table.
  const names: Array<[string, number]> = [];
  let table = Buffer.from('\0', 'latin1');
  const add = (name: string, at?: number): void => {
    if (at !== undefined && at > table.length) table = Buffer.concat([table, Buffer.alloc(at - table.length)]);
    names.push([name, table.length]);
    table = Buffer.concat([table, Buffer.from(`${name}\0`, 'latin1')]);
  };
  add('memcpy');
  add('GLIBC_2.14');
  add('crosses_a_block_boundary', 250);
  add('x'.repeat(700), 600);
  add('near_the_end', 2900);
  table = Buffer.concat([table, Buffer.from('unterminated', 'latin1')]);
  const file = join(dir, 'table');
  writeFileSync(file, Buffer.concat([Buffer.alloc(100, 0xff), table]));

  it.each([
    ['wanted and loaded', true],
    ['read on first use', false],
  ])('gives every name, %s, and reads less than the table for a few names', (_how, preload) => {
    const fd = openSync(file, 'r');
    try {
      const src = new Source(fd, fstatSync(fd).size, file);
      const s = new SparseStrings(src, 100, table.length);
      if (preload) {
        for (const [, at] of names) s.want(at);
        s.load();
      }
      for (const [name, at] of names) expect(s.get(at)).toBe(name);
      expect(s.get(table.length - 'unterminated'.length)).toBe('unterminated');
      expect(s.get(0)).toBe('');
      expect(s.get(table.length + 5)).toBe('');
      expect(s.get(-1)).toBe('');
      const few = new SparseStrings(src, 100, table.length);
      const before = src.bytesRead;
      expect(few.get(names[0]![1])).toBe('memcpy');
      expect(src.bytesRead - before).toBeLessThan(table.length / 4);
    } finally {
      closeSync(fd);
    }
  });
});

describe('SparseStrings with many runs', () => {
  // 3,000 names 1,536 bytes apart: each lies in its own 256-byte block, and no two blocks
  // are close enough (GAP) to be read together, so every name is a run of its own.
  const SPACING = 1536;
  const COUNT = 3000;
  const table = Buffer.alloc(SPACING * COUNT);
  const at = (k: number): number => k * SPACING + 7;
  for (let k = 0; k < COUNT; k++) table.write(`name_${k}\0`, at(k), 'latin1');

  /** open gives a SparseStrings over the table, through a stand-in for Source that counts the bytes asked of it. */
  const open = (): { s: SparseStrings; asked: () => number } => {
    let bytes = 0;
    const src = { read: (offset: number, length: number) => ((bytes += length), table.subarray(offset, offset + length)) } as unknown as Source;
    return { s: new SparseStrings(src, 0, table.length), asked: () => bytes };
  };

  it('finds every name however the runs were made, and reads each block once', () => {
    const { s, asked } = open();
    // Two loads (odd names, then every third), so that runs are inserted out of order; the rest read on first use, from the end.
    for (const pick of [(k: number) => k % 2 === 1, (k: number) => k % 3 === 0]) {
      for (let k = 0; k < COUNT; k++) if (pick(k)) s.want(at(k));
      s.load();
    }
    for (let k = COUNT - 1; k >= 0; k--) expect(s.get(at(k))).toBe(`name_${k}`);
    expect(asked()).toBe(COUNT * 256);
    for (let k = 0; k < COUNT; k++) expect(s.get(at(k))).toBe(`name_${k}`);
    expect(asked()).toBe(COUNT * 256); // all held now: nothing read again
  });

  it('a run read across a gap covers a run read before it: its blocks are not read again', () => {
    const { s, asked } = open();
    // Block 2 (offset 600) is read first; then blocks 0 and 4 in one load: they lie within
    // GAP of each other, so one run [0, 1280) is read, through block 2.
    s.want(600);
    s.load();
    s.want(at(0));
    s.want(1100);
    s.load();
    expect(asked()).toBe(256 + 1280);
    expect(s.get(at(0))).toBe('name_0');
    expect(s.get(1100)).toBe('');
    expect(s.get(600)).toBe('');
    expect(asked()).toBe(256 + 1280);
  });

  it('a name that runs past its block grows its run over the next one, which is then not read again', () => {
    const long = Buffer.alloc(2048);
    long.write(`${'y'.repeat(600)}\0`, 100, 'latin1');
    let bytes = 0;
    const src = { read: (offset: number, length: number) => ((bytes += length), long.subarray(offset, offset + length)) } as unknown as Source;
    const s = new SparseStrings(src, 0, long.length);
    s.want(300); // block 1, inside the long name
    s.load();
    expect(s.get(100)).toBe('y'.repeat(600)); // block 0's run, grown over block 1's and past it
    const read = bytes;
    expect(s.get(300)).toBe('y'.repeat(400));
    expect(s.get(600)).toBe('y'.repeat(100));
    expect(bytes).toBe(read);
  });
});

describe('a deferred read of a file whose GNU hash table cannot be searched', () => {
  const dir = mkdtempSync(join(tmpdir(), 'muslcheck-gnuhash-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const SAMPLE = join(import.meta.dirname, '..', '..', 'samples', 'bin', 'fortify');

  it('no bucket: it reads the whole symbol table instead, as a full read does', async () => {
    const file = join(dir, 'fortify-no-bucket');
    const bytes = readFileSync(SAMPLE);
    bytes.writeUInt32LE(0, sectionOffset(SAMPLE, '.gnu.hash')); // nbuckets
    writeFileSync(file, bytes);
    const scan = await readElf(file, SCAN_READ);
    const full = await readElf(file);
    expect(scan.exportsDeferred).toBe(false);
    expect(scan.imports).toEqual(full.imports);
    // The untouched file is deferred: the fallback is this table's doing.
    expect((await readElf(SAMPLE, SCAN_READ)).exportsDeferred).toBe(true);
  });
});
