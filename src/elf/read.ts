/**
 * read: turns an open ELF file into an ElfInfo, the way the dynamic loader sees it.
 *
 * Everything the loader needs is reached from the program headers: PT_DYNAMIC gives the
 * dynamic tags, whose addresses are mapped to file offsets through PT_LOAD. Section
 * headers are consulted only for what the loader never needs (.comment, Go build info),
 * so a file whose section headers were stripped reads the same.
 *
 * References: System V gABI chapters 4-5; LSB Core "Symbol Versioning"; the GNU hash
 * layout as documented in binutils/glibc (nbuckets, symoffset, bloom_size, bloom_shift).
 */
import { closeSync, fstatSync, openSync } from 'node:fs';
import type { FileHandle } from 'node:fs/promises';
import * as C from './constants.js';
import {
  Decoder,
  decodeHeader,
  decodeSection,
  decodeSegment,
  cString,
  EHDR_SIZE,
  PHDR_SIZE,
  SHDR_SIZE,
  SYM_SIZE,
  type Header,
  type Segment,
} from './decode.js';
import { ElfError } from './errors.js';
import { hashNameBytes, hashTable } from './names.js';
import { Arena, OPEN_FLAGS, Source, errnoText } from './source.js';
import { GnuHashTable, gnuHash } from './gnuhash.js';
import { SparseStrings, intern, wholeStrings, type StringTable } from './strings.js';

export { Arena };
import { readToolchain } from './toolchain.js';
import { readEmbedded } from './embedded.js';
import { readGnuNotes } from './notes.js';
import type {
  CopyRelocation,
  ElfClassBits,
  ElfExport,
  ElfFileType,
  ElfImport,
  ElfInfo,
  Endianness,
  GnuStack,
  ReadOptions,
  RelocationSummary,
  SymbolBinding,
  SymbolTraits,
  SymbolType,
  SymbolVisibility,
  VersionNeed,
} from './types.js';

/**
 * READER_REVISION changes whenever the reader's output for the same bytes changes (a new
 * field, a fix): anything that stored a reading (the scan cache) must not reuse one made
 * by another revision.
 */
export const READER_REVISION = 7;

/** MAX_SYMBOLS caps the dynamic symbol count (the largest real libraries have a few hundred thousand). */
const MAX_SYMBOLS = 4_000_000;
/** MAX_DYNAMIC caps the number of dynamic entries read. */
const MAX_DYNAMIC = 65_536;
/** MAX_VERSION_ENTRIES caps verneed/verdef walks. */
const MAX_VERSION_ENTRIES = 65_536;
/** RELOC_CHUNK is how many relocation bytes are read at a time. */
const RELOC_CHUNK = 1 << 20;
/** RELOC_SCRATCH is where every relocation chunk is read (reads are synchronous, one file at a time per thread). */
const RELOC_SCRATCH = Buffer.allocUnsafeSlow(RELOC_CHUNK);
/**
 * HEAD_READ is the first read: the ELF header, the program headers and, in the usual
 * layout, PT_INTERP and the notes right after them (they end near offset 0x3a0).
 */
const HEAD_READ = 1024;

/** isElfMagic: see constants.ts (kept there so that the scan cache can sniff without loading the reader). */
export const isElfMagic = C.isElfMagic;

/** machineName names e_machine, `em_<n>` when unknown. */
export function machineName(code: number): string {
  return C.MACHINES.get(code) ?? `em_${code}`;
}

/** versionIndex splits a versym entry into its index and the hidden bit (LSB "Symbol Versioning"). */
export function versionIndex(v: number): { index: number; hidden: boolean } {
  return { index: v & 0x7fff, hidden: (v & C.VERSYM_HIDDEN) !== 0 };
}


/** readElf opens `path`, reads it and closes it. Only ElfError escapes. */
export async function readElf(path: string, opts: ReadOptions = {}): Promise<ElfInfo> {
  return readElfSync(path, opts);
}

/** readElfSync is readElf with synchronous positioned reads (what the scan's workers use). */
export function readElfSync(path: string, opts: ReadOptions = {}): ElfInfo {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch (e) {
    throw new ElfError('unreadable', path, errnoText(e));
  }
  try {
    let size: number;
    try {
      const st = fstatSync(fd);
      if (!st.isFile()) throw new ElfError('unreadable', path, 'not a regular file');
      size = st.size;
    } catch (e) {
      if (e instanceof ElfError) throw e;
      throw new ElfError('unreadable', path, errnoText(e));
    }
    return readElfFd(fd, size, path, opts);
  } finally {
    closeSync(fd);
  }
}

/** readElfFromHandle reads an already open file of known size. Only ElfError escapes. */
export async function readElfFromHandle(fh: FileHandle, size: number, path: string, opts: ReadOptions = {}): Promise<ElfInfo> {
  return readElfFd(fh.fd, size, path, opts);
}

/**
 * readElfFd reads an open file descriptor of known size. Only ElfError escapes. With an
 * arena, the reads use its memory (reset here): nothing in the result refers to it.
 */
export function readElfFd(fd: number, size: number, path: string, opts: ReadOptions = {}, arena: Arena | null = null): ElfInfo {
  arena?.reset();
  const src = new Source(fd, size, path, arena);
  try {
    return parse(src, opts);
  } catch (e) {
    if (e instanceof ElfError) throw e;
    // A decoding slip (e.g. a RangeError on a crafted buffer) is still a malformed file.
    throw new ElfError('malformed', path, `unexpected structure: ${(e as Error).message}`);
  }
}

/**
 * readExportIndex reads the export index a deferred read left out (ReadOptions.deferExports):
 * the header, PT_DYNAMIC, and .dynsym, .dynstr and versym whole (the shared prefetch also
 * takes the version tables, which this does not use). `filter`
 * chooses the names, as ReadOptions.exportFilter does. Only ElfError escapes.
 */
export function readExportIndex(fd: number, size: number, path: string, filter: (s: SymbolTraits) => boolean, arena: Arena | null = null): { index: Float64Array; bytesRead: number } {
  arena?.reset();
  const src = new Source(fd, size, path, arena);
  try {
    const view = loaderView(src);
    const { strtab, count } = readWholeTables(src, view);
    const table = readSymbols(src, view, strtab, count, NO_VERSIONS, NO_COPIES, { exports: false, exportFilter: filter });
    return { index: table.exportIndex ?? new Float64Array(0), bytesRead: src.bytesRead };
  } catch (e) {
    if (e instanceof ElfError) throw e;
    throw new ElfError('malformed', path, `unexpected structure: ${(e as Error).message}`);
  }
}

