/**
 * embedded: what a file carries for its own run time rather than for the loader, found
 * through the program headers so that files without section headers read the same:
 *
 * - Go's build info in the data segment, when no `.go.buildinfo` section says it (section
 *   headers stripped) or when the blob uses the pointer form of Go < 1.18;
 * - for a static file, the libc linked into it: glibc's ABI tag note, and evidence that
 *   glibc's NSS or dlopen are linked in (they load glibc's shared libraries at run time).
 *
 * Every read is positioned and capped; nothing here reads a whole file.
 */
import * as C from './constants.js';
import { Decoder, cString, decodeSection, type Header, type Segment } from './decode.js';
import { sectionNames, sectionTableUsable } from './sections.js';
import type { Source } from './source.js';
import { findGoBuildInfoBlob, parseGoBuildInfo } from './toolchain.js';
import type { GoInfo, StaticLibc, ToolchainHints } from './types.js';

/** GO_SEARCH_MAX is how much of each writable segment is searched for Go's build info (debug/buildinfo reads 64 KiB too). */
const GO_SEARCH_MAX = 64 * 1024;
/** SEARCH_CHUNK is the size of one positioned read of a byte search. */
const SEARCH_CHUNK = 1 << 20;
/** SEARCH_SCRATCH is where every search chunk is read (reads are synchronous, one file at a time per thread). */
const SEARCH_SCRATCH = Buffer.allocUnsafeSlow(SEARCH_CHUNK);
/** SEARCH_MAX caps the bytes one file's evidence search reads in total. */
export const SEARCH_MAX = 64 * 1024 * 1024;
/** EVIDENCE_MAX caps how many evidence names are reported per kind. */
const EVIDENCE_MAX = 8;
/** NAMES_MAX caps how many `__nss_*` names are collected before choosing the evidence. */
const NAMES_MAX = 1024;
/** NAME_MAX caps the bytes read for one symbol name. */
const NAME_MAX = 256;

/** EmbeddedOptions says what the caller already knows about the file. */
export interface EmbeddedOptions {
  /** section headers were absent or unusable (readToolchain could not look for `.go.buildinfo`). */
  sectionHeadersMissing: boolean;
  /** no PT_INTERP and no DT_NEEDED: nothing is loaded by a dynamic loader. */
  isStatic: boolean;
  /** a "GNU" NT_GNU_ABI_TAG note is present (readGnuNotes). */
  glibcAbiTag: boolean;
}

/**
 * readEmbedded completes `toolchain.go` from the data segment when the section headers
 * could not give it (or gave only the pointer form), and returns what a static file shows
 * of its libc (null for a file a dynamic loader loads).
 */
export function readEmbedded(src: Source, d: Decoder, hdr: Header, segments: readonly Segment[], toolchain: ToolchainHints, opts: EmbeddedOptions): StaticLibc | null {
  const goUnknown = toolchain.go === null ? opts.sectionHeadersMissing : toolchain.go.version === null;
  if (goUnknown) toolchain.go = readGoFromSegments(src, segments) ?? toolchain.go;
  return opts.isStatic ? readStaticLibc(src, d, hdr, segments, opts.glibcAbiTag) : null;
}

/** loadSegments keeps the PT_LOAD segments whose file bytes lie inside the file. */
function loadSegments(src: Source, segments: readonly Segment[]): Segment[] {
  return segments.filter((s) => s.type === C.PT_LOAD && s.filesz > 0 && s.offset < src.size);
}

/**
 * readAtAddress reads `size` bytes at a virtual address through the PT_LOAD mapping; null
 * when the address is not backed by file bytes or the bytes would run past the segment.
 */
function readAtAddress(src: Source, loads: readonly Segment[], addr: number, size: number): Buffer | null {
  for (const s of loads) {
    if (addr < s.vaddr || addr >= s.vaddr + s.filesz) continue;
    if (addr + size > s.vaddr + s.filesz) return null;
    const off = s.offset + (addr - s.vaddr);
    if (off + size > src.size) return null;
    return src.read(off, size, 'Go build info');
  }
  return null;
}

/**
 * readGoFromSegments searches the start of each writable, non-executable PT_LOAD segment
 * for the build info blob (Go puts `.go.buildinfo` first in its data segment;
 * debug/buildinfo falls back to the same search), decoding the pointer form through the
 * PT_LOAD mapping.
 */
