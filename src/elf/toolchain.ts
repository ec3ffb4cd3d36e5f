/**
 * toolchain: cheap clues about what built a file, from sections the loader never reads
 * (.comment, .go.buildinfo) and from symbol names. Every read here is capped.
 */
import * as C from './constants.js';
import { Decoder, decodeSection, cString, type Header } from './decode.js';
import { sectionNames } from './sections.js';
import type { Source } from './source.js';
import type { GoInfo, ToolchainHints } from './types.js';

/** COMMENT_MAX caps the bytes read from .comment. */
const COMMENT_MAX = 4096;
/** GO_BUILDINFO_MAX caps the bytes read from .go.buildinfo. */
const GO_BUILDINFO_MAX = 64 * 1024;
/** GO_MAGIC starts Go's build info blob (cmd/go/internal/version, debug/buildinfo). */
const GO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');

/** WANTED_SECTIONS are the sections readToolchain reads or notes. */
const WANTED_SECTIONS = ['.comment', '.go.buildinfo', '.rustc'] as const;

/** WANTED_NAMES are their names' bytes. */
const WANTED_NAMES = WANTED_SECTIONS.map((n) => Buffer.from(n, 'latin1'));

/** WANTED_STORED are the names as `.shstrtab` stores them: NUL-terminated. */
const WANTED_STORED = WANTED_SECTIONS.map((n) => Buffer.from(`${n}\0`, 'latin1'));

/**
 * namesAnyWanted says whether a section name table can name a wanted section. A name may
 * start inside another one (linkers merge common tails), so any occurrence of its bytes
 * counts; a name cut off by the table's end (no NUL, or SHSTRTAB_MAX) counts too, as
 * cString reads it. No occurrence means no section header can carry that name.
 */
export function namesAnyWanted(names: Buffer): boolean {
  return WANTED_STORED.some((stored) => names.includes(stored)) || WANTED_NAMES.some((name) => endsWith(names, name));
}

/** endsWith says whether `b`'s last bytes are `tail`. */
function endsWith(b: Buffer, tail: Buffer): boolean {
  return b.length >= tail.length && b.subarray(b.length - tail.length).equals(tail);
}

/**
 * readToolchain reads the section headers (when usable) for .comment, .go.buildinfo and .rustc.
 * The name table comes first (its header entry, then the names): most installed files
 * hold none of those sections (Debian strips .comment), and then the rest of the table
 * is not read: about 1.9 KB a file, 7 % of what a scan of /usr read (docs/performance.md).
 * `rustSymbols` says the symbol table already showed names only Rust's std produces.
 */
export function readToolchain(
  src: Source,
  d: Decoder,
  hdr: Header,
  rustSymbols: boolean,
): { toolchain: ToolchainHints; sectionHeadersMissing: boolean } {
  const toolchain: ToolchainHints = { comment: [], gcc: null, go: null, rust: false };
  // The names first: the table itself only when they can name a wanted section.
  const names = sectionNames(src, d, hdr);
  if (names !== null && namesAnyWanted(names)) {
    const table = src.read(hdr.shoff, hdr.shnum * hdr.shentsize, 'e_shoff');
    for (let i = 0; i < hdr.shnum; i++) {
      const s = decodeSection(d, table, i * hdr.shentsize);
      const name = cString(names, s.name);
      if (s.type === C.SHT_NOBITS || s.size === 0 || s.offset >= src.size) continue;
      if (name === '.comment') {
        const b = src.readUpTo(s.offset, Math.min(s.size, COMMENT_MAX), '.comment');
        toolchain.comment = parseComment(b);
      } else if (name === '.go.buildinfo') {
        const b = src.readUpTo(s.offset, Math.min(s.size, GO_BUILDINFO_MAX), '.go.buildinfo');
        toolchain.go = parseGoBuildInfo(b) ?? { version: null, cgo: null, path: null };
      } else if (name === '.rustc') {
        toolchain.rust = true;
      }
    }
  }
  toolchain.gcc = highestGcc(toolchain.comment);
  if (toolchain.comment.some((c) => c.startsWith('rustc version'))) toolchain.rust = true;
  if (rustSymbols) toolchain.rust = true;
  return { toolchain, sectionHeadersMissing: names === null };
}

