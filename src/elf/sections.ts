/**
 * sections: the section header table and its names, for the readers that look past what
 * the loader reads (toolchain.ts: .comment, .go.buildinfo, .rustc; embedded.ts: .rodata,
 * .symtab). The loader never reads section headers, so a file may carry none, or a broken
 * table: those readers then do without.
 */
import { type Decoder, decodeSection, SHDR_SIZE, type Header } from './decode.js';
import type { Source } from './source.js';

/** SHSTRTAB_MAX caps the section name table read. */
export const SHSTRTAB_MAX = 64 * 1024;

/** sectionTableUsable says whether the section header table can be read: present, of a sane count and entry size, and inside the file. */
export function sectionTableUsable(src: Source, d: Decoder, hdr: Header): boolean {
  return hdr.shoff !== 0 && hdr.shnum > 0 && hdr.shnum < 65_280 && hdr.shentsize >= SHDR_SIZE[d.cls] && hdr.shoff + hdr.shnum * hdr.shentsize <= src.size;
}

/**
 * sectionNames reads the section name table (`.shstrtab`) through its one header entry, up
 * to SHSTRTAB_MAX and clipped at the end of the file (empty when it starts past it); null
 * when the table is unusable or has no name entry. A caller that reads the whole table
 * first gets the entry from it (Source keeps what it read).
 */
export function sectionNames(src: Source, d: Decoder, hdr: Header): Buffer | null {
  if (!sectionTableUsable(src, d, hdr) || hdr.shstrndx >= hdr.shnum) return null;
  const names = decodeSection(d, src.read(hdr.shoff + hdr.shstrndx * hdr.shentsize, hdr.shentsize, 'e_shoff'), 0);
  return src.readUpTo(names.offset, Math.min(names.size, SHSTRTAB_MAX), '.shstrtab');
}