const FILE_TYPES: Record<number, ElfFileType> = { 0: 'none', 1: 'rel', 2: 'exec', 3: 'dyn', 4: 'core' };
const BINDINGS: Record<number, SymbolBinding> = { 0: 'local', 1: 'global', 2: 'weak', 10: 'unique' };
const TYPES: Record<number, SymbolType> = {
  0: 'notype',
  1: 'object',
  2: 'func',
  3: 'section',
  4: 'file',
  5: 'common',
  6: 'tls',
  10: 'ifunc',
};
const VISIBILITIES: SymbolVisibility[] = ['default', 'internal', 'hidden', 'protected'];

/** Dynamic holds the tags of PT_DYNAMIC that the reader uses. */
interface Dynamic {
  needed: number[];
  rpath: number[];
  runpath: number[];
  values: Map<number, number>;
}

/** SymbolTable is what the walk over .dynsym produces. */
interface SymbolTable {
  imports: ElfImport[];
  exports: ElfExport[];
  exportIndex: Float64Array | null;
  copyRelocations: CopyRelocation[];
  /** symbol index of each import. */
  importIndex: number[];
  /** defined symbols musl's lookup skips (hidden version or IFUNC): index -> name offset. */
  unbindable: Map<number, number>;
  /** a defined name only Rust's standard library produces was seen. */
  rust: boolean;
  /** deferred reads: the imported names the file defines itself (bindably), sorted. */
  selfDefined: string[];
}

/** ToOffset maps a virtual address to a file offset, naming the field for the error when it cannot. */
type ToOffset = (addr: number, field: string) => number;

/** LoaderView is what every read starts from: the header, the segments and the dynamic tags. */
interface LoaderView {
  head: Buffer;
  cls: ElfClassBits;
  endian: Endianness;
  d: Decoder;
  hdr: Header;
  machine: string;
  segments: Segment[];
  toOffset: ToOffset;
  dynSeg: Segment | undefined;
  dyn: Dynamic | null;
  v: Map<number, number>;
}

/** loaderView reads the ELF header, the program headers and PT_DYNAMIC. */
function loaderView(src: Source): LoaderView {
  const head = src.readUpTo(0, HEAD_READ, 'e_ident');
  if (!isElfMagic(head)) throw new ElfError('not-elf', src.path, 'no ELF magic');
  const cls = head[4] === 1 ? 32 : head[4] === 2 ? 64 : null;
  if (cls === null) throw src.malformed(`invalid class ${head[4]}`, 4, 'EI_CLASS');
  const endian = head[5] === 1 ? 'little' : head[5] === 2 ? 'big' : null;
  if (endian === null) throw src.malformed(`invalid data encoding ${head[5]}`, 5, 'EI_DATA');
  if (head.length < EHDR_SIZE[cls]) throw src.malformed('truncated ELF header', head.length, 'Elf_Ehdr');
  const d = new Decoder(cls, endian);
  const hdr = decodeHeader(d, head);
  const segments = readSegments(src, d, hdr);
  const loads = segments.filter((s) => s.type === C.PT_LOAD);
  const toOffset = (addr: number, field: string): number => vaddrToOffset(src, loads, addr, field);
  const dynSeg = segments.find((s) => s.type === C.PT_DYNAMIC);
  const dyn = dynSeg ? readDynamic(src, d, dynSeg) : null;
  return { head, cls, endian, d, hdr, machine: machineName(hdr.machine), segments, toOffset, dynSeg, dyn, v: dyn?.values ?? new Map<number, number>() };
}

/**
 * canDefer says whether a file's exports can be left unread (ReadOptions.deferExports):
 * it has no DT_SONAME (executables and plugins, which other files rarely name in
 * DT_NEEDED) and a GNU hash table, which sets the imports apart from the exports and
 * answers lookups of its own names. MIPS orders .dynsym by GOT and is always read whole.
 */
function canDefer(opts: ReadOptions, view: LoaderView): boolean {
  const { v } = view;
  return opts.deferExports === true && view.machine !== 'mips' && !v.has(C.DT_SONAME) && v.has(C.DT_SYMTAB) && v.has(C.DT_STRTAB) && v.has(C.DT_GNU_HASH);
}

/** parse reads one ELF file's loader-facing view from `src`. */
function parse(src: Source, opts: ReadOptions): ElfInfo {
  const view = loaderView(src);
  const { head, cls, endian, d, hdr, machine, segments, toOffset, dynSeg, dyn, v } = view;

  let interp: string | null = null;
  const interpSeg = segments.find((s) => s.type === C.PT_INTERP);
  if (interpSeg) {
    const b = src.read(interpSeg.offset, Math.min(interpSeg.filesz, 4096), 'PT_INTERP');
    interp = cString(b, 0);
  }

  let gnuStack: GnuStack | null = null;
  const stackSeg = segments.find((s) => s.type === C.PT_GNU_STACK);
  if (stackSeg) gnuStack = { executable: (stackSeg.flags & C.PF_X) !== 0, size: stackSeg.memsz };

  const notes = readGnuNotes(src, d, segments);

  // String table: everything else names things through it. A deferred read takes only
  // the blocks its names lie in; otherwise the whole table, with the tables beside it.
  const deferred = canDefer(opts, view);
  const early = deferred ? readDeferredHead(src, view) : null;
  const whole = early === null ? readWholeTables(src, view) : null;
  const strings: StringTable = early?.strings ?? wholeStrings(whole!.strtab);
  // Names that recur across files (sonames, version names) are kept once per thread.
  const str = (o: number): string => intern(strings.get(o));

  const needed = dyn ? dyn.needed.map(str) : [];
  const soname = v.has(C.DT_SONAME) ? str(v.get(C.DT_SONAME)!) : null;
  const rpath = dyn && dyn.rpath.length > 0 ? dyn.rpath.flatMap((o) => str(o).split(':')) : null;
  const runpath = dyn && dyn.runpath.length > 0 ? dyn.runpath.flatMap((o) => str(o).split(':')) : null;

  const verneed = v.has(C.DT_VERNEED)
    ? readVerneed(src, d, toOffset(v.get(C.DT_VERNEED)!, 'DT_VERNEED'), v.get(C.DT_VERNEEDNUM) ?? 0, str)
    : { byIndex: new Map<number, { name: string; file: string }>(), needs: [] as VersionNeed[] };
  const verdef = v.has(C.DT_VERDEF)
    ? readVerdef(src, d, toOffset(v.get(C.DT_VERDEF)!, 'DT_VERDEF'), v.get(C.DT_VERDEFNUM) ?? 0, str)
    : { byIndex: new Map<number, string>(), names: [] as string[] };

  const { summary: relocations, refs, copies } = readRelocations(src, d, machine, v, toOffset);
  const versions = { verneed, verdef };
  const table = early !== null ? readDeferredSymbols(src, d, early, versions, refs, copies, opts) : readSymbols(src, view, whole!.strtab, whole!.count, versions, copies, opts);
  // MIPS binds globals through the GOT, not per-symbol relocations: every import counts there.
  if (machine !== 'mips') {
    relocations.unreferencedImports = table.imports.filter((imp, k) => !imp.weak && !refs.has(table.importIndex[k]!)).map((imp) => imp.name);
  }
  relocations.selfReferencedUnbindable = [...table.unbindable].filter(([i]) => refs.has(i)).map(([, o]) => str(o));
  const rustSymbols = table.rust || table.imports.some((i) => i.name.startsWith('_ZN3std'));
  const { toolchain, sectionHeadersMissing } = readToolchain(src, d, hdr, rustSymbols);
  const staticLibc = readEmbedded(src, d, hdr, segments, toolchain, { sectionHeadersMissing, isStatic: interp === null && needed.length === 0, glibcAbiTag: notes.abiTag });

  const type = FILE_TYPES[hdr.type] ?? 'other';
  const dtFlags1 = v.get(C.DT_FLAGS_1) ?? null;
  const pieFlag = dtFlags1 !== null && (dtFlags1 & C.DF_1_PIE) !== 0;
  return {
    class: cls,
    endian,
    machine,
    machineCode: hdr.machine,
    osabi: head[7]!,
    type,
    flags: hdr.flags,
    interp,
    needed,
    soname,
    rpath,
    runpath,
    dtFlags: v.get(C.DT_FLAGS) ?? null,
    dtFlags1,
    dynamic: dynSeg !== undefined,
    static: interp === null && needed.length === 0 && (type === 'exec' || pieFlag),
    pie: type === 'dyn' && (pieFlag || interp !== null),
    gnuStack,
    buildId: notes.buildId,
    toolchain,
    imports: table.imports,
    exports: table.exports,
    exportIndex: table.exportIndex,
    exportsDeferred: early !== null,
    selfDefined: table.selfDefined,
    copyRelocations: table.copyRelocations,
    versionDefinitions: verdef.names,
    versionNeeds: verneed.needs,
    relocations,
    staticLibc,
    sectionHeadersMissing,
    bytesRead: src.bytesRead,
  };
}