/** parseComment splits .comment into its NUL-separated identification strings, deduplicated. */
export function parseComment(b: Buffer): string[] {
  const out = new Set<string>();
  for (const part of b.toString('latin1').split('\0')) {
    const s = part.trim();
    if (s !== '') out.add(s);
  }
  return [...out];
}

/** highestGcc gives the highest `GCC: (...) X.Y.Z` version in .comment strings. */
export function highestGcc(comments: readonly string[]): string | null {
  let best: number[] | null = null;
  let bestText: string | null = null;
  for (const c of comments) {
    const m = /^GCC: \(.*\) (\d+(?:\.\d+)*)/.exec(c);
    if (!m) continue;
    const parts = m[1]!.split('.').map(Number);
    if (best === null || compareParts(parts, best) > 0) {
      best = parts;
      bestText = m[1]!;
    }
  }
  return bestText;
}

function compareParts(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i] ?? 0;
    const y = b[i] ?? 0;
    if (x !== y) return x - y;
  }
  return 0;
}

/** GO_BUILDINFO_HEADER is the fixed part of the blob: magic, pointer size, flags, two pointer slots (debug/buildinfo). */
const GO_BUILDINFO_HEADER = 32;
/** GO_FLAG_BIG_ENDIAN and GO_FLAG_INLINE are the bits of the blob's 16th byte. */
const GO_FLAG_BIG_ENDIAN = 1;
const GO_FLAG_INLINE = 2;
/** GO_STRING_MAX caps a Go string read through a pointer (the pointer form, Go < 1.18). */
const GO_STRING_MAX = 1 << 20;
/** GO_MODINFO_SENTINEL is the length of each of the framing strings around the module info (cmd/go modload infoStart/infoEnd). */
const GO_MODINFO_SENTINEL = 16;

/**
 * GoPointerReader reads `size` bytes at a virtual address of the file, or gives null when
 * the address is not backed by file bytes. The pointer form of the build info needs it.
 */
export type GoPointerReader = (addr: number, size: number) => Buffer | null;

/**
 * parseGoBuildInfo decodes Go's build info blob (layout as documented in Go's
 * src/debug/buildinfo/buildinfo.go): 14-byte magic, pointer size, flags, then either
 * - flag bit 2 set (Go >= 1.18): at offset 32, the version and the module info as
 *   uvarint-length-prefixed strings, or
 * - otherwise (Go 1.13 to 1.17): at offset 16 and 16+ptrSize, the addresses of two Go string
 *   headers {data pointer, length}, in the byte order flag bit 1 gives; `deref` resolves them.
 * The module info is framed by two 16-byte sentinels, stripped here; its lines are
 * tab-separated (`path\tk8s.io/...`, `build\tCGO_ENABLED=0`). Returns null without the magic.
 */
export function parseGoBuildInfo(b: Buffer, deref?: GoPointerReader): GoInfo | null {
  if (b.length < GO_BUILDINFO_HEADER || !b.subarray(0, GO_MAGIC.length).equals(GO_MAGIC)) return null;
  const flags = b[15]!;
  let version: Buffer | null;
  let mod: Buffer | null;
  if ((flags & GO_FLAG_INLINE) !== 0) {
    const v = readVarBytes(b, GO_BUILDINFO_HEADER);
    version = v?.bytes ?? null;
    mod = v === null ? null : (readVarBytes(b, v.next)?.bytes ?? null);
  } else {
    const ptrSize = b[14]!;
    if ((ptrSize !== 4 && ptrSize !== 8) || deref === undefined) return { version: null, cgo: null, path: null };
    const big = (flags & GO_FLAG_BIG_ENDIAN) !== 0;
    version = readGoString(deref, readPointer(b, 16, ptrSize, big), ptrSize, big);
    mod = readGoString(deref, readPointer(b, 16 + ptrSize, ptrSize, big), ptrSize, big);
  }
  if (version === null || version.length === 0) return { version: null, cgo: null, path: null };
  return { version: version.toString('utf8'), ...parseModInfo(stripModFraming(mod ?? Buffer.alloc(0)).toString('utf8')) };
}

