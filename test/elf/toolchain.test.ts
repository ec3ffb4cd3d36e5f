/**
 * toolchain.test: Go build info in both layouts debug/buildinfo documents (inline strings,
 * Go >= 1.18; pointers to Go string headers, Go 1.13-1.17), with the module info's
 * 16-byte framing stripped, and Go/Rust detection on the samples, with and without section
 * headers.
 */
import { describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readElf } from '../../src/elf/index.js';
import { readTally } from '../../src/elf/source.js';
import { findGoBuildInfoBlob, namesAnyWanted, parseGoBuildInfo, parseModInfo, stripModFraming, type GoPointerReader } from '../../src/elf/toolchain.js';

const MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');
/** FRAME_START/FRAME_END stand for the 16-byte sentinels around the module info (binary, not UTF-8). */
const FRAME_START = Buffer.from([0x30, 0x77, 0xaf, 0x0c, 0x92, 0x74, 0x08, 0x02, 0x41, 0xe1, 0xc1, 0x07, 0xe6, 0xd6, 0x18, 0xe6]);
const FRAME_END = Buffer.from([0xf9, 0x32, 0x43, 0x31, 0x86, 0x18, 0x20, 0x72, 0x00, 0x82, 0x42, 0x10, 0x41, 0x16, 0xd8, 0xf2]);
const MODINFO = 'path\texample.com/tool\nmod\texample.com/tool\t(devel)\t\ndep\tgolang.org/x/sys\tv0.1.0\th1:x=\nbuild\t-trimpath=true\nbuild\tCGO_ENABLED=1\n';

/** framed wraps module info in its sentinels, as cmd/go stores it. */
function framed(info: string): Buffer {
  return Buffer.concat([FRAME_START, Buffer.from(info, 'utf8'), FRAME_END]);
}

/** uvarint encodes a length as Go's binary.PutUvarint does. */
function uvarint(n: number): Buffer {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return Buffer.from(out);
}

/** inlineBlob is the Go >= 1.18 layout: header, then uvarint-prefixed version and module info. */
function inlineBlob(version: string, mod: Buffer): Buffer {
  const head = Buffer.concat([MAGIC, Buffer.from([8, 2]), Buffer.alloc(16)]);
  const v = Buffer.from(version, 'utf8');
  return Buffer.concat([head, uvarint(v.length), v, uvarint(mod.length), mod]);
}

/** pointerBlob is the Go 1.13-1.17 layout, with a memory map for the string headers and bytes. */
function pointerBlob(ptrSize: 4 | 8, big: boolean, version: string, mod: Buffer): { blob: Buffer; deref: GoPointerReader } {
  const mem = new Map<number, Buffer>();
  const word = (n: number): Buffer => {
    const b = Buffer.alloc(ptrSize);
    if (ptrSize === 4) big ? b.writeUInt32BE(n) : b.writeUInt32LE(n);
    else big ? b.writeBigUInt64BE(BigInt(n)) : b.writeBigUInt64LE(BigInt(n));
    return b;
  };
  mem.set(0x1000, Buffer.concat([word(0x2000), word(Buffer.byteLength(version))]));
  mem.set(0x2000, Buffer.from(version, 'utf8'));
  mem.set(0x3000, Buffer.concat([word(0x4000), word(mod.length)]));
  mem.set(0x4000, mod);
  const blob = Buffer.concat([MAGIC, Buffer.from([ptrSize, big ? 1 : 0]), word(0x1000), word(0x3000), Buffer.alloc(16 - 2 * ptrSize + 16)]);
  const deref: GoPointerReader = (addr, size) => {
    const b = mem.get(addr);
    return b === undefined || b.length < size ? null : b.subarray(0, size);
  };
  return { blob, deref };
}

const EXPECTED = { version: 'go1.21.0', cgo: true, path: 'example.com/tool' };