/** Versions are a file's version tables, as the symbol walk uses them. */
interface Versions {
  verneed: { byIndex: Map<number, { name: string; file: string }> };
  verdef: { byIndex: Map<number, string>; names: string[] };
}

/** NO_COPIES: a read that does not list copy relocations (readExportIndex). */
const NO_COPIES: ReadonlySet<number> = new Set();

/** NO_VERSIONS are the version tables of a read that does not need them (readExportIndex). */
const NO_VERSIONS: Versions = { verneed: { byIndex: new Map() }, verdef: { byIndex: new Map(), names: [] } };

/**
 * EntryFiler files .dynsym entries into a SymbolTable: an undefined entry is an import; a
 * defined one may be a copy relocation (an R_*_COPY relocation names it) or a definition
 * musl's lookup skips (hidden version, STT_GNU_IFUNC).
 * Both the whole walk and the deferred one go through it.
 */
class EntryFiler {
  /** the name `defined` decoded, if it had to (null: not decoded). */
  name: string | null = null;

  constructor(
    private readonly out: SymbolTable,
    private readonly strings: StringTable,
    private readonly versions: Versions,
  ) {}

  /** undefined files entry `i` as an import (`raw`: its versym entry, -1 when none; `name`, when the caller decoded it). */
  undefined(i: number, info: number, nameOff: number, raw: number, name = this.strings.get(nameOff)): void {
    const vIndex = raw < 0 ? 0 : raw & 0x7fff;
    const need = vIndex >= 2 ? this.versions.verneed.byIndex.get(vIndex) : undefined;
    const def = vIndex >= 2 && !need ? this.versions.verdef.byIndex.get(vIndex) : undefined;
    this.out.importIndex.push(i);
    this.out.imports.push({ name: intern(name), version: need?.name ?? def ?? null, library: need?.file ?? null, weak: info >> 4 === 2, type: TYPES[info & 0xf] ?? info & 0xf });
  }

  /**
   * defined files defined entry `i` and returns its version; `name` is set when it was
   * decoded. `copied`: an R_*_COPY relocation names it (it then carries the version it was
   * linked against, from Elf_Vernaux).
   */
  defined(i: number, info: number, nameOff: number, raw: number, copied: boolean, name: string | null = null): string | null {
    this.name = name;
    const vIndex = raw < 0 ? 0 : raw & 0x7fff;
    let version: string | null = null;
    let library: string | null = null;
    if (vIndex >= 2) {
      version = this.versions.verdef.byIndex.get(vIndex) ?? null;
      if (version === null) {
        const need = this.versions.verneed.byIndex.get(vIndex);
        version = need?.name ?? null;
        library = need?.file ?? null;
      }
    }
    if (copied) {
      this.name ??= this.strings.get(nameOff);
      this.out.copyRelocations.push({ name: this.name, version, library });
    }
    if ((raw >= 0 && (raw & C.VERSYM_HIDDEN) !== 0) || (info & 0xf) === 10 /* STT_GNU_IFUNC */) this.out.unbindable.set(i, nameOff);
    return version;
  }
}

/** emptyTable is a SymbolTable with nothing in it yet. */
function emptyTable(): SymbolTable {
  return { imports: [], exports: [], exportIndex: null, copyRelocations: [], importIndex: [], unbindable: new Map(), rust: false, selfDefined: [] };
}

/**
 * readSymbols walks .dynsym once. Imports always become objects; a defined symbol's name
 * is decoded only when it is asked for (`exports`), is a copy relocation, or is needed
 * later; for the export index its bytes are hashed where they lie in .dynstr.
 * `knownCount` is the symbol count when the prefetch already found it.
 */
