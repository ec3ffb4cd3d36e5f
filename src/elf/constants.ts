/**
 * constants: the ELF numbers the reader needs, from the System V gABI and glibc's
 * elf/elf.h (the authoritative list of machine-specific values).
 */

/** PT_* program header types. */
export const PT_LOAD = 1;
export const PT_DYNAMIC = 2;
export const PT_INTERP = 3;
export const PT_NOTE = 4;
export const PT_GNU_STACK = 0x6474e551;

/** PF_X and PF_W are the execute and write bits of p_flags. */
export const PF_X = 1;
export const PF_W = 2;

/** SHT_* section types: the full symbol table, sections with no file bytes, the dynamic symbol table. */
export const SHT_SYMTAB = 2;
export const SHT_NOBITS = 8;
export const SHT_DYNSYM = 11;

/** DT_* dynamic tags. */
export const DT_NULL = 0;
export const DT_NEEDED = 1;
export const DT_PLTRELSZ = 2;
export const DT_HASH = 4;
export const DT_STRTAB = 5;
export const DT_SYMTAB = 6;
export const DT_RELA = 7;
export const DT_RELASZ = 8;
export const DT_RELAENT = 9;
export const DT_STRSZ = 10;
export const DT_SYMENT = 11;
export const DT_SONAME = 14;
export const DT_RPATH = 15;
export const DT_REL = 17;
export const DT_RELSZ = 18;
export const DT_RELENT = 19;
export const DT_PLTREL = 20;
export const DT_JMPREL = 23;
export const DT_RUNPATH = 29;
export const DT_FLAGS = 30;
export const DT_RELRSZ = 35;
export const DT_RELR = 36;
export const DT_GNU_HASH = 0x6ffffef5;
export const DT_VERSYM = 0x6ffffff0;
export const DT_RELACOUNT = 0x6ffffff9;
export const DT_RELCOUNT = 0x6ffffffa;
export const DT_FLAGS_1 = 0x6ffffffb;
export const DT_VERDEF = 0x6ffffffc;
export const DT_VERDEFNUM = 0x6ffffffd;
export const DT_VERNEED = 0x6ffffffe;
export const DT_VERNEEDNUM = 0x6fffffff;

/** DF_1_PIE marks a position-independent executable (DT_FLAGS_1). */
export const DF_1_PIE = 0x08000000;

/** VER_FLG_BASE marks the version definition that names the file itself. */
export const VER_FLG_BASE = 0x1;
/** VER_FLG_WEAK marks a weak version reference. */
export const VER_FLG_WEAK = 0x2;
/** VERSYM_HIDDEN is the high bit of a versym entry: a non-default definition. */
export const VERSYM_HIDDEN = 0x8000;

/** SHN_UNDEF is the section index of an undefined symbol. */
export const SHN_UNDEF = 0;

/** NT_GNU_ABI_TAG is the note type of `.note.ABI-tag`, which glibc's crt1.o carries (glibc csu/abi-note.S). */
export const NT_GNU_ABI_TAG = 1;
/** NT_GNU_BUILD_ID is the note type of the build-id in a "GNU" note. */
export const NT_GNU_BUILD_ID = 3;

/** EM_* machines we name: every architecture musl supports, and a few more. */
export const MACHINES: ReadonlyMap<number, string> = new Map([
  [2, 'sparc'],
  [3, 'i386'],
  [4, 'm68k'],
  [8, 'mips'],
  [20, 'ppc'],
  [21, 'ppc64'],
  [22, 's390'],
  [40, 'arm'],
  [42, 'sh'],
  [43, 'sparcv9'],
  [50, 'ia64'],
  [62, 'x86_64'],
  [92, 'or1k'],
  [183, 'aarch64'],
  [189, 'microblaze'],
  [243, 'riscv'],
  [258, 'loongarch'],
]);

/**
 * COPY gives each machine's R_*_COPY relocation number (glibc elf/elf.h). musl resolves
 * the symbol a copy relocation names in the loaded libraries, never in the main program.
 */
export const COPY: ReadonlyMap<string, number> = new Map([
  ['x86_64', 5],
  ['i386', 5],
  ['aarch64', 1024],
  ['arm', 20],
  ['ppc', 19],
  ['ppc64', 19],
  ['s390', 9],
  ['riscv', 4],
  ['loongarch', 4],
  ['mips', 126],
  ['m68k', 19],
  ['microblaze', 21],
  ['or1k', 18],
  ['sparc', 19],
  ['sparcv9', 19],
  ['sh', 162],
]);

/**
 * IRELATIVE gives each machine's R_*_IRELATIVE relocation number (glibc elf/elf.h).
 * musl's loader rejects these with `unsupported relocation type N`.
 */
export const IRELATIVE: ReadonlyMap<string, number> = new Map([
  ['x86_64', 37],
  ['i386', 42],
  ['aarch64', 1032],
  ['arm', 160],
  ['ppc', 248],
  ['ppc64', 248],
  ['s390', 61],
  ['riscv', 58],
  ['loongarch', 12],
  ['sparc', 249],
  ['sparcv9', 249],
]);

/** isElfMagic is true when the buffer starts with \x7fELF (here, with no import, so that the scan cache can sniff without loading the reader). */
export function isElfMagic(buf: Uint8Array): boolean {
  return buf.length >= 4 && buf[0] === 0x7f && buf[1] === 0x45 && buf[2] === 0x4c && buf[3] === 0x46;
}
