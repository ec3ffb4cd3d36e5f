/**
 * toolchain: cheap clues about what built a file, from sections the loader never reads
 * (.comment, .go.buildinfo) and from symbol names. Every read here is capped.
 */
import { Decoder, decodeSection, cString, SHDR_SIZE, type Header } from './decode.js';
import type { Source } from './source.js';
import type { GoInfo, ToolchainHints } from './types.js';

/** COMMENT_MAX caps the bytes read from .comment. */
const COMMENT_MAX = 4096;
/** GO_BUILDINFO_MAX caps the bytes read from .go.buildinfo. */
const GO_BUILDINFO_MAX = 64 * 1024;
/** SHSTRTAB_MAX caps the section name table. */
const SHSTRTAB_MAX = 64 * 1024;
/** GO_MAGIC starts Go's build info blob (cmd/go/internal/version, debug/buildinfo). */
const GO_MAGIC = Buffer.from('\xff Go buildinf:', 'latin1');

/**
 * readToolchain reads the section headers (when usable) for .comment and .go.buildinfo.
 * `rustSymbols` says the symbol table already showed names only Rust's std produces.
 */
export function readToolchain(
  src: Source,
  d: Decoder,
  hdr: Header,
  rustSymbols: boolean,
): { toolchain: ToolchainHints; sectionHeadersMissing: boolean } {
  const toolchain: ToolchainHints = { comment: [], gcc: null, go: null, rust: false };
  const usable =
    hdr.shoff !== 0 &&
    hdr.shnum > 0 &&
    hdr.shnum < 65_280 &&
    hdr.shentsize >= SHDR_SIZE[d.cls] &&
    hdr.shstrndx < hdr.shnum &&
    hdr.shoff + hdr.shnum * hdr.shentsize <= src.size;
  if (usable) {
    const table = src.read(hdr.shoff, hdr.shnum * hdr.shentsize, 'e_shoff');
    const shstr = decodeSection(d, table, hdr.shstrndx * hdr.shentsize);
    const names =
      shstr.offset + Math.min(shstr.size, SHSTRTAB_MAX) <= src.size
        ? src.read(shstr.offset, Math.min(shstr.size, SHSTRTAB_MAX), '.shstrtab')
        : Buffer.alloc(0);
    for (let i = 0; i < hdr.shnum; i++) {
      const s = decodeSection(d, table, i * hdr.shentsize);
      const name = cString(names, s.name);
      if (s.type === 8 /* SHT_NOBITS */ || s.size === 0 || s.offset >= src.size) continue;
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
  return { toolchain, sectionHeadersMissing: !usable };
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

/**
 * parseGoBuildInfo decodes Go's build info header: 14-byte magic, pointer size, flags;
 * with flag bit 2 (Go >= 1.18) the version and module info follow at offset 32 as
 * uvarint-length-prefixed strings. The module info lists `build\tCGO_ENABLED=0|1`.
 */
export function parseGoBuildInfo(b: Buffer): GoInfo | null {
  if (b.length < 32 || !b.subarray(0, GO_MAGIC.length).equals(GO_MAGIC)) return null;
  const flags = b[15]!;
  if ((flags & 2) === 0) return { version: null, cgo: null, path: null };
  let o = 32;
  const version = readVarString(b, o);
  if (version === null) return { version: null, cgo: null, path: null };
  o = version.next;
  const mod = readVarString(b, o);
  const info = mod?.text ?? '';
  let cgo: boolean | null = null;
  let path: string | null = null;
  for (const line of info.split('\n')) {
    const [kind, rest] = line.split('\t', 2);
    if (kind === 'path' && rest) path = rest;
    if (kind === 'build' && rest?.startsWith('CGO_ENABLED=')) cgo = rest.endsWith('=1');
  }
  return { version: version.text, cgo, path };
}

function readVarString(b: Buffer, o: number): { text: string; next: number } | null {
  let len = 0;
  let shift = 0;
  for (;;) {
    if (o >= b.length || shift > 28) return null;
    const byte = b[o++]!;
    len |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  if (o + len > b.length) return null;
  return { text: b.toString('utf8', o, o + len), next: o + len };
}
