/**
 * decode: fixed-layout ELF structures for both classes and both byte orders.
 */
import type { ElfClassBits, Endianness } from './types.js';

/** Decoder reads integers of one file's class and byte order from buffers. */
export class Decoder {
  readonly wordSize: 4 | 8;

  constructor(
    readonly cls: ElfClassBits,
    readonly endian: Endianness,
  ) {
    this.wordSize = cls === 64 ? 8 : 4;
  }

  u8(b: Buffer, o: number): number {
    return b.readUInt8(o);
  }

  u16(b: Buffer, o: number): number {
    return this.endian === 'little' ? b.readUInt16LE(o) : b.readUInt16BE(o);
  }

  u32(b: Buffer, o: number): number {
    return this.endian === 'little' ? b.readUInt32LE(o) : b.readUInt32BE(o);
  }

  /** u64 returns a number, saturating at Number.MAX_SAFE_INTEGER+1 so later bounds checks fail cleanly. */
  u64(b: Buffer, o: number): number {
    const lo = this.endian === 'little' ? b.readUInt32LE(o) : b.readUInt32BE(o + 4);
    const hi = this.endian === 'little' ? b.readUInt32LE(o + 4) : b.readUInt32BE(o);
    // 2^53 = hi 2^21: anything at or above it is not a safe integer.
    return hi >= 0x200000 ? Number.MAX_SAFE_INTEGER + 1 : hi * 0x100000000 + lo;
  }

  /** word reads an Elf_Addr/Elf_Off/Elf_Xword-sized value. */
  word(b: Buffer, o: number): number {
    return this.cls === 64 ? this.u64(b, o) : this.u32(b, o);
  }

  /** sword reads a signed d_tag-sized value (tags above 2^31 stay positive for ELF32). */
  tag(b: Buffer, o: number): number {
    return this.word(b, o);
  }
}

/** Header is the part of Elf_Ehdr the reader uses. */
export interface Header {
  type: number;
  machine: number;
  flags: number;
  phoff: number;
  shoff: number;
  phentsize: number;
  phnum: number;
  shentsize: number;
  shnum: number;
  shstrndx: number;
}

/** decodeHeader decodes Elf32_Ehdr / Elf64_Ehdr (gABI "ELF Header"). */
export function decodeHeader(d: Decoder, b: Buffer): Header {
  if (d.cls === 64) {
    return {
      type: d.u16(b, 16),
      machine: d.u16(b, 18),
      phoff: d.u64(b, 32),
      shoff: d.u64(b, 40),
      flags: d.u32(b, 48),
      phentsize: d.u16(b, 54),
      phnum: d.u16(b, 56),
      shentsize: d.u16(b, 58),
      shnum: d.u16(b, 60),
      shstrndx: d.u16(b, 62),
    };
  }
  return {
    type: d.u16(b, 16),
    machine: d.u16(b, 18),
    phoff: d.u32(b, 28),
    shoff: d.u32(b, 32),
    flags: d.u32(b, 36),
    phentsize: d.u16(b, 42),
    phnum: d.u16(b, 44),
    shentsize: d.u16(b, 46),
    shnum: d.u16(b, 48),
    shstrndx: d.u16(b, 50),
  };
}

/** Segment is an Elf_Phdr. */
export interface Segment {
  type: number;
  flags: number;
  offset: number;
  vaddr: number;
  filesz: number;
  memsz: number;
}

/** PHDR_SIZE and friends are the fixed structure sizes per class. */
export const EHDR_SIZE = { 32: 52, 64: 64 } as const;
export const PHDR_SIZE = { 32: 32, 64: 56 } as const;
export const SHDR_SIZE = { 32: 40, 64: 64 } as const;
export const SYM_SIZE = { 32: 16, 64: 24 } as const;

/** decodeSegment decodes one program header at `o`. */
export function decodeSegment(d: Decoder, b: Buffer, o: number): Segment {
  if (d.cls === 64) {
    return {
      type: d.u32(b, o),
      flags: d.u32(b, o + 4),
      offset: d.u64(b, o + 8),
      vaddr: d.u64(b, o + 16),
      filesz: d.u64(b, o + 32),
      memsz: d.u64(b, o + 40),
    };
  }
  return {
    type: d.u32(b, o),
    offset: d.u32(b, o + 4),
    vaddr: d.u32(b, o + 8),
    filesz: d.u32(b, o + 16),
    memsz: d.u32(b, o + 20),
    flags: d.u32(b, o + 24),
  };
}

/** Section is the part of an Elf_Shdr the reader uses (sh_addralign and sh_entsize are not needed). */
export interface Section {
  name: number;
  type: number;
  offset: number;
  size: number;
  link: number;
  info: number;
}

/**
 * decodeSection decodes one section header at `o`. Field order (gABI): name, type, flags,
 * addr, offset, size, link, info, addralign, entsize; in ELF64 flags/addr/offset/size are
 * 8 bytes, so sh_link sits at 40 and sh_info at 44 (not 24/28 as in ELF32).
 */
export function decodeSection(d: Decoder, b: Buffer, o: number): Section {
  if (d.cls === 64) {
    return {
      name: d.u32(b, o),
      type: d.u32(b, o + 4),
      offset: d.u64(b, o + 24),
      size: d.u64(b, o + 32),
      link: d.u32(b, o + 40),
      info: d.u32(b, o + 44),
    };
  }
  return {
    name: d.u32(b, o),
    type: d.u32(b, o + 4),
    offset: d.u32(b, o + 16),
    size: d.u32(b, o + 20),
    link: d.u32(b, o + 24),
    info: d.u32(b, o + 28),
  };
}

/** cString reads a NUL-terminated string from `b` at `o` (to the end of `b` when unterminated). */
export function cString(b: Buffer, o: number): string {
  if (o < 0 || o >= b.length) return '';
  const end = b.indexOf(0, o);
  return b.toString('latin1', o, end < 0 ? b.length : end);
}
