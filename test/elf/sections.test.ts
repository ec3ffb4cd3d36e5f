/**
 * sections.test: when the section header table and its name table can be read
 * (src/elf/sections.ts), on copies of a sample whose ELF header is edited per case.
 */
import { closeSync, fstatSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Decoder, decodeHeader, decodeSection } from '../../src/elf/decode.js';
import { sectionNames, sectionTableUsable } from '../../src/elf/sections.js';
import { Source } from '../../src/elf/source.js';

const SAMPLE = join(import.meta.dirname, '..', '..', 'samples', 'bin', 'app-vers');
const dir = mkdtempSync(join(tmpdir(), 'muslcheck-sections-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const d = new Decoder(64, 'little');
const original = readFileSync(SAMPLE);
const hdr = decodeHeader(d, original);
/** namesEntry is where the name table's header entry lies; its sh_offset is 24 bytes in (ELF64). */
const namesEntry = hdr.shoff + hdr.shstrndx * hdr.shentsize;

/** edited writes a copy of the sample changed by `edit` and reads its header and tables through a Source. */
function edited(name: string, edit: (b: Buffer) => void): { usable: boolean; names: Buffer | null } {
  const b = Buffer.from(original);
  edit(b);
  const file = join(dir, name);
  writeFileSync(file, b);
  const fd = openSync(file, 'r');
  try {
    const src = new Source(fd, fstatSync(fd).size, file);
    const h = decodeHeader(d, b);
    return { usable: sectionTableUsable(src, d, h), names: sectionNames(src, d, h) };
  } finally {
    closeSync(fd);
  }
}

describe('sectionTableUsable and sectionNames', () => {
  const CASES: Array<[string, (b: Buffer) => void, boolean, 'names' | 'empty' | 'null']> = [
    ['the file as built', () => {}, true, 'names'],
    ['no section headers (e_shoff 0)', (b) => b.writeBigUInt64LE(0n, 0x28), false, 'null'],
    ['no sections (e_shnum 0)', (b) => b.writeUInt16LE(0, 0x3c), false, 'null'],
    ['entries smaller than Elf64_Shdr (e_shentsize 40)', (b) => b.writeUInt16LE(40, 0x3a), false, 'null'],
    ['a table past the end of the file', (b) => b.writeBigUInt64LE(BigInt(b.length), 0x28), false, 'null'],
    ['e_shstrndx past the table', (b) => b.writeUInt16LE(hdr.shnum, 0x3e), true, 'null'],
    ['a name table that starts past the end of the file', (b) => b.writeBigUInt64LE(BigInt(b.length + 16), namesEntry + 24), true, 'empty'],
  ];

  it.each(CASES)('%s', (name, edit, usable, names) => {
    const r = edited(name.replace(/\W+/g, '-'), edit);
    expect(r.usable).toBe(usable);
    if (names === 'null') expect(r.names).toBeNull();
    else if (names === 'empty') expect(r.names!.length).toBe(0);
    else expect(r.names!.includes(Buffer.from('\0.text\0', 'latin1'))).toBe(true);
  });

  it('a name table that runs past the end of the file is cut there', () => {
    const entry = decodeSection(d, original, namesEntry);
    // Its offset moved so that only its first 8 bytes lie inside the file.
    const r = edited('names-cut', (b) => b.writeBigUInt64LE(BigInt(b.length - 8), namesEntry + 24));
    expect(entry.size).toBeGreaterThan(8);
    expect(r.names).toEqual(original.subarray(original.length - 8));
  });
});