describe('parseGoBuildInfo', () => {
  const p64 = pointerBlob(8, false, 'go1.16.15', framed(MODINFO));
  const p32be = pointerBlob(4, true, 'go1.13', framed(MODINFO));
  it.each<[string, Buffer, GoPointerReader | undefined, ReturnType<typeof parseGoBuildInfo>]>([
    ['inline (Go >= 1.18), framing stripped: the path is found', inlineBlob('go1.21.0', framed(MODINFO)), undefined, EXPECTED],
    ['inline, no CGO_ENABLED setting', inlineBlob('go1.21.0', framed('path\tx\n')), undefined, { version: 'go1.21.0', cgo: null, path: 'x' }],
    ['inline, module info without framing (GOPATH mode): nothing but the version', inlineBlob('go1.21.0', Buffer.from(MODINFO)), undefined, { version: 'go1.21.0', cgo: null, path: null }],
    ['inline, no module info', inlineBlob('go1.19', Buffer.alloc(0)), undefined, { version: 'go1.19', cgo: null, path: null }],
    ['pointers, 64-bit little endian (Go 1.13-1.17)', p64.blob, p64.deref, { version: 'go1.16.15', cgo: true, path: 'example.com/tool' }],
    ['pointers, 32-bit big endian', p32be.blob, p32be.deref, { version: 'go1.13', cgo: true, path: 'example.com/tool' }],
    ['pointers without a way to follow them', p64.blob, undefined, { version: null, cgo: null, path: null }],
    ['pointers to unmapped memory', p64.blob, () => null, { version: null, cgo: null, path: null }],
    ['truncated inline strings', inlineBlob('go1.21.0', framed(MODINFO)).subarray(0, 36), undefined, { version: null, cgo: null, path: null }],
    ['no magic', Buffer.alloc(64), undefined, null],
    ['shorter than the header', MAGIC, undefined, null],
  ])('%s', (_label, blob, deref, expected) => {
    expect(parseGoBuildInfo(blob, deref)).toEqual(expected);
  });

  it('strips framing on bytes: sentinels that are not UTF-8 do not shift the cut', () => {
    expect(stripModFraming(framed('path\tx\n')).toString('utf8')).toBe('path\tx\n');
    expect(stripModFraming(Buffer.from('path\tx\n')).length).toBe(0);
  });

  it.each([
    ['path\tk8s.io/kubernetes/cmd/kubectl\nbuild\tCGO_ENABLED=0\n', { path: 'k8s.io/kubernetes/cmd/kubectl', cgo: false }],
    ['mod\tx\t(devel)\t\n', { path: null, cgo: null }],
  ])('parseModInfo(%j)', (info, expected) => {
    expect(parseModInfo(info)).toEqual(expected);
  });

  it('finds the blob only at a 16-byte aligned address', () => {
    const blob = inlineBlob('go1.21.0', framed(MODINFO));
    const data = Buffer.concat([Buffer.alloc(8), MAGIC, Buffer.alloc(10), blob]);
    // Loaded at 0x1000, the first magic sits at 0x1008 (unaligned, skipped), the blob at 0x1020.
    expect(findGoBuildInfoBlob(data, 0x1000)?.equals(blob)).toBe(true);
    // Loaded at 0x1008, the first magic is the aligned one.
    expect(data.length - findGoBuildInfoBlob(data, 0x1008)!.length).toBe(8);
    expect(findGoBuildInfoBlob(Buffer.concat([Buffer.alloc(8), blob]), 0x1000)).toBeNull();
  });
});

const BIN = join(import.meta.dirname, '..', '..', 'samples', 'bin');
const sample = (p: string): string => join(BIN, p);

describe.each([
  ['go/hello-static', { go: { version: 'go1.19.8', cgo: false, path: 'example.com/muslcheck/gohello' }, rust: false, missing: false }],
  ['go/hello-static-nohdrs', { go: { version: 'go1.19.8', cgo: false, path: 'example.com/muslcheck/gohello' }, rust: false, missing: true }],
  ['go/hello-cgo', { go: { version: 'go1.19.8', cgo: true, path: 'example.com/muslcheck/gohello' }, rust: false, missing: false }],
  ['rust/hello', { go: null, rust: true, missing: false }],
  ['hello-glibc', { go: null, rust: false, missing: false }],
])('toolchain of samples/bin/%s', (file, expected) => {
  it.skipIf(!existsSync(sample(file)))('Go build info and Rust markers', async () => {
    const e = await readElf(sample(file));
    expect({ go: e.toolchain.go, rust: e.toolchain.rust, missing: e.sectionHeadersMissing }).toEqual(expected);
    // Without section headers the build info is searched for in the data segment: a bounded read.
    expect(e.bytesRead).toBeLessThan(128 * 1024);
  });
});

describe('namesAnyWanted', () => {
  // A section name table (.shstrtab) as stored: NUL-terminated names, tails possibly shared.
  it.each<[string, string, boolean]>([
    ['a typical stripped table', '\0.shstrtab\0.interp\0.dynsym\0.dynstr\0.text\0.rodata\0.dynamic\0', false],
    ['.comment', '\0.text\0.comment\0', true],
    ['.go.buildinfo', '\0.go.buildinfo\0.noptrdata\0', true],
    ['.rustc', '\0.rustc\0', true],
    ['.comment as the tail of a longer name', '\0.note.comment\0', true],
    ['.comment last, its NUL cut off', '\0.text\0.comment', true],
    ['a name that only starts like one', '\0.comments\0.rustcx\0', false],
    ['a wanted name cut short', '\0.text\0.comm', false],
    ['an empty table', '', false],
  ])('%s', (_label, names, expected) => {
    expect(namesAnyWanted(Buffer.from(names, 'latin1'))).toBe(expected);
  });
});

describe.skipIf(!existsSync(sample('hello-glibc')))('the section header table is read only for a wanted section', () => {
  /** tallied reads the file and counts its reads of the section header table ('e_shoff'). */
  async function tallied(path: string): Promise<{ comment: string[]; reads: number; bytes: number }> {
    readTally.byField = new Map();
    try {
      const e = await readElf(path);
      const t = readTally.byField.get('e_shoff') ?? { reads: 0, bytes: 0 };
      return { comment: e.toolchain.comment, reads: t.reads, bytes: t.bytes };
    } finally {
      readTally.byField = null;
    }
  }

  it('with .comment: the name table entry, then the whole table, and the comment is read', async () => {
    const r = await tallied(sample('hello-glibc'));
    expect(r.comment).toEqual([expect.stringMatching(/^GCC: /)]);
    expect(r.reads).toBe(2);
  });

  it('with .comment renamed: one entry of the table (64 bytes), and no comment', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'muslcheck-shdr-'));
    try {
      const bytes = readFileSync(sample('hello-glibc'));
      const at = bytes.indexOf(Buffer.from('.comment\0', 'latin1'));
      expect(at).toBeGreaterThan(0);
      bytes.write('.cOmment', at, 'latin1');
      const copy = join(dir, 'hello');
      writeFileSync(copy, bytes);
      expect(await tallied(copy)).toEqual({ comment: [], reads: 1, bytes: 64 });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
