/**
 * payload.test: the cache's encoding of a file's ELF facts. Every sample ELF file's facts
 * (read as a scan reads them, and with every export) come back equal; imports are kept
 * by column, so the edge cases of that are checked one by one (no import, an empty name,
 * non-ASCII names, unknown numeric types, null versions and libraries, no export index);
 * a payload cut, padded or with columns that do not fit its names is a miss (null).
 */
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANALYSIS_READ, SCAN_READ } from '../../src/analyze/index.js';
import { readElfSync } from '../../src/elf/index.js';
import type { ElfImport, ElfInfo } from '../../src/elf/types.js';
import { decodeElf, encodeElf } from '../../src/scan/payload.js';

const samples = join(import.meta.dirname, '..', '..', 'samples', 'bin');

/** sampleElfFiles lists the samples' ELF files that read without error. */
function sampleElfFiles(): string[] {
  const out: string[] = [];
  const walk = (dir: string): void => {
    for (const name of readdirSync(dir).sort()) {
      const p = join(dir, name);
      const st = statSync(p, { throwIfNoEntry: false });
      if (st?.isDirectory()) walk(p);
      else if (st?.isFile()) {
        try {
          readElfSync(p, SCAN_READ);
          out.push(p);
        } catch {
          /* not ELF, or malformed: not a payload */
        }
      }
    }
  };
  walk(samples);
  return out;
}

const FILES = sampleElfFiles();

/** roundTrip encodes and decodes, as the cache does. */
function roundTrip(elf: ElfInfo): ElfInfo | null {
  return decodeElf(encodeElf(elf));
}

/** withImports is a sample's facts with other imports (and, optionally, no export index). */
function withImports(imports: ElfImport[], exportIndex: Float64Array | null = new Float64Array([1.5, -2, 3e300])): ElfInfo {
  return { ...readElfSync(FILES[0]!, SCAN_READ), imports, exportIndex };
}

/** imp is an import. */
const imp = (name: string, version: string | null = 'GLIBC_2.2.5', library: string | null = 'libc.so.6', weak = false, type: ElfImport['type'] = 'func'): ElfImport => ({ name, version, library, weak, type });

describe('ELF payloads', () => {
  it('the samples hold ELF files to test with', () => expect(FILES.length).toBeGreaterThan(20));

  it.each(FILES.map((f) => [f.slice(samples.length + 1), f]))('%s comes back equal (scan read and full read)', (_name, file) => {
    for (const opts of [SCAN_READ, { ...ANALYSIS_READ, exports: true }]) {
      const elf = readElfSync(file, opts);
      expect(roundTrip(elf)).toEqual(elf);
    }
  });

  it.each([
    ['no import', []],
    ['one import with an empty name', [imp('')]],
    ['an empty name among others', [imp('a'), imp(''), imp('b')]],
    ['non-ASCII names', [imp('naïve_ß'), imp('日本語'), imp('emoji_🙂')]],
    ['unknown numeric types and every named type', [imp('a', null, null, true, 13), imp('b', null, null, false, 'ifunc'), imp('c', 'V', null, true, 'tls'), imp('d', null, 'libx.so', false, 'notype')]],
    ['versions and libraries shared and not', [imp('a', 'GLIBC_2.2.5'), imp('b', 'GLIBC_2.34', 'libc.so.6'), imp('c', null, null), imp('d', 'GLIBC_2.2.5', 'libm.so.6')]],
  ] as const)('imports by column: %s', (_name, imports) => {
    const elf = withImports([...imports]);
    expect(roundTrip(elf)).toEqual(elf);
  });

  it('no export index comes back as none, not as an empty one', () => {
    const elf = withImports([imp('a')], null);
    expect(roundTrip(elf)!.exportIndex).toBeNull();
    expect(roundTrip(withImports([imp('a')], new Float64Array(0)))!.exportIndex).toEqual(new Float64Array(0));
  });

  it('keeps imports apart from the JSON: a payload is much smaller than the facts as JSON', () => {
    const elf = readElfSync(FILES.find((f) => readElfSync(f, SCAN_READ).imports.length > 20)!, SCAN_READ);
    expect(encodeElf(elf).length).toBeLessThan(JSON.stringify({ ...elf, exportIndex: null }).length * 0.8);
  });

});

/** INDEX is the export index the corrupt cases carry: a flag byte and three float64s end the payload. */
const INDEX = new Float64Array([1.5, -2, 3e300]);
const INDEX_BYTES = 1 + INDEX.byteLength;

/** parts splits a payload into its JSON text, its names text and its export index bytes. */
function parts(b: Buffer): { json: string; names: string; index: Buffer } {
  const jsonLength = b.readUInt32LE(0);
  const namesLength = b.readUInt32LE(4);
  return { json: b.toString('utf8', 8, 8 + jsonLength), names: b.toString('utf8', 8 + jsonLength, 8 + jsonLength + namesLength), index: b.subarray(b.length - INDEX_BYTES) };
}

/** assemble lays out a payload from its parts, as the encoder does. */
function assemble(json: string, names: string, index: Buffer): Buffer {
  const j = Buffer.from(json);
  const n = Buffer.from(names);
  const head = Buffer.alloc(8);
  head.writeUInt32LE(j.length, 0);
  head.writeUInt32LE(n.length, 4);
  const end = 8 + j.length + n.length;
  return Buffer.concat([head, j, n, Buffer.alloc((8 - (end % 8)) % 8), index]);
}

describe('ELF payloads that do not check out are a miss', () => {
  /** corrupt returns a real payload with `edit` applied. */
  const corrupt = (edit: (b: Buffer) => Buffer): Uint8Array => edit(Buffer.from(encodeElf(withImports([imp('a'), imp('b', null, null, true, 'object')], INDEX))));
  /** edited rewrites a payload's parts and lays it out again. */
  const edited = (edit: (p: { json: string; names: string }) => { json: string; names: string }) => (b: Buffer) => {
    const p = parts(b);
    const e = edit(p);
    return assemble(e.json, e.names, p.index);
  };

  it('an unedited payload, laid out again, decodes (the cases below change one thing each)', () => {
    expect(decodeElf(corrupt(edited((p) => p)))).not.toBeNull();
  });

  it.each([
    ['cut to its head', (b: Buffer) => b.subarray(0, 8)],
    ['cut inside the export index', (b: Buffer) => b.subarray(0, b.length - 3)],
    ['a byte more', (b: Buffer) => Buffer.concat([b, Buffer.from([0])])],
    ['a JSON length past the end', (b: Buffer) => (b.writeUInt32LE(b.length, 0), b)],
    ['a names length past the end', (b: Buffer) => (b.writeUInt32LE(b.length, 4), b)],
    ['a name too many', edited((p) => ({ ...p, names: `${p.names}\0c` }))],
    ['a name too few', edited((p) => ({ ...p, names: p.names.split('\0')[0]! }))],
    ['a version index out of its table', edited((p) => ({ ...p, json: p.json.replace('"version":[0,', '"version":[7,') }))],
    ['a type that is neither a name nor a number', edited((p) => ({ ...p, json: p.json.replace('"type":["func",', '"type":[false,') }))],
    ['imports that are not columns', edited((p) => ({ ...p, json: p.json.replace('"imports":{', '"imports":{"x":{') + '}' }))],
    ['JSON that is not JSON', edited((p) => ({ ...p, json: p.json.slice(1) }))],
  ])('%s', (_name, edit) => {
    expect(decodeElf(corrupt(edit))).toBeNull();
  });
});