/**
 * stripModFraming removes the 16-byte sentinels around the module info (binary bytes, so
 * this works on bytes, before any decoding), or gives nothing when they are absent, as
 * debug/buildinfo does.
 */
export function stripModFraming(mod: Buffer): Buffer {
  const n = mod.length;
  if (n >= 2 * GO_MODINFO_SENTINEL + 1 && mod[n - GO_MODINFO_SENTINEL - 1] === 0x0a) {
    return mod.subarray(GO_MODINFO_SENTINEL, n - GO_MODINFO_SENTINEL);
  }
  return Buffer.alloc(0);
}

/** parseModInfo reads the main module path and CGO_ENABLED from unframed module info lines. */
export function parseModInfo(info: string): { cgo: boolean | null; path: string | null } {
  let cgo: boolean | null = null;
  let path: string | null = null;
  for (const line of info.split('\n')) {
    const tab = line.indexOf('\t');
    if (tab < 0) continue;
    const kind = line.slice(0, tab);
    const rest = line.slice(tab + 1);
    if (kind === 'path' && path === null && rest !== '') path = rest;
    if (kind === 'build' && rest.startsWith('CGO_ENABLED=')) cgo = rest === 'CGO_ENABLED=1';
  }
  return { cgo, path };
}

/** readPointer reads a 4- or 8-byte address; addresses beyond 2^53 come back as -1 (no file maps them). */
function readPointer(b: Buffer, o: number, size: number, big: boolean): number {
  if (o + size > b.length) return -1;
  if (size === 4) return big ? b.readUInt32BE(o) : b.readUInt32LE(o);
  const hi = big ? b.readUInt32BE(o) : b.readUInt32LE(o + 4);
  const lo = big ? b.readUInt32BE(o + 4) : b.readUInt32LE(o);
  return hi >= 0x200000 ? -1 : hi * 0x100000000 + lo;
}

/** readGoString follows a pointer to a Go string header {data, len} and reads the bytes (capped). */
function readGoString(deref: GoPointerReader, addr: number, ptrSize: number, big: boolean): Buffer | null {
  if (addr < 0) return null;
  const hdr = deref(addr, 2 * ptrSize);
  if (hdr === null || hdr.length < 2 * ptrSize) return null;
  const data = readPointer(hdr, 0, ptrSize, big);
  const len = readPointer(hdr, ptrSize, ptrSize, big);
  if (data < 0 || len < 0 || len > GO_STRING_MAX) return null;
  if (len === 0) return Buffer.alloc(0);
  const bytes = deref(data, len);
  return bytes === null || bytes.length < len ? null : bytes.subarray(0, len);
}

/** readVarBytes reads a uvarint length, then that many bytes (Go's decodeString); null when it runs past `b`. */
function readVarBytes(b: Buffer, o: number): { bytes: Buffer; next: number } | null {
  let len = 0;
  let scale = 1;
  for (;;) {
    if (o >= b.length || scale > 2 ** 28) return null;
    const byte = b[o++]!;
    len += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) break;
    scale *= 128;
  }
  if (o + len > b.length) return null;
  return { bytes: b.subarray(o, o + len), next: o + len };
}

/**
 * findGoBuildInfoBlob finds the blob in `data` (whose first byte sits at virtual address
 * `base`) the way debug/buildinfo does: the magic at a 16-byte aligned address with a full
 * header after it.
 */
export function findGoBuildInfoBlob(data: Buffer, base = 0): Buffer | null {
  let from = 0;
  for (;;) {
    const i = data.indexOf(GO_MAGIC, from);
    if (i < 0 || data.length - i < GO_BUILDINFO_HEADER) return null;
    if ((base + i) % 16 === 0) return data.subarray(i);
    from = i + 1;
  }
}