function readSymbols(src: Source, view: LoaderView, strtab: Buffer, knownCount: number | null, versions: Versions, copies: ReadonlySet<number>, opts: ReadOptions): SymbolTable {
  const { d, hdr, v, toOffset } = view;
  const out = emptyTable();
  const wantExports = opts.exports !== false;
  const filter = opts.exportFilter;
  if (!v.has(C.DT_SYMTAB)) {
    if (filter) out.exportIndex = new Float64Array(0);
    return out;
  }
  const cls = d.cls;
  const symOff = toOffset(v.get(C.DT_SYMTAB)!, 'DT_SYMTAB');
  const syment = symbolEntrySize(src, d, v);
  const count = knownCount ?? symbolCount(src, d, hdr, v, toOffset, symOff, syment);
  const symbols = src.read(symOff, count * syment, 'DT_SYMTAB');
  let versym: Buffer | null = null;
  if (v.has(C.DT_VERSYM)) {
    const vOff = toOffset(v.get(C.DT_VERSYM)!, 'DT_VERSYM');
    versym = src.read(vOff, Math.min(count * 2, src.size - vOff), 'DT_VERSYM');
  }
  const filer = new EntryFiler(out, wholeStrings(strtab), versions);
  const little = d.endian === 'little';
  // DataView reads are several times cheaper than Buffer's readUInt*LE in this loop.
  const sym = new DataView(symbols.buffer, symbols.byteOffset, symbols.byteLength);
  const ver = versym === null ? null : new DataView(versym.buffer, versym.byteOffset, versym.byteLength);
  const infoAt = cls === 64 ? 4 : 12;
  const shndxAt = cls === 64 ? 6 : 14;
  const hashes = filter ? new Float64Array(count) : null;
  let hashed = 0;
  const accepts = filter ? acceptTable(filter) : null;
  const strLen = strtab.length;
  for (let i = 1; i < count; i++) {
    const o = i * syment;
    const info = symbols[o + infoAt]!;
    const bind = info >> 4;
    if (bind === 0) continue; // STB_LOCAL: not part of the dynamic interface
    const nameOff = sym.getUint32(o, little);
    if (nameOff >= strLen || strtab[nameOff] === 0) continue; // no name
    const shndx = sym.getUint16(o + shndxAt, little);
    const raw = ver !== null && i * 2 + 2 <= ver.byteLength ? ver.getUint16(i * 2, little) : -1;
    if (shndx === C.SHN_UNDEF) {
      filer.undefined(i, info, nameOff, raw);
      continue;
    }
    const version = filer.defined(i, info, nameOff, raw, copies.has(i));
    const hidden = raw >= 0 && (raw & C.VERSYM_HIDDEN) !== 0;
    const typeCode = info & 0xf;
    if (wantExports) {
      const name = filer.name ?? cString(strtab, nameOff);
      out.exports.push({ name, version, hidden, binding: BINDINGS[bind] ?? bind, type: TYPES[typeCode] ?? typeCode, visibility: VISIBILITIES[symbols[o + infoAt + 1]! & 3]!, section: shndx });
    }
    if (hashes !== null && accepts!(bind, typeCode, hidden)) hashes[hashed++] = hashNameBytes(strtab, nameOff, strLen);
    if (!out.rust && isRustName(strtab, nameOff)) out.rust = true;
  }
  if (hashes !== null) out.exportIndex = hashTable(hashes, hashed);
  return out;
}

/** symbolEntrySize is DT_SYMENT, or the class's Elf_Sym size; smaller is malformed. */
function symbolEntrySize(src: Source, d: Decoder, v: Map<number, number>): number {
  const syment = v.get(C.DT_SYMENT) ?? SYM_SIZE[d.cls];
  if (syment < SYM_SIZE[d.cls]) throw src.malformed(`DT_SYMENT ${syment} too small`, null, 'DT_SYMENT');
  return syment;
}

/**
 * acceptTable asks an export filter once per (binding, type, hidden) combination, since
 * its answer depends on nothing else, and answers from the table afterwards.
 */
function acceptTable(filter: (s: SymbolTraits) => boolean): (bind: number, typeCode: number, hidden: boolean) => boolean {
  const seen = new Int8Array(16 * 16 * 2).fill(-1);
  const traits: SymbolTraits = { binding: 'global', type: 'notype', hidden: false };
  return (bind, typeCode, hidden) => {
    const slot = (bind << 5) | (typeCode << 1) | (hidden ? 1 : 0);
    let ok = seen[slot]!;
    if (ok < 0) {
      traits.binding = BINDINGS[bind] ?? bind;
      traits.type = TYPES[typeCode] ?? typeCode;
      traits.hidden = hidden;
      ok = filter(traits) ? 1 : 0;
      seen[slot] = ok;
    }
    return ok === 1;
  };
}

/**
 * DeferredHead is the first part of a deferred read: the unhashed entries of .dynsym
 * (below the GNU hash table's symoffset: the imports), their versym entries, and the
 * string table with their names (and the dynamic section's) loaded.
 */
interface DeferredHead {
  gnu: GnuHashTable;
  strings: SparseStrings;
  symOff: number;
  syment: number;
  /** entries 0..symoffset of .dynsym. */
  symbols: Buffer;
  versymOff: number | null;
  /** versym entries 0..symoffset. */
  versym: Buffer | null;
  /** the most entries .dynsym could have, given the file size. */
  limit: number;
}

/**
 * readDeferredHead reads the unhashed part of .dynsym and the strings it and PT_DYNAMIC
 * name; null when the GNU hash table cannot be searched (the file is then read whole).
 */
function readDeferredHead(src: Source, view: LoaderView): DeferredHead | null {
  const { d, v, toOffset, dyn } = view;
  const strOff = toOffset(v.get(C.DT_STRTAB)!, 'DT_STRTAB');
  const strSize = Math.min(v.get(C.DT_STRSZ) ?? 0, src.size - strOff);
  src.check(strOff, strSize, 'DT_STRTAB');
  const strings = new SparseStrings(src, strOff, strSize);
  const symOff = toOffset(v.get(C.DT_SYMTAB)!, 'DT_SYMTAB');
  const syment = symbolEntrySize(src, d, v);
  const limit = Math.min(MAX_SYMBOLS, Math.floor((src.size - symOff) / syment));
  const gnu = new GnuHashTable(src, d, toOffset(v.get(C.DT_GNU_HASH)!, 'DT_GNU_HASH'), limit);
  if (!gnu.searchable) return null;
  if (gnu.symoffset > limit) throw src.malformed(`GNU hash symoffset ${gnu.symoffset} exceeds the file`, symOff, 'DT_GNU_HASH');
  const symbols = src.read(symOff, gnu.symoffset * syment, 'DT_SYMTAB');
  let versymOff: number | null = null;
  let versym: Buffer | null = null;
  if (v.has(C.DT_VERSYM)) {
    versymOff = toOffset(v.get(C.DT_VERSYM)!, 'DT_VERSYM');
    versym = src.read(versymOff, Math.max(0, Math.min(gnu.symoffset * 2, src.size - versymOff)), 'DT_VERSYM');
  }
  const infoAt = d.cls === 64 ? 4 : 12;
  for (let i = 1; i < gnu.symoffset; i++) {
    if (symbols[i * syment + infoAt]! >> 4 !== 0) strings.want(d.u32(symbols, i * syment));
  }
  if (dyn) {
    for (const o of [...dyn.needed, ...dyn.rpath, ...dyn.runpath]) strings.want(o);
  }
  strings.load();
  return { gnu, strings, symOff, syment, symbols, versymOff, versym, limit };
}

