/**
 * notes: the "GNU" notes of the PT_NOTE segments, read once per file for everything the
 * reader wants from them (the build-id, glibc's ABI tag).
 */
import * as C from './constants.js';
import type { Decoder, Segment } from './decode.js';
import type { Source } from './source.js';

/** NOTE_MAX caps the bytes read from one PT_NOTE segment. */
const NOTE_MAX = 4096;

/** GnuNotes is what the "GNU" notes say. */
export interface GnuNotes {
  /** NT_GNU_BUILD_ID as lowercase hex. */
  buildId: string | null;
  /** an NT_GNU_ABI_TAG note is present. */
  abiTag: boolean;
}

/**
 * readGnuNotes walks the notes of every PT_NOTE segment (the first NOTE_MAX bytes of each,
 * as far as the file has them); a note whose name or descriptor runs past what was read
 * ends that segment's walk.
 */
export function readGnuNotes(src: Source, d: Decoder, segments: readonly Segment[]): GnuNotes {
  const out: GnuNotes = { buildId: null, abiTag: false };
  for (const s of segments) {
    if (s.type !== C.PT_NOTE || s.filesz === 0 || s.offset >= src.size) continue;
    const b = src.readUpTo(s.offset, Math.min(s.filesz, NOTE_MAX), 'PT_NOTE');
    let o = 0;
    while (o + 12 <= b.length) {
      const namesz = d.u32(b, o);
      const descsz = d.u32(b, o + 4);
      const type = d.u32(b, o + 8);
      const nameOff = o + 12;
      const descOff = nameOff + align4(namesz);
      if (namesz > b.length || descsz > b.length || descOff + descsz > b.length) break;
      if (namesz === 4 && b.toString('latin1', nameOff, nameOff + 3) === 'GNU') {
        if (type === C.NT_GNU_BUILD_ID && out.buildId === null) out.buildId = b.toString('hex', descOff, descOff + descsz);
        else if (type === C.NT_GNU_ABI_TAG) out.abiTag = true;
      }
      o = descOff + align4(descsz);
    }
  }
  return out;
}

/** align4 rounds up to the 4-byte alignment of note names and descriptors. */
function align4(n: number): number {
  return (n + 3) & ~3;
}
