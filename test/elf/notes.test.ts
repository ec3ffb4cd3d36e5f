/**
 * notes.test: readGnuNotes walks the "GNU" notes of the PT_NOTE segments once for the
 * build-id and glibc's ABI tag, and stops at a note that runs past what the file has.
 */
import { closeSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { Decoder, type Segment } from '../../src/elf/decode.js';
import { readGnuNotes, type GnuNotes } from '../../src/elf/notes.js';
import { Source } from '../../src/elf/source.js';

const dir = mkdtempSync(join(tmpdir(), 'muslcheck-notes-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const LE = new Decoder(64, 'little');
const BE = new Decoder(64, 'big');

/** note encodes one note (name NUL-terminated, name and descriptor padded to 4 bytes). */
function note(d: Decoder, owner: string, type: number, desc: Buffer): Buffer {
  const name = Buffer.from(`${owner}\0`, 'latin1');
  const head = Buffer.alloc(12);
  const u32 = (v: number, o: number): number => (d.endian === 'little' ? head.writeUInt32LE(v, o) : head.writeUInt32BE(v, o));
  u32(name.length, 0);
  u32(desc.length, 4);
  u32(type, 8);
  const pad = (b: Buffer): Buffer => Buffer.concat([b, Buffer.alloc((4 - (b.length % 4)) % 4)]);
  return Buffer.concat([head, pad(name), pad(desc)]);
}

const BUILD_ID = Buffer.from('0123456789abcdef0123456789abcdef01234567', 'hex');
const ABI_TAG = Buffer.from([0, 0, 0, 0, 3, 0, 0, 0, 2, 0, 0, 0, 0, 0, 0, 0]);

/** notesOf writes `bytes` to a file and reads the notes of one PT_NOTE segment of `filesz` bytes at offset 0. */
function notesOf(d: Decoder, bytes: Buffer, filesz = bytes.length, type = 4): GnuNotes {
  const path = join(dir, 'notes');
  writeFileSync(path, bytes);
  const fd = openSync(path, 'r');
  try {
    const seg: Segment = { type, flags: 4, offset: 0, vaddr: 0, filesz, memsz: filesz };
    return readGnuNotes(new Source(fd, bytes.length, path), d, [seg]);
  } finally {
    closeSync(fd);
  }
}

describe('readGnuNotes', () => {
  const both = Buffer.concat([note(LE, 'GNU', 1, ABI_TAG), note(LE, 'GNU', 3, BUILD_ID)]);
  const cases: Array<{ name: string; got: () => GnuNotes; want: GnuNotes }> = [
    { name: 'ABI tag and build-id in one segment', got: () => notesOf(LE, both), want: { buildId: BUILD_ID.toString('hex'), abiTag: true } },
    { name: 'big-endian notes', got: () => notesOf(BE, Buffer.concat([note(BE, 'GNU', 3, BUILD_ID), note(BE, 'GNU', 1, ABI_TAG)])), want: { buildId: BUILD_ID.toString('hex'), abiTag: true } },
    { name: 'another owner\'s notes of the same types', got: () => notesOf(LE, Buffer.concat([note(LE, 'Go', 3, BUILD_ID), note(LE, 'FDO', 1, ABI_TAG)])), want: { buildId: null, abiTag: false } },
    { name: 'a segment that is not PT_NOTE', got: () => notesOf(LE, both, both.length, 1), want: { buildId: null, abiTag: false } },
    { name: 'a segment past the end of the file: the complete notes still count', got: () => notesOf(LE, both.subarray(0, both.length - 4), both.length), want: { buildId: null, abiTag: true } },
    { name: 'a descriptor size larger than the segment ends the walk', got: () => notesOf(LE, Buffer.concat([note(LE, 'GNU', 3, Buffer.alloc(4)).fill(0xff, 4, 8), note(LE, 'GNU', 1, ABI_TAG)])), want: { buildId: null, abiTag: false } },
  ];
  it.each(cases)('$name', ({ got, want }) => {
    expect(got()).toEqual(want);
  });
});