/** REF_GAP joins referenced entries into one read when at most this many bytes lie between them. */
const REF_GAP = 512;
/** MAX_REF_READS: beyond this many separate reads, the referenced entries are read as one span. */
const MAX_REF_READS = 256;

/**
 * readDeferredSymbols completes a deferred read. The unhashed entries (the imports) are
 * filed; of the hashed ones (the exports), only those a dynamic relocation names are read
 * (copy relocations, and definitions musl skips when a relocation asks for them); and each
 * import is looked up in the file's own GNU hash table, so `selfDefined` lists the ones the
 * file defines itself, which musl binds there. No export index is built (`exportsDeferred`).
 */
function readDeferredSymbols(src: Source, d: Decoder, head: DeferredHead, versions: Versions, refs: ReadonlySet<number>, copies: ReadonlySet<number>, opts: ReadOptions): SymbolTable {
  const out = emptyTable();
  const { gnu, strings, symbols, syment, versym } = head;
  const filer = new EntryFiler(out, strings, versions);
  const infoAt = d.cls === 64 ? 4 : 12;
  const shndxAt = d.cls === 64 ? 6 : 14;
  const accepts = acceptTable(opts.exportFilter ?? (() => true));
  /** definedHere: names of the bindable definitions seen so far. */
  const definedHere = new Set<string>();
  /** file files one entry held in `buf` at `o`. */
  const file = (i: number, buf: Buffer, o: number, raw: number): void => {
    const info = buf[o + infoAt]!;
    const bind = info >> 4;
    if (bind === 0) return;
    const nameOff = d.u32(buf, o);
    // As the whole walk does: an entry without a name is no part of the interface.
    const name = nameOff >= strings.size ? '' : strings.get(nameOff);
    if (name === '') return;
    if (d.u16(buf, o + shndxAt) === C.SHN_UNDEF) {
      filer.undefined(i, info, nameOff, raw, name);
      return;
    }
    filer.defined(i, info, nameOff, raw, copies.has(i), name);
    if (accepts(bind, info & 0xf, raw >= 0 && (raw & C.VERSYM_HIDDEN) !== 0)) definedHere.add(name);
    if (!out.rust && isRustString(name)) out.rust = true;
  };
  /** wantNames has the string table load, in one pass, the names of entries about to be looked at. */
  const wantNames = (list: Iterable<{ buf: Buffer; at: number }>): void => {
    for (const e of list) strings.want(d.u32(e.buf, e.at));
    strings.load();
  };
  for (let i = 1; i < gnu.symoffset; i++) file(i, symbols, i * syment, versym !== null && i * 2 + 2 <= versym.length ? d.u16(versym, i * 2) : -1);
  const hashed = [...refs].filter((i) => i >= gnu.symoffset).sort((a, b) => a - b);
  const entries = readEntries(src, d, head, hashed, 'DT_SYMTAB refs');
  wantNames(entries.map(([, e]) => e));
  for (const [i, e] of entries) file(i, e.buf, e.at, e.raw);
  // Which imports does the file define itself? Its Bloom filter rules out nearly all; the
  // candidates of the rest are read name by name, and their names all at once.
  const own = new Map<number, { buf: Buffer; at: number; raw: number }>(entries);
  const asked: Array<{ name: string; candidates: number[] }> = [];
  for (const name of new Set(out.imports.map((imp) => imp.name))) {
    if (definedHere.has(name)) {
      out.selfDefined.push(name);
      continue;
    }
    const h = gnuHash(name);
    if (!gnu.mayDefine(h)) continue;
    const candidates = gnu.candidates(h);
    for (const [i, e] of readEntries(src, d, head, candidates.filter((i) => !own.has(i)), 'DT_SYMTAB candidates')) own.set(i, e);
    asked.push({ name, candidates });
  }
  wantNames(asked.flatMap((a) => a.candidates.map((i) => own.get(i)!)));
  for (const { name, candidates } of asked) {
    for (const i of candidates) {
      const e = own.get(i)!;
      const info = e.buf[e.at + infoAt]!;
      if (info >> 4 === 0 || d.u16(e.buf, e.at + shndxAt) === C.SHN_UNDEF) continue;
      if (strings.get(d.u32(e.buf, e.at)) !== name) continue;
      if (accepts(info >> 4, info & 0xf, e.raw >= 0 && (e.raw & C.VERSYM_HIDDEN) !== 0)) {
        out.selfDefined.push(name);
        break;
      }
    }
  }
  out.selfDefined.sort();
  return out;
}

/**
 * readEntries reads the .dynsym (and versym) entries at sorted indexes: neighbours within
 * REF_GAP bytes in one read, and everything as one span past MAX_REF_READS reads.
 */
function readEntries(src: Source, d: Decoder, head: DeferredHead, indexes: readonly number[], field = 'DT_SYMTAB'): Array<[number, { buf: Buffer; at: number; raw: number }]> {
  const out: Array<[number, { buf: Buffer; at: number; raw: number }]> = [];
  if (indexes.length === 0) return out;
  const { symOff, syment, versymOff } = head;
  for (const i of indexes) if (i >= head.limit) throw src.malformed(`relocation names symbol ${i}, past the symbol table`, symOff, 'DT_SYMTAB');
  const runs: Array<[number, number]> = [];
  for (const i of indexes) {
    const last = runs[runs.length - 1];
    if (last !== undefined && (i - last[1]) * syment <= REF_GAP) last[1] = i;
    else runs.push([i, i]);
  }
  const spans = runs.length > MAX_REF_READS ? [[runs[0]![0], runs[runs.length - 1]![1]] as [number, number]] : runs;
  let next = 0;
  for (const [from, to] of spans) {
    const buf = src.read(symOff + from * syment, (to - from + 1) * syment, field);
    const vers = versymOff === null ? null : src.readUpTo(versymOff + from * 2, (to - from + 1) * 2, 'DT_VERSYM');
    // Both lists are sorted: each index is visited once.
    for (; next < indexes.length && indexes[next]! <= to; next++) {
      const k = indexes[next]! - from;
      out.push([indexes[next]!, { buf, at: k * syment, raw: vers !== null && k * 2 + 2 <= vers.length ? d.u16(vers, k * 2) : -1 }]);
    }
  }
  return out;
}