export function readGoFromSegments(src: Source, segments: readonly Segment[]): GoInfo | null {
  const loads = loadSegments(src, segments);
  for (const s of loads) {
    if ((s.flags & (C.PF_X | C.PF_W)) !== C.PF_W) continue;
    const head = src.readUpTo(s.offset, Math.min(s.filesz, GO_SEARCH_MAX), 'Go build info');
    const blob = findGoBuildInfoBlob(head, s.vaddr);
    if (blob === null) continue;
    const info = parseGoBuildInfo(blob, (addr, size) => readAtAddress(src, loads, addr, size));
    if (info !== null) return info;
  }
  return null;
}

/**
 * readStaticLibc looks at a static file: glibc's ABI tag note tells a glibc static link
 * from musl's and Go's (neither carries it); for glibc, the symbol table (or, stripped, the
 * read-only segments' strings) tells whether NSS or dlopen are linked in.
 */
export function readStaticLibc(src: Source, d: Decoder, hdr: Header, segments: readonly Segment[], glibcAbiTag: boolean): StaticLibc {
  if (!glibcAbiTag) return { glibcAbiTag, nss: [], dlopen: [], source: null };
  const strtab = symbolStringTable(src, d, hdr);
  if (strtab !== null) return { glibcAbiTag, ...evidenceFromSymbolNames(src, strtab), source: 'symtab' };
  return { glibcAbiTag, ...evidenceFromStrings(src, constantDataRanges(src, d, hdr, segments)), source: 'segments' };
}

/**
 * constantDataRanges is where a stripped file keeps its string constants: its `.rodata*`
 * sections when the section headers say so; otherwise its read-only segments, the
 * non-executable ones when there are any (linkers that keep .rodata and .text in one
 * segment leave only that one, which is then searched up to SEARCH_MAX).
 */
function constantDataRanges(src: Source, d: Decoder, hdr: Header, segments: readonly Segment[]): ByteRange[] {
  const rodata = rodataSections(src, d, hdr);
  if (rodata !== null && rodata.length > 0) return rodata;
  const readOnly = loadSegments(src, segments).filter((s) => (s.flags & C.PF_W) === 0);
  const plain = readOnly.filter((s) => (s.flags & C.PF_X) === 0);
  return (plain.length > 0 ? plain : readOnly).map((s) => ({ offset: s.offset, size: Math.min(s.filesz, src.size - s.offset) }));
}

/** rodataSections lists the `.rodata*` sections (null when the section headers are unusable). */
function rodataSections(src: Source, d: Decoder, hdr: Header): ByteRange[] | null {
  const ent = hdr.shentsize;
  if (!sectionTableUsable(src, d, hdr)) return null;
  const table = src.read(hdr.shoff, hdr.shnum * ent, 'e_shoff');
  const strings = sectionNames(src, d, hdr);
  if (strings === null) return null;
  const out: ByteRange[] = [];
  for (let i = 0; i < hdr.shnum; i++) {
    const sec = decodeSection(d, table, i * ent);
    if (sec.type === C.SHT_NOBITS || sec.size === 0 || sec.offset >= src.size) continue;
    if (!cString(strings, sec.name).startsWith('.rodata')) continue;
    out.push({ offset: sec.offset, size: Math.min(sec.size, src.size - sec.offset) });
  }
  return out;
}

/** ByteRange is a span of file offsets. */
interface ByteRange {
  offset: number;
  size: number;
}

/** symbolStringTable finds the string table of SHT_SYMTAB (its sh_link) when the section headers are usable. */
function symbolStringTable(src: Source, d: Decoder, hdr: Header): ByteRange | null {
  const ent = hdr.shentsize;
  if (!sectionTableUsable(src, d, hdr)) return null;
  const table = src.read(hdr.shoff, hdr.shnum * ent, 'e_shoff');
  for (let i = 0; i < hdr.shnum; i++) {
    const s = decodeSection(d, table, i * ent);
    if (s.type !== C.SHT_SYMTAB || s.link === 0 || s.link >= hdr.shnum) continue;
    const str = decodeSection(d, table, s.link * ent);
    if (str.offset >= src.size || str.size === 0) return null;
    return { offset: str.offset, size: Math.min(str.size, src.size - str.offset) };
  }
  return null;
}

