/**
 * payload: how a file's ELF facts are stored in the scan cache.
 *
 *   u32 jsonLength | u32 namesLength | json (utf8) | names (utf8) | pad to 8 | u8 hasIndex
 *   | export index (float64s)
 *
 * The facts are the reader's ElfInfo as JSON, except two parts. The imports, most of a
 * payload, are stored by column: their names once, NUL-separated (an ELF symbol name
 * cannot hold a NUL), and per import the index of its version and of its library in two
 * small tables, its weak flag and its type. An array of import objects in JSON was
 * three-fifths of the bytes, and the slowest part to write and to read back. The export
 * index follows as raw float64s. The cache checksums every payload; decoding still checks
 * the shape, so a payload from another version is a miss, not a crash.
 */
import type { ElfImport, ElfInfo, SymbolType } from '../elf/types.js';

/** ImportColumns is how the imports sit in a payload's JSON (their names are apart). */
interface ImportColumns {
  versions: Array<string | null>;
  libraries: Array<string | null>;
  /** per import: index into versions, into libraries, weak (0/1), type. */
  version: number[];
  library: number[];
  weak: number[];
  type: SymbolType[];
}

/** HEAD is the two lengths that start a payload. */
const HEAD = 8;

/** encodeElf serialises an ElfInfo for the cache. */
export function encodeElf(elf: ElfInfo): Uint8Array {
  const { exportIndex, imports, ...rest } = elf;
  const columns = importColumns(imports);
  const json = JSON.stringify({ ...rest, imports: columns });
  const names = imports.map((i) => i.name).join('\0');
  const jsonLength = Buffer.byteLength(json, 'utf8');
  const namesLength = Buffer.byteLength(names, 'utf8');
  const end = HEAD + jsonLength + namesLength;
  const pad = (8 - (end % 8)) % 8;
  const hashes = exportIndex ?? new Float64Array(0);
  const out = Buffer.allocUnsafe(end + pad + 1 + hashes.byteLength);
  out.writeUInt32LE(jsonLength, 0);
  out.writeUInt32LE(namesLength, 4);
  out.write(json, HEAD, 'utf8');
  out.write(names, HEAD + jsonLength, 'utf8');
  out.fill(0, end, end + pad);
  out[end + pad] = exportIndex === null ? 0 : 1;
  out.set(new Uint8Array(hashes.buffer, hashes.byteOffset, hashes.byteLength), end + pad + 1);
  return out;
}

/** importColumns splits the imports into columns, versions and libraries numbered in order of appearance. */
function importColumns(imports: readonly ElfImport[]): ImportColumns {
  const versions = new Map<string | null, number>();
  const libraries = new Map<string | null, number>();
  const c: ImportColumns = { versions: [], libraries: [], version: [], library: [], weak: [], type: [] };
  for (const i of imports) {
    c.version.push(numbered(versions, i.version));
    c.library.push(numbered(libraries, i.library));
    c.weak.push(i.weak ? 1 : 0);
    c.type.push(i.type);
  }
  c.versions = [...versions.keys()];
  c.libraries = [...libraries.keys()];
  return c;
}

/** numbered is a value's number in `table`, adding it when new. */
function numbered(table: Map<string | null, number>, value: string | null): number {
  let n = table.get(value);
  if (n === undefined) {
    n = table.size;
    table.set(value, n);
  }
  return n;
}

/** decodeElf reads a payload back; null when it is not a payload this version wrote. */
export function decodeElf(payload: Uint8Array): ElfInfo | null {
  const b = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (b.length < HEAD + 1) return null;
  const jsonLength = b.readUInt32LE(0);
  const namesLength = b.readUInt32LE(4);
  const end = HEAD + jsonLength + namesLength;
  const at = end + ((8 - (end % 8)) % 8);
  if (at + 1 > b.length || (b.length - at - 1) % 8 !== 0) return null;
  let rest: Omit<ElfInfo, 'exportIndex' | 'imports'> & { imports: unknown };
  try {
    rest = JSON.parse(b.toString('utf8', HEAD, HEAD + jsonLength)) as typeof rest;
  } catch {
    return null;
  }
  if (!isElfShape(rest)) return null;
  const imports = importsOf(rest.imports, b.toString('utf8', HEAD + jsonLength, end));
  if (imports === null) return null;
  const hashes = new Float64Array((b.length - at - 1) / 8);
  Buffer.from(hashes.buffer).set(b.subarray(at + 1));
  return { ...rest, imports, exportIndex: b[at] === 1 ? hashes : null };
}

/** importsOf rebuilds the imports from their columns and names; null when they do not fit together. */
function importsOf(columns: unknown, names: string): ElfImport[] | null {
  const c = columns as Partial<ImportColumns> | null;
  if (c === null || typeof c !== 'object') return null;
  const { versions, libraries, version, library, weak, type } = c;
  if (![versions, libraries, version, library, weak, type].every(Array.isArray)) return null;
  // No import and one import with an empty name both write no name bytes: the columns say which.
  const list = version!.length === 0 ? [] : names.split('\0');
  const n = list.length;
  if (version!.length !== n || library!.length !== n || weak!.length !== n || type!.length !== n) return null;
  const out = new Array<ElfImport>(n);
  for (let k = 0; k < n; k++) {
    const v = versions![version![k]!];
    const l = libraries![library![k]!];
    const t = type![k]!;
    if (v === undefined || l === undefined || (typeof t !== 'string' && typeof t !== 'number')) return null;
    out[k] = { name: list[k]!, version: v, library: l, weak: weak![k] === 1, type: t };
  }
  return out;
}

/** isElfShape checks the fields the analysis relies on. */
function isElfShape(x: unknown): x is Omit<ElfInfo, 'exportIndex' | 'imports'> & { imports: unknown } {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Record<string, unknown>;
  return (
    (e.class === 32 || e.class === 64) &&
    typeof e.machine === 'string' &&
    Array.isArray(e.exports) &&
    Array.isArray(e.needed) &&
    Array.isArray(e.copyRelocations) &&
    Array.isArray(e.versionNeeds) &&
    typeof e.relocations === 'object' &&
    e.relocations !== null &&
    typeof e.toolchain === 'object' &&
    e.toolchain !== null
  );
}