/** bytesAt says whether the bytes at `o` spell `text` (latin1). */
function bytesAt(b: Buffer, o: number, text: string): boolean {
  if (o + text.length > b.length) return false;
  for (let k = 0; k < text.length; k++) if (b[o + k] !== text.charCodeAt(k)) return false;
  return true;
}

/** RUST_PREFIXES and RUST_NAME are the defined names only Rust's standard library produces. */
const RUST_PREFIXES = ['__rust_', '_ZN3std'];
const RUST_NAME = 'rust_eh_personality';

/** isRustName says whether the name at `o` is a Rust standard library name, looking at bytes, without decoding. */
function isRustName(strtab: Buffer, o: number): boolean {
  const c = strtab[o];
  if (c === 0x5f /* _ */) {
    for (const p of RUST_PREFIXES) if (bytesAt(strtab, o, p)) return true;
    return false;
  }
  return c === 0x72 /* r */ && bytesAt(strtab, o, RUST_NAME) && strtab[o + RUST_NAME.length] === 0;
}

/** isRustString is isRustName for a decoded name. */
function isRustString(name: string): boolean {
  return RUST_PREFIXES.some((p) => name.startsWith(p)) || name === RUST_NAME;
}

/** readSegments reads the program header table (PN_XNUM: the count is in section 0's sh_info). */
function readSegments(src: Source, d: Decoder, hdr: Header): Segment[] {
  let phnum = hdr.phnum;
  if (phnum === 0) return [];
  if (phnum === 0xffff) {
    if (hdr.shoff === 0) throw src.malformed('PN_XNUM without section 0', null, 'e_phnum');
    const s0 = src.read(hdr.shoff, SHDR_SIZE[d.cls], 'sh_info');
    phnum = decodeSection(d, s0, 0).info;
  }
  const entsize = hdr.phentsize;
  if (entsize < PHDR_SIZE[d.cls]) throw src.malformed(`e_phentsize ${entsize} too small`, null, 'e_phentsize');
  if (phnum > 65_535) throw src.malformed(`too many program headers (${phnum})`, null, 'e_phnum');
  const table = src.read(hdr.phoff, phnum * entsize, 'e_phoff');
  const out: Segment[] = [];
  for (let i = 0; i < phnum; i++) out.push(decodeSegment(d, table, i * entsize));
  return out;
}

/** vaddrToOffset maps a virtual address to a file offset through the PT_LOAD segments. */
function vaddrToOffset(src: Source, loads: Segment[], addr: number, field: string): number {
  for (const s of loads) {
    if (addr >= s.vaddr && addr < s.vaddr + s.filesz) return s.offset + (addr - s.vaddr);
  }
  // Objects without PT_LOAD (never loadable) keep file offsets in d_ptr; accept them when in range.
  if (loads.length === 0 && addr < src.size) return addr;
  throw src.malformed(`address 0x${addr.toString(16)} is in no PT_LOAD segment`, null, field);
}

/** readDynamic reads the PT_DYNAMIC entries up to DT_NULL. */
function readDynamic(src: Source, d: Decoder, seg: Segment): Dynamic {
  const entsize = d.wordSize * 2;
  const count = Math.min(Math.floor(seg.filesz / entsize), MAX_DYNAMIC);
  const b = src.read(seg.offset, Math.min(count * entsize, Math.max(0, src.size - seg.offset)), 'PT_DYNAMIC');
  const out: Dynamic = { needed: [], rpath: [], runpath: [], values: new Map() };
  const n = Math.floor(b.length / entsize);
  for (let i = 0; i < n; i++) {
    const tag = d.tag(b, i * entsize);
    const val = d.word(b, i * entsize + d.wordSize);
    if (tag === C.DT_NULL) break;
    if (tag === C.DT_NEEDED) out.needed.push(val);
    else if (tag === C.DT_RPATH) out.rpath.push(val);
    else if (tag === C.DT_RUNPATH) out.runpath.push(val);
    else if (!out.values.has(tag)) out.values.set(tag, val);
  }
  return out;
}

/**
 * VERNEED_SPAN and VERDEF_SPAN are what a prefetch takes per DT_VERNEEDNUM / DT_VERDEFNUM
 * entry: an Elf_Verneed (16 bytes) with up to 15 Elf_Vernaux (16 each), an Elf_Verdef (20)
 * with two Elf_Verdaux (8 each); up to VERSION_SPAN_MAX in all. An entry beyond is read
 * on its own.
 */
const VERNEED_SPAN = 256;
const VERDEF_SPAN = 36;
const VERSION_SPAN_MAX = 64 * 1024;
/** TABLE_GAP joins two tables into one prefetch read when at most this many bytes lie between them. */
const TABLE_GAP = 256;

/**
 * prefetchTables reads the string table, the symbol table, versym and the version tables
 * in as few reads as their layout allows: each table's extent (the symbol count is found
 * first, from the hash table), tables closer than TABLE_GAP joined into one read. Linkers
 * put them side by side (bfd: .dynsym .dynstr .gnu.version .gnu.version_r; lld puts
 * .gnu.hash between), so this is one to three reads, and what lies between them (a GNU
 * hash table) is not read. A table that cannot be sized here is read later, where it
 * fails with its own error. Returns the symbol count (null when not found here).
 */
function prefetchTables(src: Source, view: LoaderView, strOff: number, strSize: number): number | null {
  const { d, hdr, v, toOffset } = view;
  const extents: Array<[number, number]> = [[strOff, strOff + strSize]];
  /** at maps a dynamic tag to a file offset, or null. */
  const at = (tag: number): number | null => {
    const a = v.get(tag);
    if (a === undefined) return null;
    try {
      return toOffset(a, 'prefetch');
    } catch {
      return null;
    }
  };
  let count: number | null = null;
  const symOff = at(C.DT_SYMTAB);
  if (symOff !== null) {
    try {
      const syment = symbolEntrySize(src, d, v);
      count = symbolCount(src, d, hdr, v, toOffset, symOff, syment);
      extents.push([symOff, symOff + count * syment]);
    } catch {
      /* sized (and reported) where the symbols are read */
    }
  }
  const versym = at(C.DT_VERSYM);
  if (versym !== null && count !== null) extents.push([versym, versym + count * 2]);
  // The version tables' sizes are known only by walking them; their entry counts bound them well.
  const verneed = at(C.DT_VERNEED);
  if (verneed !== null) extents.push([verneed, verneed + Math.min(VERSION_SPAN_MAX, (v.get(C.DT_VERNEEDNUM) ?? 1) * VERNEED_SPAN)]);
  const verdef = at(C.DT_VERDEF);
  if (verdef !== null) extents.push([verdef, verdef + Math.min(VERSION_SPAN_MAX, (v.get(C.DT_VERDEFNUM) ?? 1) * VERDEF_SPAN)]);
  extents.sort((a, b) => a[0] - b[0]);
  let [lo, hi] = extents[0]!;
  for (const [from, to] of extents.slice(1)) {
    if (from <= hi + TABLE_GAP) {
      hi = Math.max(hi, to);
      continue;
    }
    src.prefetch(lo, hi - lo, 'dynamic tables');
    [lo, hi] = [from, to];
  }
  src.prefetch(lo, hi - lo, 'dynamic tables');
  return count;
}