/**
 * evidenceFromSymbolNames reads the names of .symtab: any `__nss_*` name means glibc's NSS
 * is linked in. `dlopen` counts only without `___dlopen`: from glibc 2.34 on, libc.a links
 * dlopen (as `___dlopen`, `__dlopen`, `dlopen`) into every static program, so its presence
 * says nothing; before 2.34 it came from libdl.a only when the program called it.
 */
export function evidenceFromSymbolNames(src: Source, strtab: ByteRange): { nss: string[]; dlopen: string[] } {
  const nss = new Set<string>();
  let dlopen = false;
  let alwaysLinked = false;
  searchRanges(src, [strtab], ['\0__nss_', '\0dlopen\0', '\0___dlopen\0'], (pattern, offset) => {
    if (pattern === '\0dlopen\0') dlopen = true;
    else if (pattern === '\0___dlopen\0') alwaysLinked = true;
    else if (nss.size < NAMES_MAX) nss.add(cString(src.readUpTo(offset + 1, NAME_MAX, '.strtab'), 0));
  });
  return { nss: nssEvidence([...nss]), dlopen: dlopen && !alwaysLinked ? ['dlopen'] : [] };
}

/**
 * nssEvidence picks the most telling NSS names: the per-database lookups
 * (`__nss_passwd_lookup2`, `__nss_hosts_lookup2`...), which glibc links only for the databases
 * a program queries; otherwise the first `__nss_*` names. Sorted, at most EVIDENCE_MAX.
 */
export function nssEvidence(names: readonly string[]): string[] {
  const sorted = [...new Set(names)].sort();
  const lookups = sorted.filter((n) => /^__nss_[a-z]+_lookup2?$/.test(n) && n !== '__nss_configure_lookup');
  return (lookups.length > 0 ? lookups : sorted).slice(0, EVIDENCE_MAX);
}

/**
 * evidenceFromStrings searches the constant data of a stripped file for the strings glibc's
 * NSS code carries: the `libnss_` prefix of the modules it loads (glibc's nss_module.c,
 * nsswitch.c before 2.33, build `libnss_<service>.so.2`) and `/etc/nsswitch.conf`. Only
 * the prefix counts as evidence: Go's own resolver (package net) reads
 * `/etc/nsswitch.conf` itself, so that string alone is in every static Go program that
 * resolves names, glibc or not. dlopen leaves no string that sets a caller apart from
 * glibc's own always-linked copy, so it is not looked for.
 */
export function evidenceFromStrings(src: Source, ranges: readonly ByteRange[]): { nss: string[]; dlopen: string[] } {
  const found = new Set<string>();
  const patterns = ['/etc/nsswitch.conf', 'libnss_'];
  // Each pattern counts once: the search ends when both have turned up.
  searchRanges(src, ranges, patterns, (pattern) => found.add(pattern), () => found.size === patterns.length);
  return { nss: found.has('libnss_') ? [...found].sort() : [], dlopen: [] };
}

/**
 * searchRanges calls `found(pattern, fileOffset)` for every occurrence of each pattern in
 * the ranges, reading SEARCH_CHUNK bytes at a time (chunks overlap by the longest pattern
 * so nothing is missed at a boundary) and at most SEARCH_MAX bytes in all. It stops
 * after the chunk in which `enough()` (when given) turns true.
 */
export function searchRanges(src: Source, ranges: readonly ByteRange[], patterns: readonly string[], found: (pattern: string, offset: number) => void, enough?: () => boolean): void {
  const needles = patterns.map((p) => ({ p, b: Buffer.from(p, 'latin1') }));
  const overlap = Math.max(...needles.map((n) => n.b.length)) - 1;
  let budget = SEARCH_MAX;
  for (const r of ranges) {
    let at = r.offset;
    const end = Math.min(r.offset + r.size, src.size);
    while (at < end && budget > 0) {
      const len = Math.min(SEARCH_CHUNK, end - at, budget);
      const chunk = src.readChunk(at, len, 'evidence search', SEARCH_SCRATCH);
      budget -= len;
      // Matches that start in the overlap are reported by the next chunk.
      const limit = at + len >= end ? len : len - overlap;
      for (const n of needles) {
        for (let i = chunk.indexOf(n.b); i >= 0 && i < limit; i = chunk.indexOf(n.b, i + 1)) found(n.p, at + i);
      }
      if (enough?.() === true) return;
      if (at + len >= end) break;
      at += Math.max(1, len - overlap);
    }
  }
}
