/**
 * reader.test: table-driven checks of the ELF reader on fixtures built for every
 * architecture, on the versioned library, on a sparse multi-GiB file, and on the
 * distinct outcomes not-elf / malformed / unreadable.
 */
import { closeSync, existsSync, mkdirSync, openSync, rmSync, writeFileSync, writeSync, ftruncateSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readElf, ElfError, versionIndex, machineName } from '../../src/elf/index.js';
import { buildFixtures, TARGETS } from './build.js';
import { SCAN_READ } from '../../src/analyze/index.js';
import { Source, readTally } from '../../src/elf/source.js';

const built = buildFixtures();
afterAll(() => rmSync(built.dir, { recursive: true, force: true }));

describe('helpers', () => {
  it.each([
    [0x0002, 2, false],
    [0x8003, 3, true],
    [0x7fff, 0x7fff, false],
  ])('versionIndex(%i)', (v, index, hidden) => {
    expect(versionIndex(v)).toEqual({ index, hidden });
  });
  it.each([
    [62, 'x86_64'],
    [183, 'aarch64'],
    [22, 's390'],
    [9999, 'em_9999'],
  ])('machineName(%i) = %s', (code, name) => expect(machineName(code)).toBe(name));
});

describe.each(TARGETS)('hello built by $cc', (t) => {
  const path = built.hello.get(t.arch);
  it.skipIf(path === undefined)(`reads class, endian, machine, interp and imports (${t.arch})`, async () => {
    const e = await readElf(path!);
    expect({ class: e.class, endian: e.endian, machine: e.machine, interp: e.interp, type: e.type, pie: e.pie, static: e.static }).toEqual({
      class: t.cls,
      endian: t.endian,
      machine: t.machine,
      interp: t.interp,
      type: 'dyn',
      pie: true,
      static: false,
    });
    const names = e.imports.map((i) => i.name);
    expect(names).toContain('pthread_create');
    expect(e.imports.find((i) => i.name === 'optional_hook')).toMatchObject({ weak: true, version: null, library: null });
    if (t.cc !== 'musl-gcc') {
      const snprintf = e.imports.find((i) => i.name === '__snprintf_chk');
      expect(snprintf?.version).toMatch(/^GLIBC_2\./);
      expect(snprintf?.library).toBe('libc.so.6');
      expect(e.needed).toContain('libc.so.6');
    } else {
      expect(e.needed).toEqual(['libc.so']);
      expect(e.imports.every((i) => i.version === null)).toBe(true);
    }
    expect(e.buildId).toMatch(/^[0-9a-f]{40}$/);
    expect(e.gnuStack).toEqual({ executable: false, size: 0 });
    expect(e.toolchain.gcc).toMatch(/^\d+\.\d+/);
    expect(e.bytesRead).toBeLessThan(64 * 1024);
  });
});

describe('symbol versions', () => {
  it.skipIf(built.libvers === null)('exports carry their version and the hidden bit', async () => {
    const e = await readElf(built.libvers!);
    expect(e.soname).toBe('libvers.so.1');
    expect(e.versionDefinitions).toEqual(['VERS_1', 'VERS_2']);
    const foo = e.exports.filter((x) => x.name === 'foo').map((x) => ({ version: x.version, hidden: x.hidden })).sort((a, b) => (a.version! < b.version! ? -1 : 1));
    expect(foo).toEqual([
      { version: 'VERS_1', hidden: true },
      { version: 'VERS_2', hidden: false },
    ]);
    expect(e.exports.find((x) => x.name === 'bar')).toMatchObject({ version: 'VERS_1', hidden: false, type: 'func', binding: 'global' });
  });
});

describe('outcomes', () => {
  const dir = join(built.dir, 'outcomes');
  mkdirSync(dir, { recursive: true });
  const script = join(dir, 'script.sh');
  writeFileSync(script, '#!/bin/sh\necho hi\n');
  const tiny = join(dir, 'tiny');
  writeFileSync(tiny, Buffer.from([0x7f, 0x45]));
  const badClass = join(dir, 'bad-class');
  writeFileSync(badClass, Buffer.concat([Buffer.from('\x7fELF', 'latin1'), Buffer.from([9, 1, 1]), Buffer.alloc(57)]));
  const truncated = join(dir, 'truncated');
  if (built.hello.get('x86_64')) {
    copyFileSync(built.hello.get('x86_64')!, truncated);
    const fd = openSync(truncated, 'r+');
    ftruncateSync(fd, 200);
    closeSync(fd);
  }
  it.each([
    ['shell script', script, 'not-elf', null],
    ['two bytes', tiny, 'not-elf', null],
    ['invalid class', badClass, 'malformed', 'EI_CLASS'],
    ['missing file', join(dir, 'nope'), 'unreadable', null],
    ['a directory', dir, 'unreadable', null],
  ])('%s -> %s', async (_label, path, kind, field) => {
    const err = await readElf(path).then(
      () => null,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ElfError);
    expect((err as ElfError).kind).toBe(kind);
    expect((err as ElfError).path).toBe(path);
    if (field) expect((err as ElfError).field).toBe(field);
  });
  it.skipIf(!built.hello.get('x86_64'))('a file truncated after its headers is malformed, naming a field and offset', async () => {
    const err = (await readElf(truncated).catch((e: unknown) => e)) as ElfError;
    expect(err).toBeInstanceOf(ElfError);
    expect(err.kind).toBe('malformed');
    expect(err.field).not.toBeNull();
    expect(err.message).toContain(truncated);
  });
});