/**
 * readWholeTables is the start of a whole read: the dynamic tables prefetched, the string
 * table, and the symbol count the prefetch found (null: sized, or failing, where the
 * symbols are read).
 */
function readWholeTables(src: Source, view: LoaderView): { strtab: Buffer; count: number | null } {
  const { v, toOffset } = view;
  if (!v.has(C.DT_STRTAB)) return { strtab: Buffer.alloc(0), count: null };
  const off = toOffset(v.get(C.DT_STRTAB)!, 'DT_STRTAB');
  const size = v.get(C.DT_STRSZ) ?? 0;
  const count = prefetchTables(src, view, off, size);
  return { strtab: src.read(off, Math.min(size, src.size - off), 'DT_STRTAB'), count };
}

/** symbolCount finds the number of dynamic symbols from DT_HASH, DT_GNU_HASH or, last, the section headers. */
function symbolCount(
  src: Source,
  d: Decoder,
  hdr: Header,
  v: Map<number, number>,
  toOffset: ToOffset,
  symOff: number,
  syment: number,
): number {
  const limit = Math.min(MAX_SYMBOLS, Math.floor((src.size - symOff) / syment));
  let count: number | null = null;
  if (v.has(C.DT_HASH)) {
    // nbucket, nchain; nchain equals the symbol count. s390x and alpha use 8-byte hash words.
    const off = toOffset(v.get(C.DT_HASH)!, 'DT_HASH');
    const wide = d.cls === 64 && (hdr.machine === 22 || hdr.machine === 0x9026);
    const b = src.read(off, wide ? 16 : 8, 'DT_HASH');
    count = wide ? d.u64(b, 8) : d.u32(b, 4);
  } else if (v.has(C.DT_GNU_HASH)) {
    count = new GnuHashTable(src, d, toOffset(v.get(C.DT_GNU_HASH)!, 'DT_GNU_HASH'), limit).symbolCount();
    // An empty GNU hash (no exported symbol: nbuckets 1, bucket 0) says nothing about the
    // unhashed symbols before it; size the table another way.
    if (count === null) count = (dynsymSectionCount(src, d, hdr, syment)) ?? boundedByNextTable(v, toOffset, symOff, syment);
  } else {
    count = (dynsymSectionCount(src, d, hdr, syment)) ?? boundedByNextTable(v, toOffset, symOff, syment);
  }
  if (count === null) {
    throw src.malformed('cannot size the dynamic symbol table (no DT_HASH, DT_GNU_HASH or .dynsym)', null, 'DT_SYMTAB');
  }
  if (count > limit) throw src.malformed(`symbol count ${count} exceeds the file`, symOff, 'DT_SYMTAB');
  return count;
}

/**
 * boundedByNextTable sizes the symbol table by the nearest dynamic table placed after it
 * (linkers put .dynstr, .gnu.version... right after .dynsym). Used only when neither hash
 * table nor section headers can tell.
 */
function boundedByNextTable(v: Map<number, number>, toOffset: ToOffset, symOff: number, syment: number): number | null {
  let next = Number.MAX_SAFE_INTEGER;
  for (const tag of [C.DT_STRTAB, C.DT_VERSYM, C.DT_VERNEED, C.DT_VERDEF, C.DT_GNU_HASH, C.DT_HASH, C.DT_RELA, C.DT_REL, C.DT_JMPREL]) {
    const a = v.get(tag);
    if (a === undefined) continue;
    try {
      const off = toOffset(a, 'bound');
      if (off > symOff) next = Math.min(next, off);
    } catch {
      /* ignore tables outside PT_LOAD here; they fail where they are read */
    }
  }
  return next === Number.MAX_SAFE_INTEGER ? null : Math.floor((next - symOff) / syment);
}

/** dynsymSectionCount sizes .dynsym from the section headers (SHT_DYNSYM), when they exist. */
function dynsymSectionCount(src: Source, d: Decoder, hdr: Header, syment: number): number | null {
  if (hdr.shoff === 0 || hdr.shnum === 0 || hdr.shentsize < SHDR_SIZE[d.cls]) return null;
  if (hdr.shoff + hdr.shnum * hdr.shentsize > src.size) return null;
  const table = src.read(hdr.shoff, hdr.shnum * hdr.shentsize, 'e_shoff');
  for (let i = 0; i < hdr.shnum; i++) {
    const s = decodeSection(d, table, i * hdr.shentsize);
    if (s.type === C.SHT_DYNSYM) return Math.floor(s.size / syment);
  }
  return null;
}

/** readVerneed walks Elf_Verneed / Elf_Vernaux (LSB "Version Needed Section"). */
function readVerneed(
  src: Source,
  d: Decoder,
  off: number,
  num: number,
  str: (o: number) => string,
): { byIndex: Map<number, { name: string; file: string }>; needs: VersionNeed[] } {
  const byIndex = new Map<number, { name: string; file: string }>();
  const needs: VersionNeed[] = [];
  let at = off;
  let total = 0;
  for (let i = 0; i < Math.min(num, MAX_VERSION_ENTRIES); i++) {
    const vn = src.read(at, 16, 'Elf_Verneed');
    const cnt = d.u16(vn, 2);
    const file = str(d.u32(vn, 4));
    const aux = d.u32(vn, 8);
    const next = d.u32(vn, 12);
    const need: VersionNeed = { file, versions: [] };
    let a = at + aux;
    for (let j = 0; j < cnt; j++) {
      if (++total > MAX_VERSION_ENTRIES) throw src.malformed('too many version entries', a, 'vn_aux');
      const va = src.read(a, 16, 'Elf_Vernaux');
      const flags = d.u16(va, 4);
      const index = d.u16(va, 6) & 0x7fff;
      const name = str(d.u32(va, 8));
      need.versions.push({ name, weak: (flags & C.VER_FLG_WEAK) !== 0, index });
      byIndex.set(index, { name, file });
      const vnaNext = d.u32(va, 12);
      if (vnaNext === 0) break;
      a += vnaNext;
    }
    needs.push(need);
    if (next === 0) break;
    at += next;
  }
  return { byIndex, needs };
}

/** readVerdef walks Elf_Verdef / Elf_Verdaux (LSB "Version Definition Section"). */
function readVerdef(
  src: Source,
  d: Decoder,
  off: number,
  num: number,
  str: (o: number) => string,
): { byIndex: Map<number, string>; names: string[] } {
  const byIndex = new Map<number, string>();
  const names: string[] = [];
  let at = off;
  for (let i = 0; i < Math.min(num, MAX_VERSION_ENTRIES); i++) {
    const vd = src.read(at, 20, 'Elf_Verdef');
    const flags = d.u16(vd, 2);
    const ndx = d.u16(vd, 4);
    const cnt = d.u16(vd, 6);
    const aux = d.u32(vd, 12);
    const next = d.u32(vd, 16);
    if (cnt > 0) {
      const va = src.read(at + aux, 8, 'Elf_Verdaux');
      const name = str(d.u32(va, 0));
      byIndex.set(ndx & 0x7fff, name);
      if ((flags & C.VER_FLG_BASE) === 0) names.push(name);
    }
    if (next === 0) break;
    at += next;
  }
  return { byIndex, names };
}

/**
 * readRelocations counts dynamic relocation types in DT_RELA, DT_REL and DT_JMPREL.
 * The leading DT_RELACOUNT/DT_RELCOUNT relative relocations (sorted first by
 * `-z combreloc`) are skipped unread: they are the bulk of the table and never interesting.
 */
function readRelocations(
  src: Source,
  d: Decoder,
  machine: string,
  v: Map<number, number>,
  toOffset: ToOffset,
): { summary: RelocationSummary; refs: Set<number>; copies: Set<number> } {
  const counts: Record<number, number> = {};
  const refs = new Set<number>();
  const copies = new Set<number>();
  const irelativeType = C.IRELATIVE.get(machine) ?? null;
  const copyType = C.COPY.get(machine) ?? -1;
  const tables: Array<{ addr: number | undefined; size: number; ent: number; skip: number; rela: boolean; field: string }> = [
    {
      addr: v.get(C.DT_RELA),
      size: v.get(C.DT_RELASZ) ?? 0,
      ent: v.get(C.DT_RELAENT) ?? d.wordSize * 3,
      skip: v.get(C.DT_RELACOUNT) ?? 0,
      rela: true,
      field: 'DT_RELA',
    },
    {
      addr: v.get(C.DT_REL),
      size: v.get(C.DT_RELSZ) ?? 0,
      ent: v.get(C.DT_RELENT) ?? d.wordSize * 2,
      skip: v.get(C.DT_RELCOUNT) ?? 0,
      rela: false,
      field: 'DT_REL',
    },
  ];
  const pltRela = v.get(C.DT_PLTREL) === C.DT_RELA;
  tables.push({
    addr: v.get(C.DT_JMPREL),
    size: v.get(C.DT_PLTRELSZ) ?? 0,
    ent: pltRela ? d.wordSize * 3 : d.wordSize * 2,
    skip: 0,
    rela: pltRela,
    field: 'DT_JMPREL',
  });
  for (const t of tables) {
    if (t.addr === undefined || t.size === 0) continue;
    if (t.ent < d.wordSize * 2) throw src.malformed(`relocation entry size ${t.ent} too small`, null, t.field);
    const start = toOffset(t.addr, t.field);
    const n = Math.floor(t.size / t.ent);
    src.check(start, n * t.ent, t.field);
    const first = Math.min(t.skip, n);
    const perChunk = Math.max(1, Math.floor(RELOC_CHUNK / t.ent));
    for (let i = first; i < n; i += perChunk) {
      const m = Math.min(perChunk, n - i);
      const b = src.readChunk(start + i * t.ent, m * t.ent, t.field, RELOC_SCRATCH);
      if (machine === 'mips') {
        for (let j = 0; j < m; j++) {
          const o = j * t.ent + d.wordSize;
          const info = d.word(b, o);
          const type = relocationType(d, machine, info, b, o);
          counts[type] = (counts[type] ?? 0) + 1;
          const sym = relocationSymbol(d, machine, info, b, o);
          if (sym !== 0) refs.add(sym);
          if (type === copyType && sym !== 0) copies.add(sym);
        }
        continue;
      }
      // r_info: ELF64 r_sym is the high 32 bits and r_type the low 32; ELF32 r_sym is
      // info >> 8 and r_type the low 8 bits. DataView reads, for speed.
      const view = new DataView(b.buffer, b.byteOffset, b.byteLength);
      const little = d.endian === 'little';
      for (let j = 0; j < m; j++) {
        const o = j * t.ent + d.wordSize;
        let type: number;
        let sym: number;
        if (d.cls === 64) {
          type = view.getUint32(little ? o : o + 4, little);
          sym = view.getUint32(little ? o + 4 : o, little);
        } else {
          const info = view.getUint32(o, little);
          type = info & 0xff;
          sym = info >>> 8;
        }
        counts[type] = (counts[type] ?? 0) + 1;
        if (sym !== 0) refs.add(sym);
        if (type === copyType && sym !== 0) copies.add(sym);
      }
    }
  }
  return {
    summary: {
      counts,
      irelative: irelativeType === null ? 0 : (counts[irelativeType] ?? 0),
      irelativeType,
      relr: v.has(C.DT_RELR),
      unreferencedImports: [],
      selfReferencedUnbindable: [],
    },
    refs,
    copies,
  };
}

/** relocationSymbol extracts r_sym from r_info: ELF32_R_SYM (info >> 8) or ELF64_R_SYM (high 32 bits). */
function relocationSymbol(d: Decoder, machine: string, info: number, b: Buffer, o: number): number {
  if (d.cls === 32) return info >>> 8;
  if (machine === 'mips') return d.u32(b, o);
  return d.endian === 'little' ? b.readUInt32LE(o + 4) : b.readUInt32BE(o);
}

/** relocationType extracts r_type from r_info: ELF32_R_TYPE (low 8 bits) or ELF64_R_TYPE (low 32 bits). */
function relocationType(d: Decoder, machine: string, info: number, b: Buffer, o: number): number {
  if (d.cls === 32) return info & 0xff;
  if (machine === 'mips') {
    // MIPS64 r_info: r_sym (32), r_ssym (8), r_type3 (8), r_type2 (8), r_type (8), in file order.
    return d.endian === 'little' ? b[o + 4]! : b[o + 7]!;
  }
  // Low 32 bits of the 64-bit r_info; `info` may be saturated, so re-read them.
  return d.endian === 'little' ? b.readUInt32LE(o) : b.readUInt32BE(o + 4);
}