describe('positioned reads', () => {
  it.skipIf(!built.hello.get('x86_64'))('a sparse 8 GiB file with a valid ELF front is read with flat memory', async () => {
    const big = join(built.dir, 'sparse-8g');
    copyFileSync(built.hello.get('x86_64')!, big);
    const fd = openSync(big, 'r+');
    ftruncateSync(fd, 8 * 1024 ** 3);
    writeSync(fd, Buffer.from('tail'), 0, 4, 8 * 1024 ** 3 - 4);
    closeSync(fd);
    const small = await readElf(built.hello.get('x86_64')!);
    const before = process.memoryUsage().rss;
    const e = await readElf(big);
    const grown = process.memoryUsage().rss - before;
    expect(e.imports).toEqual(small.imports);
    expect(e.bytesRead).toBeLessThan(64 * 1024);
    expect(grown).toBeLessThan(32 * 1024 * 1024);
    rmSync(big);
  });
});

/** HOST_LIBRARIES are libraries read whole (they have a DT_SONAME), as laid out by Debian's toolchain. */
const HOST_LIBRARIES = ['/usr/lib/x86_64-linux-gnu/libc.so.6', '/usr/lib/x86_64-linux-gnu/libstdc++.so.6'].filter((p) => existsSync(p));

describe('Source', () => {
  it('keeps a large read across a run of small ones: reading inside it again costs nothing', () => {
    const file = join(built.dir, 'spans');
    writeFileSync(file, Buffer.alloc(64 * 1024, 7));
    const fd = openSync(file, 'r');
    try {
      const src = new Source(fd, 64 * 1024, file);
      src.read(0, 32 * 1024, 'big');
      for (let k = 0; k < 20; k++) src.read(40_000 + k * 100, 8, 'small');
      const before = src.bytesRead;
      expect(src.read(100, 1000, 'again').length).toBe(1000);
      expect(src.bytesRead).toBe(before);
    } finally {
      closeSync(fd);
    }
  });
});

describe.skipIf(HOST_LIBRARIES.length === 0)('the dynamic tables of a library', () => {
  // Each table is read once: the prefetch sizes .dynsym and versym from the hash table and
  // the version tables from their entry counts, and a run of small reads (version entries,
  // hash chains) never pushes the prefetched tables out before the symbol walk reads them.
  it.each(HOST_LIBRARIES)('%s: .dynsym, .dynstr and versym come from at most 3 prefetch reads, none read again', async (lib) => {
    readTally.byField = new Map();
    try {
      const e = await readElf(lib, SCAN_READ);
      expect(e.exportsDeferred).toBe(false);
      expect(e.exportIndex!.length).toBeGreaterThan(0);
      const t = readTally.byField;
      expect(t.get('dynamic tables')?.reads ?? 0).toBeGreaterThan(0);
      expect(t.get('dynamic tables')?.reads ?? 0).toBeLessThanOrEqual(3);
      for (const field of ['DT_SYMTAB', 'DT_STRTAB', 'DT_VERSYM']) expect([field, t.get(field)?.reads ?? 0]).toEqual([field, 0]);
    } finally {
      readTally.byField = null;
    }
  });
});

describe.each(TARGETS)('section headers stripped ($arch)', (t) => {
  const path = built.hello.get(t.arch);
  it.skipIf(path === undefined)('reads the same imports and needed libraries from program headers alone', async () => {
    const orig = await readElf(path!);
    const copy = `${path}-nohdrs`;
    copyFileSync(path!, copy);
    // Zero e_shoff, e_shnum and e_shstrndx (their offsets differ per class).
    const fd = openSync(copy, 'r+');
    const [shoff, shoffLen, shnum] = t.cls === 64 ? [40, 8, 60] : [32, 4, 48];
    writeSync(fd, Buffer.alloc(shoffLen), 0, shoffLen, shoff);
    writeSync(fd, Buffer.alloc(4), 0, 4, shnum); // e_shnum and e_shstrndx
    closeSync(fd);
    const stripped = await readElf(copy);
    expect(stripped.sectionHeadersMissing).toBe(true);
    expect(stripped.imports).toEqual(orig.imports);
    expect(stripped.needed).toEqual(orig.needed);
    expect(stripped.exports).toEqual(orig.exports);
  });
});
