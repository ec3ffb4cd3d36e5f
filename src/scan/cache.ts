/**
 * cache: the persistent scan cache. A re-scan of an unchanged tree reads one `lstat` per
 * file instead of opening it, and takes each ELF file's reading from the cache.
 *
 * What is cached is the *reading* of each file (not-ELF, malformed, or the ELF facts the
 * analysis needs), keyed by (device, inode, size, mtime, ctime). The analysis itself is
 * redone on every run: it depends on the other files of the tree, the target and the
 * options, and it is cheap next to I/O.
 *
 * One cache file per set of scanned directories and read mode, under
 * `$MUSLCHECK_CACHE_DIR`, else `$XDG_CACHE_HOME/muslcheck`, else `~/.cache/muslcheck`.
 * Layout (all integers little-endian):
 *
 *   "MUSLCHK\0" | u32 format | u32 idLength | id (utf8)
 *   payloads (concatenated)
 *   index: dirCount x ( u32 pathLength | dir path (utf8) | u32 blobLength | blob
 *                       | u32 listingLength | listing )
 *          u32 treeLength | tree record (utf8 JSON; empty when none)
 *   crc32(index) (u32) | u32 dirCount | f64 indexLength
 *
 * The payloads come before the index so that a scan writes each one as it arrives
 * (CacheWriter) and holds none of them; the index, written last, is found from the end.
 *
 * A directory blob is a list of ( u16 nameLength | name | f64 dev ino size mtimeMs
 * ctimeMs | u8 kind | f64 payloadOffset | u32 payloadLength | u32 payloadCheck ).
 * A listing (empty when none is kept) is the directory's entries as the walk read them:
 * f64 dev ino mtimeMs ctimeMs of the directory, then ( u8 type | u16 nameLength | name )
 * in walk order. A re-scan takes it instead of reading the directory when the directory's
 * key is unchanged (src/scan/walk.ts, ListingStore); a directory changed this close to
 * the scan's start (RACY_MS) is not kept.
 * The tree record (TreeRecord) says that the index describes a whole walk: every directory
 * it listed and every file it found, with the walk's fingerprint. A re-scan that finds
 * every listed directory and every file under its kept key then knows the fingerprint
 * without walking (verifyChunks, and "Re-scans that only verify" in docs/architecture.md).
 * The id names the tool version, the database fingerprint and the read mode: a cache made
 * by another version is not read. The index is checksummed as a whole (its CRC-32: src/scan/crc32.ts)
 * and each payload on its own (first 4 bytes of its SHA-1): a corrupt cache is ignored, never trusted.
 *
 * Writes go to a temporary file in the same directory, then `rename` over the old one:
 * two runs sharing a cache each write a whole file and the last rename wins; a reader
 * holds its own descriptor of the file it opened, so a concurrent rename cannot mix
 * two versions.
 */
import { createHash, randomBytes } from 'node:crypto';
import { closeSync, fstatSync, futimesSync, mkdirSync, openSync, readdirSync, readFileSync, readSync, renameSync, statSync, unlinkSync, writeFileSync, writeSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { VERDICT_ORDER, type Verdict } from '../analyze/types.js';
import { isElfMagic } from '../elf/constants.js';
import { OPEN_FLAGS } from '../elf/source.js';
import { crc32 } from './crc32.js';
import { absolutePath, ENTRY_OTHER, readListing, type Listing, type ListingStore } from './walk.js';

/** CACHE_FORMAT is bumped whenever the layout, the payload encoding or what the tree record's fingerprint covers changes (7: the index checked by its CRC-32, not its SHA-1). */
export const CACHE_FORMAT = 7;
/** INDEX_CHECK is the size of the index's check (its CRC-32). */
const INDEX_CHECK = 4;
/** TRAILER is the size of what follows the index: its check, the directory count and the index length. */
const TRAILER = INDEX_CHECK + 4 + 8;
/** ENTRY_FIXED is the size of a directory entry besides its name: key (5 x f64), kind, offset, length, check. */
const ENTRY_FIXED = 5 * 8 + 1 + 8 + 4 + 4;
/** KIND_AT is where an entry's kind lies in its fixed part (after the five numbers of its key). */
const KIND_AT = 5 * 8;
/** MAGIC starts every cache file. */
const MAGIC = Buffer.from('MUSLCHK\0', 'latin1');
/** MAX_CACHE_FILES bounds how many cache files (scanned trees) are kept; the least recently used go. */
export const MAX_CACHE_FILES = 16;
/** RACY_MS: a file modified this close to the scan's start may change again within the same mtime tick; it is not cached. */
export const RACY_MS = 2000;
/** MAX_INDEX bounds the index section read into memory. */
const MAX_INDEX = 1 << 30;

/** FileKey identifies one version of a file's bytes (as git's index does, from lstat). */
export interface FileKey {
  dev: number;
  ino: number;
  size: number;
  mtimeMs: number;
  ctimeMs: number;
}

/** CachedKind is what a cached reading said. Unreadable files are never cached. */
export type CachedKind = 'not-elf' | 'elf' | 'malformed';

/** CACHED_KINDS numbers the cached kinds, in a directory blob and in CacheReply.kinds. */
export const CACHED_KINDS: readonly CachedKind[] = ['not-elf', 'elf', 'malformed'];
/** NOT_ELF_KIND is the not-ELF kind's number. */
export const NOT_ELF_KIND = CACHED_KINDS.indexOf('not-elf');

/** CacheEntry is one file's cached reading: its key, what it was, and where its payload lies. */
export interface CacheEntry {
  key: FileKey;
  kind: CachedKind;
  /** payload location in the cache file (offset from the payload section's start). */
  offset: number;
  length: number;
  check: number;
}

/** fileKeyOf takes the cache key from lstat/fstat results. */
export function fileKeyOf(st: Stats): FileKey {
  return { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
}

/** sameKey says whether two keys name the same bytes. */
export function sameKey(a: FileKey, b: FileKey): boolean {
  return a.ino === b.ino && a.dev === b.dev && a.size === b.size && a.mtimeMs === b.mtimeMs && a.ctimeMs === b.ctimeMs;
}

/**
 * isRacy: the file was written so shortly before the scan began that another write
 * within the same mtime tick could leave its key unchanged (git's "racy" files). Only
 * mtime matters here: a recent ctime alone (chmod, a tarball extracted with its mtimes)
 * cannot hide a later write, which sets a new mtime.
 */
export function isRacy(key: FileKey, scanStartMs: number): boolean {
  return key.mtimeMs >= scanStartMs - RACY_MS;
}

/** EMPTY_CHECK is an empty payload's check (most entries are not-ELF files, with no payload), computed once: 140,000 hashes of nothing took 0.24 s of every cache write of /usr. */
export const EMPTY_CHECK = createHash('sha1').digest().readUInt32LE(0);

/** payloadCheck is the first 4 bytes of a payload's SHA-1, as an unsigned integer. */
export function payloadCheck(payload: Uint8Array): number {
  if (payload.byteLength === 0) return EMPTY_CHECK;
  return createHash('sha1').update(payload).digest().readUInt32LE(0);
}

export { defaultCacheDir } from './cachedir.js';

/** cacheFileName names the cache file for a set of scanned directories (absolute, sorted) and a read mode. */
export function cacheFileName(dir: string, roots: readonly string[], mode: string): string {
  const h = createHash('sha1').update(JSON.stringify({ roots: [...roots].sort(), mode })).digest('hex').slice(0, 20);
  return join(dir, `scan-${h}.bin`);
}

/** encodeDirectory encodes one directory's entries (payload offsets already assigned). */
export function encodeDirectory(entries: ReadonlyArray<{ name: string; key: FileKey; kind: CachedKind; offset: number; length: number; check: number }>): Buffer {
  let size = 0;
  for (const e of entries) size += 2 + Buffer.byteLength(e.name, 'utf8') + ENTRY_FIXED;
  const b = Buffer.allocUnsafe(size);
  let o = 0;
  for (const e of entries) o = writeEntry(b, o, e.name, e.key.dev, e.key.ino, e.key.size, e.key.mtimeMs, e.key.ctimeMs, CACHED_KINDS.indexOf(e.kind), e.offset, e.length, e.check);
  return b;
}

/** writeEntry writes one directory entry at `o` (room for it is the caller's); the offset after it. */
function writeEntry(b: Buffer, o: number, name: string, dev: number, ino: number, size: number, mtimeMs: number, ctimeMs: number, kind: number, offset: number, length: number, check: number): number {
  const n = b.write(name, o + 2, 'utf8');
  b.writeUInt16LE(n, o);
  o += 2 + n;
  o = b.writeDoubleLE(dev, o);
  o = b.writeDoubleLE(ino, o);
  o = b.writeDoubleLE(size, o);
  o = b.writeDoubleLE(mtimeMs, o);
  o = b.writeDoubleLE(ctimeMs, o);
  o = b.writeUInt8(kind, o);
  o = b.writeDoubleLE(offset, o);
  o = b.writeUInt32LE(length, o);
  return b.writeUInt32LE(check >>> 0, o);
}

/** keyMatchesAt says whether the file key stored at `o` (dev, ino, size, mtimeMs, ctimeMs) is the one `stat` gives now. */
function keyMatchesAt(v: DataView, o: number, st: Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>): boolean {
  return v.getFloat64(o + 8, true) === st.ino && v.getFloat64(o, true) === st.dev && v.getFloat64(o + 16, true) === st.size && v.getFloat64(o + 24, true) === st.mtimeMs && v.getFloat64(o + 32, true) === st.ctimeMs;
}

/** dirKeyMatchesAt says whether the directory key stored at `o` (dev, ino, mtimeMs, ctimeMs: a listing's head) is the one `stat` gives now. */
function dirKeyMatchesAt(v: DataView, o: number, st: DirStat): boolean {
  return v.getFloat64(o + 8, true) === st.ino && v.getFloat64(o, true) === st.dev && v.getFloat64(o + 16, true) === st.mtimeMs && v.getFloat64(o + 24, true) === st.ctimeMs;
}

/** entryFixedAt is where the blob entry starting at `o` has its fixed part (after its name), or -1 when the entry overruns `end`. */
function entryFixedAt(v: DataView, o: number, end: number): number {
  if (o + 2 > end) return -1;
  const at = o + 2 + v.getUint16(o, true);
  return at + ENTRY_FIXED > end ? -1 : at;
}

/**
 * CachedDir is one directory's cached entries: each name mapped to where its entry lies in
 * the blob, whose fields are read when asked. A re-scan asks each entry once, so decoding
 * them all into objects up front (two per file) was pure garbage.
 */
export class CachedDir {
  constructor(
    private readonly view: DataView,
    /** name -> offset of the entry's fixed part (after its name). */
    private readonly at: Map<string, number>,
  ) {}

  /** keys lists the names, in the blob's order. */
  keys(): IterableIterator<string> {
    return this.at.keys();
  }

  /** get is the entry for `name` as an object, or null. */
  get(name: string): CacheEntry | null {
    const o = this.at.get(name);
    if (o === undefined) return null;
    const v = this.view;
    return {
      key: { dev: v.getFloat64(o, true), ino: v.getFloat64(o + 8, true), size: v.getFloat64(o + 16, true), mtimeMs: v.getFloat64(o + 24, true), ctimeMs: v.getFloat64(o + 32, true) },
      kind: CACHED_KINDS[v.getUint8(o + KIND_AT)]!,
      offset: v.getFloat64(o + 41, true),
      length: v.getUint32(o + 49, true),
      check: v.getUint32(o + 53, true),
    };
  }

  /**
   * unchangedNotElf says whether `name` is held as not ELF under exactly this key
   * (dev, ino, size, mtimeMs, ctimeMs, as `stat` gives them now); no object is made.
   */
  unchangedNotElf(name: string, st: Pick<Stats, 'dev' | 'ino' | 'size' | 'mtimeMs' | 'ctimeMs'>): boolean {
    const o = this.at.get(name);
    return o !== undefined && this.view.getUint8(o + KIND_AT) === NOT_ELF_KIND && keyMatchesAt(this.view, o, st);
  }

  /** holdsNotElf says whether `name` is held as not ELF (under some key). */
  holdsNotElf(name: string): boolean {
    const o = this.at.get(name);
    return o !== undefined && this.view.getUint8(o + KIND_AT) === NOT_ELF_KIND;
  }
}

/** decodeDirectory indexes a directory blob by name; null when it is inconsistent (a corrupt blob is a miss, not an error). */
export function decodeDirectory(blob: Uint8Array): CachedDir | null {
  const b = Buffer.from(blob.buffer, blob.byteOffset, blob.byteLength);
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const at = new Map<string, number>();
  for (let o = 0; o < b.length; ) {
    const f = entryFixedAt(v, o, b.length);
    if (f < 0) return null;
    const offset = v.getFloat64(f + 41, true);
    if (CACHED_KINDS[v.getUint8(f + KIND_AT)] === undefined || !Number.isSafeInteger(offset) || offset < 0) return null;
    at.set(b.toString('utf8', o + 2, f), f);
    o = f + ENTRY_FIXED;
  }
  return new CachedDir(v, at);
}

/** LISTING_HEAD is the size of a listing's directory key (dev, ino, mtimeMs, ctimeMs). */
const LISTING_HEAD = 4 * 8;

/** encodeListing encodes a directory's listing under its key (the stat taken before it was read). */
export function encodeListing(st: DirStat, listing: Listing): Buffer {
  // Names are written straight into the one buffer (a Buffer per name cost as much as the
  // directory's stat on a cold scan of /usr).
  let size = LISTING_HEAD;
  for (const n of listing.names) size += 3 + Buffer.byteLength(n, 'utf8');
  const b = Buffer.allocUnsafe(size);
  let o = b.writeDoubleLE(st.dev, 0);
  o = b.writeDoubleLE(st.ino, o);
  o = b.writeDoubleLE(st.mtimeMs, o);
  o = b.writeDoubleLE(st.ctimeMs, o);
  for (let i = 0; i < listing.names.length; i++) {
    b[o] = listing.types[i]!;
    const n = b.write(listing.names[i]!, o + 3, 'utf8');
    b.writeUInt16LE(n, o + 1);
    o += 3 + n;
  }
  return b;
}

/** listingKeyMatches says whether a kept listing was kept under this directory's current key. */
export function listingKeyMatches(bytes: Uint8Array, st: DirStat): boolean {
  return bytes.byteLength >= LISTING_HEAD && dirKeyMatchesAt(new DataView(bytes.buffer, bytes.byteOffset, LISTING_HEAD), 0, st);
}

/** decodeListing decodes a kept listing; null when it is inconsistent (a miss: the directory is read). */
export function decodeListing(bytes: Uint8Array): Listing | null {
  const b = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const names: string[] = [];
  const types: number[] = [];
  let o = LISTING_HEAD;
  while (o < b.length) {
    if (o + 3 > b.length) return null;
    const type = b[o]!;
    const n = b.readUInt16LE(o + 1);
    o += 3;
    if (type > ENTRY_OTHER || n === 0 || o + n > b.length) return null;
    names.push(b.toString('utf8', o, o + n));
    types.push(type);
    o += n;
  }
  return o === b.length && b.length >= LISTING_HEAD ? { names, types: Uint8Array.from(types) } : null;
}

/** DirStat is the part of a directory's stat a listing is kept under. */
export type DirStat = Pick<Stats, 'dev' | 'ino' | 'mtimeMs' | 'ctimeMs'>;

/**
 * DirListings is the scan's listing store: it hands out the listings the cache file kept,
 * for directories whose key is unchanged, and collects what the next cache file keeps.
 * A directory modified within RACY_MS of the scan's start could change again within the
 * same mtime tick: its listing is not kept (the rule isRacy applies to files; a change
 * that sets the mtime back, as tar does, sets a new ctime, which is part of the key).
 */
export class DirListings implements ListingStore {
  /** directory (absolute) -> encoded listing, for the next cache file. */
  readonly kept = new Map<string, Uint8Array>();
  /** listings taken from the cache file, and listings read afresh and kept. */
  reused = 0;
  fresh = 0;

  constructor(
    private readonly cwd: string,
    private readonly old: ReadonlyMap<string, Buffer> | null,
    private readonly scanStartMs: number,
  ) {}

  stored(path: string, st: Stats): Listing | null {
    if (this.old === null) return null;
    const dir = absolutePath(this.cwd, path);
    const bytes = this.old.get(dir);
    if (bytes === undefined || !listingKeyMatches(bytes, st)) return null;
    const listing = decodeListing(bytes);
    if (listing === null) return null;
    this.kept.set(dir, bytes);
    this.reused++;
    return listing;
  }

  keep(path: string, st: Stats, listing: Listing): void {
    if (st.mtimeMs >= this.scanStartMs - RACY_MS) return;
    this.kept.set(absolutePath(this.cwd, path), encodeListing(st, listing));
    this.fresh++;
  }

  /** unchanged says whether the next cache file would keep exactly the listings it was opened with. */
  get unchanged(): boolean {
    return this.fresh === 0 && this.reused === (this.old?.size ?? 0);
  }
}

/** PayloadRef is where a payload lies in a cache file, and its check. */
export type PayloadRef = Pick<CacheEntry, 'offset' | 'length' | 'check'>;

/** readPayload reads and verifies one payload from an open cache file; null when it does not check out. */
export function readPayload(fd: number, payloadBase: number, e: PayloadRef): Buffer | null {
  if (e.length === 0) return e.check === EMPTY_CHECK ? Buffer.alloc(0) : null;
  let buf: Buffer | null;
  try {
    buf = readExactly(fd, payloadBase + e.offset, e.length);
  } catch {
    return null;
  }
  return buf !== null && payloadCheck(buf) === e.check ? buf : null;
}

/**
 * TreeRecord is what a cache file says about the walk that wrote it, when that walk is
 * wholly described by the index: every directory it entered has its listing kept, every
 * file it found has an entry, and nothing could not be walked. `spec` names the walk
 * (its paths as the walk spells them, working directory, globs, read mode); `fingerprint` is the tree state
 * (ScanOptions.reuse); the counts are the figures the walk gave.
 */
export interface TreeRecord {
  spec: string;
  fingerprint: string;
  files: number;
  elfFiles: number;
  elfBytes: number;
  directories: number;
}

/** SPAN is how many numbers spans holds per directory: path, blob and listing, each as offset and length in the index. */
const SPAN = 6;

/** CacheFile is an opened, validated cache file: its directory index and a descriptor for payloads. */
export class CacheFile {
  private dirMap: Map<string, Buffer> | null = null;
  private listingMap: Map<string, Buffer> | null = null;
  private entryCount = -1;

  private constructor(
    readonly path: string,
    /** fd stays open for the whole scan; worker threads share it (one process, one descriptor table). */
    readonly fd: number,
    readonly payloadBase: number,
    /** the index, in shared memory (directory blobs posted to workers are views of it). */
    readonly index: Buffer,
    /** per directory: SPAN numbers locating its path, blob and listing in `index` (shared memory too). */
    readonly spans: Int32Array,
    /** the walk this file describes whole, if it does. */
    readonly tree: TreeRecord | null,
  ) {}

  /** dirs maps each directory (absolute) to its encoded entries (views of the index; built when first asked). */
  get dirs(): Map<string, Buffer> {
    if (this.dirMap === null) this.split();
    return this.dirMap!;
  }

  /** listings maps each directory (absolute) whose listing was kept to that listing. */
  get listings(): Map<string, Buffer> {
    if (this.listingMap === null) this.split();
    return this.listingMap!;
  }

  /** entries is the entry count over all directories. */
  get entries(): number {
    if (this.entryCount < 0) this.split();
    return this.entryCount;
  }

  /**
   * split builds the maps from the spans. Not done on open: a re-scan that only verifies
   * the tree (verifyChunks) needs none of the 30,000 strings and views they hold for /usr.
   */
  private split(): void {
    const dirs = new Map<string, Buffer>();
    const listings = new Map<string, Buffer>();
    let entries = 0;
    const s = this.spans;
    for (let d = 0; d < s.length; d += SPAN) {
      const dir = this.index.toString('utf8', s[d]!, s[d]! + s[d + 1]!);
      if (s[d + 3]! > 0) {
        const blob = this.index.subarray(s[d + 2]!, s[d + 2]! + s[d + 3]!);
        dirs.set(dir, blob);
        entries += countEntries(blob);
      }
      if (s[d + 5]! > 0) listings.set(dir, this.index.subarray(s[d + 4]!, s[d + 4]! + s[d + 5]!));
    }
    this.dirMap = dirs;
    this.listingMap = listings;
    this.entryCount = entries;
  }

  /** open reads and checks a cache file; null when it is missing, made by another version, or corrupt. */
  static open(path: string, id: string): CacheFile | null {
    let fd: number;
    try {
      fd = openSync(path, 'r');
    } catch {
      return null;
    }
    try {
      const parsed = CacheFile.parse(fd, id);
      if (parsed === null) {
        closeSync(fd);
        return null;
      }
      return new CacheFile(path, fd, parsed.payloadBase, parsed.index, parsed.spans, parsed.tree);
    } catch {
      closeSync(fd);
      return null;
    }
  }

  /** parse validates the header and the index checksum and locates each directory's parts in the index. */
  private static parse(fd: number, id: string): { payloadBase: number; index: Buffer; spans: Int32Array; tree: TreeRecord | null } | null {
    const size = fstatSync(fd).size;
    const idBytes = Buffer.from(id, 'utf8');
    const headLen = headLength(idBytes);
    if (size < headLen + TRAILER) return null;
    const head = readExactly(fd, 0, headLen);
    if (head === null || !head.subarray(0, MAGIC.length).equals(MAGIC)) return null;
    let o = MAGIC.length;
    if (head.readUInt32LE(o) !== CACHE_FORMAT) return null;
    o += 4;
    if (head.readUInt32LE(o) !== idBytes.length) return null;
    o += 4;
    if (!head.subarray(o, o + idBytes.length).equals(idBytes)) return null;
    const tail = readExactly(fd, size - 12, 12);
    if (tail === null) return null;
    const dirCount = tail.readUInt32LE(0);
    const indexLength = tail.readDoubleLE(4);
    if (!Number.isSafeInteger(indexLength) || indexLength < 0 || indexLength > MAX_INDEX || headLen + indexLength + TRAILER > size) return null;
    // Each directory takes at least 12 bytes of the index: a count beyond that is corrupt.
    if (dirCount * 12 > indexLength) return null;
    const indexAt = size - TRAILER - indexLength;
    const read = readExactly(fd, indexAt, indexLength + INDEX_CHECK, true);
    if (read === null) return null;
    if (crc32(read.subarray(0, indexLength)) !== read.readUInt32LE(indexLength)) return null;
    // A view of shared memory: posted to a worker, it shares it, no copy.
    const index = read.subarray(0, indexLength);
    const spans = new Int32Array(new SharedArrayBuffer(Math.max(1, dirCount * SPAN) * 4)).subarray(0, dirCount * SPAN);
    let p = 0;
    /** part locates the next length-prefixed part in spans[at], spans[at + 1]; false when it overruns the index. */
    const part = (at: number): boolean => {
      if (p + 4 > indexLength) return false;
      const n = index.readUInt32LE(p);
      p += 4;
      if (p + n > indexLength) return false;
      spans[at] = p;
      spans[at + 1] = n;
      p += n;
      return true;
    };
    for (let d = 0; d < dirCount * SPAN; d += SPAN) {
      if (!part(d) || !part(d + 2) || !part(d + 4)) return null;
    }
    if (p + 4 > indexLength) return null;
    const treeLength = index.readUInt32LE(p);
    p += 4;
    if (p + treeLength !== indexLength) return null;
    const tree = treeLength === 0 ? null : parseTreeRecord(index.toString('utf8', p, p + treeLength));
    return { payloadBase: headLen, index, spans, tree };
  }

  /** close releases the descriptor. */
  close(): void {
    closeQuietly(this.fd);
  }
}

/** closeQuietly closes a descriptor, ignoring failure (already closed). */
function closeQuietly(fd: number): void {
  try {
    closeSync(fd);
  } catch {
    /* already closed */
  }
}

/** parseTreeRecord reads a tree record; null when it is not one (a file that checks out but says nothing usable). */
function parseTreeRecord(text: string): TreeRecord | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  const r = v as Partial<TreeRecord> | null;
  if (r === null || typeof r !== 'object' || typeof r.spec !== 'string' || typeof r.fingerprint !== 'string') return null;
  for (const k of ['files', 'elfFiles', 'elfBytes', 'directories'] as const) if (!Number.isSafeInteger(r[k]) || r[k]! < 0) return null;
  return { spec: r.spec, fingerprint: r.fingerprint, files: r.files!, elfFiles: r.elfFiles!, elfBytes: r.elfBytes!, directories: r.directories! };
}

/**
 * VERIFY_UNIT_BYTES is about how much of the index one unit of verification covers: some
 * 200-300 entries, a millisecond or two of `stat`s. Units are claimed one at a time, so
 * the threads finish within about a unit of each other. (Claiming 32 directories at a
 * time, one thread could be left with /usr/share/man/man1, 17,614 files, at the end.)
 */
export const VERIFY_UNIT_BYTES = 16 * 1024;
/** DIR_COST is what one directory's own `stat` counts for when units are planned (about one entry). */
const DIR_COST = 2 + 16 + ENTRY_FIXED;
/** VERIFY_STALL_MS: a helper thread that finishes no unit for this long is given up on (the tree then counts as changed). */
const VERIFY_STALL_MS = 2000;
/** UNIT is how many numbers describe a unit in VerifyJob.units. */
const UNIT = 3;

/**
 * VerifyJob is one verification of a cache file's tree, shared by the threads that do it:
 * the index and its spans, its units of work (verifyUnits), and control words: [0] the
 * next unit to claim, [1] set once any thread found a change, [2] units done. All in
 * shared memory.
 */
export interface VerifyJob {
  index: Uint8Array;
  spans: Int32Array;
  units: Int32Array;
  control: Int32Array;
}

/** verifyJob prepares the verification of a cache file's tree. */
export function verifyJob(cache: CacheFile, unitBytes = VERIFY_UNIT_BYTES): VerifyJob {
  const planned = verifyUnits(cache.index, cache.spans, unitBytes);
  const units = new Int32Array(new SharedArrayBuffer(Math.max(4, planned.length * 4)), 0, planned.length);
  units.set(planned);
  return { index: cache.index, spans: cache.spans, units, control: new Int32Array(new SharedArrayBuffer(3 * 4)) };
}

/**
 * verifyUnits divides a verification into units of about `unitBytes` of the index, as
 * triples: [first directory, directory after the last, -1] for a run of whole
 * directories, or [directory, from, to] for the entries of one large directory that start
 * at index offsets from..to-1 (the unit starting at its blob also checks the directory's
 * own key). A large directory is cut at entry boundaries; a blob that does not walk
 * cleanly is left whole (its check then fails where it breaks).
 */
export function verifyUnits(index: Uint8Array, spans: Int32Array, unitBytes: number): number[] {
  const v = new DataView(index.buffer, index.byteOffset, index.byteLength);
  const dirs = spans.length / SPAN;
  const units: number[] = [];
  let first = 0;
  let bytes = 0;
  for (let d = 0; d < dirs; d++) {
    const at = spans[d * SPAN + 2]!;
    const len = spans[d * SPAN + 3]!;
    const cuts = len > unitBytes ? entryCuts(v, at, at + len, unitBytes) : null;
    if (cuts !== null) {
      if (first < d) units.push(first, d, -1);
      for (let k = 0; k + 1 < cuts.length; k++) units.push(d, cuts[k]!, cuts[k + 1]!);
      first = d + 1;
      bytes = 0;
      continue;
    }
    if (bytes > 0 && bytes + len + DIR_COST > unitBytes) {
      units.push(first, d, -1);
      first = d;
      bytes = 0;
    }
    bytes += len + DIR_COST;
  }
  if (first < dirs) units.push(first, dirs, -1);
  return units;
}

/** entryCuts lists the entry boundaries that cut a blob (start..end) into pieces of about `size` bytes, both ends included; null when it does not walk cleanly. */
function entryCuts(v: DataView, start: number, end: number, size: number): number[] | null {
  const cuts = [start];
  for (let o = start; o < end; ) {
    const f = entryFixedAt(v, o, end);
    if (f < 0) return null;
    o = f + ENTRY_FIXED;
    if (o - cuts[cuts.length - 1]! >= size && o < end) cuts.push(o);
  }
  cuts.push(end);
  return cuts;
}

/**
 * verifyChunks runs on any thread: it claims units (verifyUnits) until none is left or
 * some thread found a change. A directory is unchanged when, as `stat` sees it now, it is
 * a directory under the key its listing was kept with (the test the walk applies before
 * taking a kept listing), and each of its files is a regular file under its entry's key
 * (the test a re-scan applies before taking a cached reading). One `stat` per directory and
 * per file, no object per entry.
 */
export function verifyChunks(job: VerifyJob): void {
  const { index, spans, units, control } = job;
  const b = Buffer.from(index.buffer, index.byteOffset, index.byteLength);
  const v = new DataView(index.buffer, index.byteOffset, index.byteLength);
  const count = units.length / UNIT;
  for (;;) {
    const u = Atomics.add(control, 0, 1);
    if (u >= count || Atomics.load(control, 1) !== 0) return;
    const a = units[u * UNIT]!;
    const z = units[u * UNIT + 1]!;
    const to = units[u * UNIT + 2]!;
    const ok = to < 0 ? unchangedDirs(b, v, spans, a, z) : unchangedDir(b, v, spans, a, z, to);
    if (!ok) {
      Atomics.store(control, 1, 1);
      Atomics.notify(control, 2);
      return;
    }
    Atomics.add(control, 2, 1);
    Atomics.notify(control, 2);
  }
}

/** unchangedDirs says whether directories first..end-1 of the index and their files are as the index keeps them. */
function unchangedDirs(b: Buffer, v: DataView, spans: Int32Array, first: number, end: number): boolean {
  for (let d = first; d < end; d++) {
    const s = d * SPAN;
    if (!unchangedDir(b, v, spans, d, spans[s + 2]!, spans[s + 2]! + spans[s + 3]!)) return false;
  }
  return true;
}

/**
 * unchangedDir says whether directory `d` is as the index keeps it: its own key (when
 * `from` is where its blob starts) and its files whose entries start at from..to-1.
 */
function unchangedDir(b: Buffer, v: DataView, spans: Int32Array, d: number, from: number, to: number): boolean {
  const s = d * SPAN;
  const dir = b.toString('utf8', spans[s]!, spans[s]! + spans[s + 1]!);
  const end = spans[s + 2]! + spans[s + 3]!;
  try {
    if (from === spans[s + 2]! && spans[s + 5]! > 0) {
      if (spans[s + 5]! < LISTING_HEAD) return false;
      const st = statSync(dir, { throwIfNoEntry: false });
      if (st === undefined || !st.isDirectory()) return false;
      if (!dirKeyMatchesAt(v, spans[s + 4]!, st) && !sameEntries(dir, b.subarray(spans[s + 4]!, spans[s + 4]! + spans[s + 5]!))) return false;
    }
    const prefix = dir.endsWith('/') ? dir : `${dir}/`;
    for (let o = from; o < to; ) {
      const f = entryFixedAt(v, o, end);
      if (f < 0) return false;
      const name = b.toString('utf8', o + 2, f);
      const st = statSync(prefix + name, { throwIfNoEntry: false });
      if (st === undefined || !st.isFile()) return false;
      // A package.json is read by the analysis (a Node addon's plan): its key must match.
      if (!keyMatchesAt(v, f, st) && !(v.getUint8(f + KIND_AT) === NOT_ELF_KIND && name !== 'package.json' && stillNotElf(prefix + name))) return false;
      o = f + ENTRY_FIXED;
    }
    return true;
  } catch {
    return false; // EACCES, ENOTDIR, ELOOP...: the walk will say what
  }
}

/**
 * sameEntries says whether a directory whose key changed still holds the entries its kept
 * listing names, with the same types: a file saved by writing a new one and renaming it
 * over the old sets the directory's mtime, and changes nothing the report shows.
 */
function sameEntries(dir: string, kept: Uint8Array): boolean {
  const now = readListing(dir);
  return now !== null && encodeListing({ dev: 0, ino: 0, mtimeMs: 0, ctimeMs: 0 }, now).subarray(LISTING_HEAD).equals(kept.subarray(LISTING_HEAD));
}

/**
 * stillNotElf says whether a file the cache knew as not ELF, whose key changed, is still a
 * regular file that does not start with the ELF magic. Such a file is in the report by its
 * path alone (the tree record's fingerprint holds no key of it), so its edit changes
 * nothing: the verification goes on. Anything else (unreadable now, ELF now) is a change.
 */
function stillNotElf(path: string): boolean {
  let fd: number;
  try {
    fd = openSync(path, OPEN_FLAGS);
  } catch {
    return false;
  }
  try {
    if (!fstatSync(fd).isFile()) return false;
    const magic = Buffer.alloc(4);
    const n = readSync(fd, magic, 0, 4, 0);
    return n < 4 || !isElfMagic(magic);
  } catch {
    return false;
  } finally {
    closeQuietly(fd);
  }
}

/** cancelVerify stops a verification: threads take no further unit. */
export function cancelVerify(job: VerifyJob): void {
  Atomics.store(job.control, 1, 1);
}

/**
 * awaitVerified waits, blocking the calling thread, until every unit of the job is done:
 * true when nothing changed. Helper threads that stop making progress (VERIFY_STALL_MS)
 * make it false: the scan then walks the tree, as it would have without them.
 */
export function awaitVerified(job: VerifyJob, stallMs = VERIFY_STALL_MS): boolean {
  const c = job.control;
  const units = job.units.length / UNIT;
  let seen = Atomics.load(c, 2);
  let since = performance.now();
  while (Atomics.load(c, 1) === 0 && seen < units) {
    Atomics.wait(c, 2, seen, 50);
    const now = Atomics.load(c, 2);
    if (now !== seen) {
      seen = now;
      since = performance.now();
    } else if (performance.now() - since > stallMs) {
      cancelVerify(job); // the others stop too: the scan walks the tree instead
      return false;
    }
  }
  return Atomics.load(c, 1) === 0;
}

/** countEntries counts the entries of a blob without decoding names (for the "nothing changed" test). */
function countEntries(blob: Buffer): number {
  const v = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  let n = 0;
  for (let o = 0, f = entryFixedAt(v, 0, blob.length); f >= 0; o = f + ENTRY_FIXED, f = entryFixedAt(v, o, blob.length)) n++;
  return n;
}

/**
 * readExactly reads `length` bytes at `offset`, or null on a short read; `shared`: into a
 * SharedArrayBuffer (the index, whose directory blobs are posted to workers).
 */
function readExactly(fd: number, offset: number, length: number, shared = false): Buffer | null {
  const b = shared ? Buffer.from(new SharedArrayBuffer(length)) : Buffer.allocUnsafe(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, b, done, length - done, offset + done);
    if (n === 0) return null;
    done += n;
  }
  return b;
}

/** headLength is the size of a cache file's head for this id: magic, format, id length, id. */
function headLength(idBytes: Buffer): number {
  return MAGIC.length + 4 + 4 + idBytes.length;
}

/**
 * IndexBuilder encodes a cache file's index into one growing buffer: per directory its
 * path, its entries' blob and its listing. No object per entry: a first scan of /usr
 * indexes 140,000 files.
 */
export class IndexBuilder {
  private b = Buffer.allocUnsafe(1 << 16);
  private at = 0;
  /** where the open directory's blob length goes, and where its blob starts (-1: none open). */
  private blobLengthAt = -1;
  private blobStart = 0;
  /** directories written. */
  dirs = 0;
  /** the tree record (or its absence) has been written: the index is complete. */
  private ended = false;

  /** room makes space for `n` more bytes. */
  private room(n: number): void {
    if (this.at + n <= this.b.length) return;
    const grown = Buffer.allocUnsafe(Math.max(this.b.length * 2, this.at + n));
    this.b.copy(grown, 0, 0, this.at);
    this.b = grown;
  }

  /** dir starts a directory's record; its entries follow, then `listing` ends it. */
  dir(path: string): void {
    const n = Buffer.byteLength(path, 'utf8');
    this.room(8 + n);
    this.at = this.b.writeUInt32LE(n, this.at);
    this.at += this.b.write(path, this.at, 'utf8');
    this.blobLengthAt = this.at;
    this.at += 4;
    this.blobStart = this.at;
    this.dirs++;
  }

  /** entry adds one file's entry to the open directory; its key is keys[at..at+4] (dev, ino, size, mtimeMs, ctimeMs). */
  entry(name: string, keys: ArrayLike<number>, at: number, kind: number, offset: number, length: number, check: number): void {
    this.room(2 + name.length * 3 + ENTRY_FIXED);
    this.at = writeEntry(this.b, this.at, name, keys[at]!, keys[at + 1]!, keys[at + 2]!, keys[at + 3]!, keys[at + 4]!, kind, offset, length, check);
  }

  /** listing ends the open directory's record with its kept listing (none: empty). */
  listing(bytes: Uint8Array | undefined): void {
    this.b.writeUInt32LE(this.at - this.blobStart, this.blobLengthAt);
    const n = bytes?.byteLength ?? 0;
    this.room(4 + n);
    this.at = this.b.writeUInt32LE(n, this.at);
    if (bytes !== undefined) this.b.set(bytes, this.at);
    this.at += n;
  }

  /** end closes the index with the tree record (null: none); bytes then gives the whole index. */
  end(tree: TreeRecord | null): void {
    const text = tree === null ? '' : JSON.stringify(tree);
    const n = Buffer.byteLength(text, 'utf8');
    this.room(4 + n);
    this.at = this.b.writeUInt32LE(n, this.at);
    this.at += this.b.write(text, this.at, 'utf8');
    this.ended = true;
  }

  /** bytes is the index as built (ended with no tree record if `end` was not called). */
  bytes(): Buffer {
    if (!this.ended) this.end(null);
    return this.b.subarray(0, this.at);
  }
}

/**
 * PayloadOut is where every thread of a scan writes the payloads it encodes: the new
 * cache file's descriptor (descriptors belong to the process, so a worker writes through
 * the same one), where the payload section starts, and shared control words: the payload
 * bytes reserved so far (payloadCursor) and whether a write failed (failedFlag).
 * A payload is written by the thread that encoded it and never crosses a thread: sent to
 * the calling thread to be written there, /usr's 20 MB of payloads left their freed
 * memory in the worker's malloc arena and their garbage in the calling thread, 5-9 MiB
 * of a first scan's peak RSS (docs/performance.md, "Stop 18").
 */
export interface PayloadOut {
  fd: number;
  base: number;
  /** a BigInt64 cursor at byte 0, an Int32 failure flag at byte 8. */
  control: SharedArrayBuffer;
}

/** PAYLOAD_CONTROL_BYTES is the size of PayloadOut.control. */
const PAYLOAD_CONTROL_BYTES = 16;

/** payloadCursor is the shared count of payload bytes reserved (offset of the next payload). */
function payloadCursor(out: PayloadOut): BigInt64Array {
  return new BigInt64Array(out.control, 0, 1);
}

/** failedFlag is the shared word that is 1 once any write to the file failed or the file was given up. */
function failedFlag(out: PayloadOut): Int32Array {
  return new Int32Array(out.control, 8, 1);
}

/**
 * writePayload writes a payload to the new cache file at an offset reserved for it (an
 * atomic add on the shared cursor, so threads never overlap); its offset in the payload
 * section, or -1 when the file cannot be written (the first failure marks the whole file
 * failed for every thread, and CacheWriter.finish then gives it up).
 */
export function writePayload(out: PayloadOut, payload: Uint8Array): number {
  const failed = failedFlag(out);
  if (Atomics.load(failed, 0) !== 0) return -1;
  const at = Number(Atomics.add(payloadCursor(out), 0, BigInt(payload.byteLength)));
  try {
    writeFully(out.fd, Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength), out.base + at);
  } catch {
    Atomics.store(failed, 0, 1);
    return -1;
  }
  return at;
}

/** payloadBytes is how many payload bytes have been reserved in `out`. */
function payloadBytes(out: PayloadOut): number {
  return Number(Atomics.load(payloadCursor(out), 0));
}

/** payloadsFailed says whether a payload write to `out` failed. */
function payloadsFailed(out: PayloadOut): boolean {
  return Atomics.load(failedFlag(out), 0) !== 0;
}

/**
 * CacheWriter writes a cache file while a scan runs: each payload as it comes, by the
 * thread that encoded it (PayloadOut; none is held in memory), the index at the end, into
 * a temporary file beside the cache file that then replaces it by `rename` (atomic). A
 * write that fails (read-only, full disk) gives up the file: the next run only loses its
 * speed. The descriptor stays open until `finish` or `abandon`, which the scan calls only
 * once no thread can write any more.
 */
export class CacheWriter {
  private fd: number | null = null;
  private failed = false;
  private readonly tmp: string;
  private readonly head: Buffer;
  private shared: PayloadOut | null = null;

  constructor(
    readonly path: string,
    id: string,
  ) {
    this.tmp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    const idBytes = Buffer.from(id, 'utf8');
    this.head = Buffer.alloc(headLength(idBytes));
    let o = MAGIC.copy(this.head, 0);
    o = this.head.writeUInt32LE(CACHE_FORMAT, o);
    o = this.head.writeUInt32LE(idBytes.length, o);
    idBytes.copy(this.head, o);
  }

  /** out creates the temporary file with its head, once, and says where payloads go; null when it cannot be written. */
  out(): PayloadOut | null {
    if (this.shared !== null) return this.shared;
    if (this.failed) return null;
    try {
      mkdirSync(join(this.path, '..'), { recursive: true });
      this.fd = openSync(this.tmp, 'w', 0o600);
      writeFully(this.fd, this.head, 0);
    } catch {
      this.abandon();
      return null;
    }
    this.shared = { fd: this.fd, base: this.head.length, control: new SharedArrayBuffer(PAYLOAD_CONTROL_BYTES) };
    return this.shared;
  }

  /** append writes a payload from the calling thread; its offset in the payload section, or -1 when the file cannot be written. */
  append(payload: Uint8Array): number {
    const out = this.out();
    return out === null ? -1 : writePayload(out, payload);
  }

  /** copy appends a payload of `old` that still checks out; its offset, or -1 (corrupt, or the write failed). */
  copy(old: CacheFile, e: PayloadRef): number {
    const bytes = readPayload(old.fd, old.payloadBase, e);
    return bytes === null ? -1 : this.append(bytes);
  }

  /** finish writes the index and the trailer (its check first), and puts the file in place; the bytes written, or -1. */
  finish(index: IndexBuilder): number {
    const out = this.out();
    if (out === null || payloadsFailed(out)) {
      this.abandon();
      return -1;
    }
    const bytes = index.bytes();
    const tail = Buffer.allocUnsafe(TRAILER);
    tail.writeUInt32LE(crc32(bytes), 0);
    tail.writeUInt32LE(index.dirs, INDEX_CHECK);
    tail.writeDoubleLE(bytes.length, INDEX_CHECK + 4);
    const at = out.base + payloadBytes(out);
    try {
      writeFully(this.fd!, bytes, at);
      writeFully(this.fd!, tail, at + bytes.length);
      closeSync(this.fd!);
      this.fd = null;
      renameSync(this.tmp, this.path);
    } catch {
      this.abandon();
      return -1;
    }
    return at + bytes.length + tail.length;
  }

  /** abandon drops the temporary file (and stops every thread's payload writes). */
  abandon(): void {
    this.failed = true;
    if (this.shared !== null) Atomics.store(failedFlag(this.shared), 0, 1);
    discardTemp(this.fd, this.tmp);
    this.fd = null;
  }
}

/** writeFully writes a whole buffer, at `position` when given (write(2) may write less than asked). */
function writeFully(fd: number, b: Buffer, position?: number): number {
  let done = 0;
  while (done < b.length) done += writeSync(fd, b, done, b.length - done, position === undefined ? null : position + done);
  return done;
}

/**
 * pruneCacheDir keeps the MAX_CACHE_FILES most recently used cache files and removes
 * temporary files abandoned by runs that died (older than an hour).
 */
export function pruneCacheDir(dir: string, keep = MAX_CACHE_FILES): void {
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const now = Date.now();
  const files: Array<{ path: string; mtime: number }> = [];
  for (const n of names) {
    const p = join(dir, n);
    let st: Stats;
    try {
      st = statSync(p);
    } catch {
      continue;
    }
    if (n.startsWith('scan-') && n.endsWith('.tmp') && now - st.mtimeMs > 3_600_000) {
      tryUnlink(p);
    } else if (n.startsWith('scan-') && n.endsWith('.bin')) {
      files.push({ path: p, mtime: st.mtimeMs });
    }
  }
  files.sort((a, b) => b.mtime - a.mtime);
  for (const f of files.slice(keep)) {
    tryUnlink(f.path);
    const memo = memoPaths(f.path);
    tryUnlink(memo.data);
    tryUnlink(memo.meta);
    tryUnlink(memo.entries);
    tryUnlink(memo.outputs);
  }
}

/** discardTemp closes a temporary file being written (if open) and removes it. */
function discardTemp(fd: number | null, tmp: string): void {
  if (fd !== null) closeQuietly(fd);
  tryUnlink(tmp);
}

/** tryUnlink removes a file, ignoring failure (another run may have removed it). */
function tryUnlink(p: string): void {
  try {
    unlinkSync(p);
  } catch {
    /* ignore */
  }
}

/**
 * Memo: the last report made from a cache file's tree, kept beside it (`<cache>.memo`
 * and `<cache>.memo.json`), so that a re-scan of an unchanged tree with the same options
 * writes that report again instead of analysing every file again. Its key covers the
 * tree state (ScanOptions.reuse's fingerprint) and everything else the report depends
 * on. The bytes are used only when their SHA-1 checks out, or when the memo file is still
 * under the key it was stored with (`file`, see MemoWriter.commit), which no write to it
 * can keep.
 */
export interface MemoMeta {
  key: string;
  exitCode: number;
  bytes: number;
  sha1: string;
  /** file is the memo file's own key once stored (its mtime set back: MEMO_MTIME_BACK_S); absent when that could not be done. */
  file?: FileKey;
}

/**
 * MEMO_MTIME_BACK_S: a stored memo's mtime is set this many seconds before the whole second
 * it was written in. Any later write to the file sets its mtime to the clock's time, which
 * is later than that (even on a filesystem that keeps mtimes in 2 s steps), so it cannot
 * keep the key: the memo's key can vouch for its bytes without git's racy window, where a
 * second write in the same clock tick as the first keeps the mtime.
 */
export const MEMO_MTIME_BACK_S = 2;

/** memoTrusted says whether a memo file, as fstat sees it through the descriptor it is read from, is under the key its meta recorded. */
export function memoTrusted(meta: Pick<MemoMeta, 'file'>, st: Stats): boolean {
  const k = meta.file;
  return typeof k === 'object' && k !== null && sameKey(k, fileKeyOf(st));
}

/** MEMO_BUFFER is how much report a MemoWriter gathers before it writes. */
const MEMO_BUFFER = 1 << 20;

/** MEMO_MAX bounds the size of a report kept as a memo. */
export const MEMO_MAX = 512 * 1024 * 1024;

/** contextHash names a report's context (renderContext's text) in a memo's entry index. */
export function contextHash(context: string): string {
  return createHash('sha256').update(context).digest('hex');
}

/** memoKey is the memo's key: the tree's fingerprint and everything else the report depends on. */
export function memoKey(fingerprint: string, context: string): string {
  return createHash('sha256').update(fingerprint).update('\n').update(context).digest('hex');
}

/**
 * memoPaths names a cache file's memo files: the report, what vouches for it, the index of
 * its ELF entries (JSON reports), and the report files last written with its bytes (MemoOutputs).
 */
export function memoPaths(cacheFile: string): { data: string; meta: string; entries: string; outputs: string } {
  return { data: `${cacheFile}.memo`, meta: `${cacheFile}.memo.json`, entries: `${cacheFile}.memo.entries.json`, outputs: `${cacheFile}.memo.out.json` };
}

/**
 * MemoOutputs names the report files (`--output`) last written with the bytes of the memo
 * whose SHA-1 is `sha1`, each with the key it had once written: `<cache>.memo.out.json`.
 * A re-scan that would write those bytes to a file still under its key only sets its times
 * (the CLI's keptOutput): /usr's 70 MB report copied and renamed over the last took 25-30
 * ms of a 0.25 s re-scan. The key vouches for the bytes as the memo's own does: the file's
 * mtime was set before the rename that set its ctime (stampOutput), and any later write
 * sets the mtime to the clock's time, not before that ctime (vouchingKey).
 */
export interface MemoOutputs {
  sha1: string;
  outputs: OutputRecord[];
}

/** OutputRecord is a report file written with a memo's bytes: its absolute path and its key once written. */
export interface OutputRecord {
  path: string;
  file: FileKey;
}

/** MAX_OUTPUTS bounds the report files a memo's record names (the most recently written first). */
export const MAX_OUTPUTS = 8;

/**
 * vouchingKey is the key of a file muslcheck wrote (the memo, a report) when it can vouch
 * for the file's bytes: its mtime lies before its ctime, so no later write can keep it.
 * Null otherwise (a filesystem with whole-second times, or a clock that moved).
 */
export function vouchingKey(st: Stats): FileKey | null {
  return st.isFile() && st.mtimeMs < st.ctimeMs ? fileKeyOf(st) : null;
}

/** keyVouchedThrough is vouchingKey of the file open as `fd`; null also when fstat fails. */
export function keyVouchedThrough(fd: number): FileKey | null {
  try {
    return vouchingKey(fstatSync(fd));
  } catch {
    return null;
  }
}

/**
 * stampTimes sets the access and modification times of the file open as `fd` to `atMs`
 * (milliseconds since the epoch), before the rename that sets its ctime, so that its key
 * vouches for its bytes (vouchingKey); false when the filesystem refuses.
 */
function stampTimes(fd: number, atMs: number): boolean {
  try {
    futimesSync(fd, atMs / 1000, atMs / 1000);
    return true;
  } catch {
    return false;
  }
}

/**
 * OUTPUT_MTIME_BACK_MS: a report written to `--output` for the memo's record (MemoOutputs)
 * gets an mtime this many milliseconds before now. File times come from the kernel's
 * coarse clock, which lags Date.now()'s by up to a tick (4 ms at the HZ=250 of Debian's
 * kernels; on this project's VM a report stamped 20 ms back had its ctime 17 ms after its
 * mtime). A make rule sees the report as written 20 ms early: it remakes it sooner, never later.
 */
export const OUTPUT_MTIME_BACK_MS = 20;

/** stampOutput gives a report file the times of one written now (OUTPUT_MTIME_BACK_MS); false when refused. */
export function stampOutput(fd: number): boolean {
  return stampTimes(fd, Math.floor(Date.now()) - OUTPUT_MTIME_BACK_MS);
}

/** readOutputs returns the report files recorded as holding the bytes of the memo whose SHA-1 is `sha1` ([] when none, or the record is not sound). */
export function readOutputs(cacheFile: string, sha1: string): OutputRecord[] {
  let rec: MemoOutputs;
  try {
    rec = JSON.parse(readFileSync(memoPaths(cacheFile).outputs, 'utf8')) as MemoOutputs;
  } catch {
    return [];
  }
  if (rec?.sha1 !== sha1 || !Array.isArray(rec.outputs)) return [];
  return rec.outputs.filter((o) => typeof o?.path === 'string' && isFileKey(o.file));
}

/** isFileKey says whether a value read back from JSON is a whole FileKey. */
function isFileKey(k: unknown): k is FileKey {
  if (typeof k !== 'object' || k === null) return false;
  const o = k as Record<string, unknown>;
  return ['dev', 'ino', 'size', 'mtimeMs', 'ctimeMs'].every((f) => typeof o[f] === 'number');
}

/**
 * recordOutput records that the report file `path` holds the bytes of the memo whose SHA-1
 * is `sha1`, under `file` (null: it may not, forget it), among the `current` records (read
 * unless the caller has them). Written beside and renamed into place; a record that cannot
 * be written only costs the next run a copy.
 */
export function recordOutput(cacheFile: string, sha1: string, path: string, file: FileKey | null, current: readonly OutputRecord[] = readOutputs(cacheFile, sha1)): void {
  const p = memoPaths(cacheFile).outputs;
  const kept = current.filter((o) => o.path !== path);
  const outputs = file === null ? kept : [{ path, file }, ...kept].slice(0, MAX_OUTPUTS);
  const tmp = `${p}.${process.pid}.tmp`;
  try {
    writeFileSync(tmp, JSON.stringify({ sha1, outputs } satisfies MemoOutputs));
    renameSync(tmp, p);
  } catch {
    tryUnlink(tmp);
  }
}

/**
 * MemoEntries indexes a JSON memo's ELF entries, for a later scan whose ELF files are
 * analysed from the same inputs (ScanOptions.prior): per entry its path, where its text
 * lies in the memo (bytes), its verdict and unresolved names; and what they were made
 * from: the report's context (a hash of its options, target, working directory...) and
 * the ELF inputs' digest. `sha1` names the memo it indexes; `check` is the SHA-1 of the
 * entries as JSON, since the memo's SHA-1 does not cover the verdicts and names the index
 * holds apart from it (a flipped letter in a verdict would change the summary and the exit
 * code, not the entry).
 */
export interface MemoEntries {
  sha1: string;
  context: string;
  elfDigest: string;
  check: string;
  entries: Array<[path: string, offset: number, length: number, verdict: Verdict, unresolved: string[]]>;
}

/** entriesCheck is the SHA-1 of a memo index's entries as JSON (MemoEntries.check). */
export function entriesCheck(entries: MemoEntries['entries']): string {
  return createHash('sha1').update(JSON.stringify(entries)).digest('hex');
}

/** PriorHit is a memo's ELF entries, checked and held open (the caller closes `fd`). */
export interface PriorHit {
  fd: number;
  paths: string[];
  entry(i: number): { json: string; verdict: Verdict; unresolved: string[] };
}

/**
 * readPrior returns the last memo's ELF entries when they were made from the same context
 * and ELF inputs and the memo's bytes check out; null otherwise.
 */
export function readPrior(cacheFile: string, context: string, elfDigest: string): PriorHit | null {
  const p = memoPaths(cacheFile);
  let index: MemoEntries;
  let meta: MemoMeta;
  try {
    index = JSON.parse(readFileSync(p.entries, 'utf8')) as MemoEntries;
    meta = JSON.parse(readFileSync(p.meta, 'utf8')) as MemoMeta;
  } catch {
    return null;
  }
  if (index?.context !== context || index.elfDigest !== elfDigest || index.sha1 !== meta?.sha1 || !Array.isArray(index.entries)) return null;
  if (index.check !== entriesCheck(index.entries)) return null;
  for (const e of index.entries) {
    if (!Array.isArray(e) || typeof e[0] !== 'string' || !Number.isSafeInteger(e[1]) || !Number.isSafeInteger(e[2]) || e[1] < 0 || e[2] < 0 || e[1] + e[2] > meta.bytes) return null;
    if (!VERDICT_ORDER.includes(e[3]) || !Array.isArray(e[4]) || !e[4].every((n) => typeof n === 'string')) return null;
  }
  const fd = openChecked(p.data, meta);
  if (fd === null) return null;
  const entries = index.entries;
  return {
    fd,
    paths: entries.map((e) => e[0]),
    entry(i) {
      const [, offset, length, verdict, unresolved] = entries[i]!;
      const text = readExactly(fd, offset, length);
      if (text === null) throw new Error('the report memo shrank while it was read');
      return { json: text.toString('utf8'), verdict, unresolved };
    },
  };
}

/**
 * openChecked opens a memo's bytes and checks them against what its meta says; the
 * descriptor, or null. A memo still under the key it was stored with (memoTrusted) is not
 * read: hashing /usr's 70 MB report took 40 ms of every re-scan.
 */
function openChecked(path: string, meta: Pick<MemoMeta, 'bytes' | 'sha1' | 'file'>): number | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch {
    return null;
  }
  let ok = false;
  try {
    const st = fstatSync(fd);
    if (st.size !== meta.bytes) return null;
    if (memoTrusted(meta, st)) {
      ok = true;
      return fd;
    }
    const h = createHash('sha1');
    const buf = Buffer.allocUnsafe(1 << 20);
    for (let at = 0; at < meta.bytes; ) {
      const n = readSync(fd, buf, 0, buf.length, at);
      if (n === 0) return null;
      h.update(buf.subarray(0, n));
      at += n;
    }
    ok = h.digest('hex') === meta.sha1;
    return ok ? fd : null;
  } finally {
    if (!ok) closeSync(fd);
  }
}

/**
 * MemoHit is a memo whose bytes checked out, held open: `fd` stays on the file that was
 * checked, so another run that replaces the memo meanwhile (a rename over it) cannot
 * change what is written. The caller closes it (closeMemo).
 */
export interface MemoHit {
  fd: number;
  meta: MemoMeta;
}

/** closeMemo releases a memo hit or a memo's entries (null: nothing to do). */
export function closeMemo(hit: MemoHit | PriorHit | null): void {
  if (hit !== null) closeQuietly(hit.fd);
}

/** readMemo returns the memo for `key`, held open, when it exists and its bytes check out; null otherwise. */
export function readMemo(cacheFile: string, key: string): MemoHit | null {
  const p = memoPaths(cacheFile);
  let meta: MemoMeta;
  try {
    meta = JSON.parse(readFileSync(p.meta, 'utf8')) as MemoMeta;
  } catch {
    return null;
  }
  if (meta.key !== key || !Number.isInteger(meta.exitCode) || typeof meta.sha1 !== 'string') return null;
  const fd = openChecked(p.data, meta);
  return fd === null ? null : { fd, meta };
}

/** MemoWriter collects a report as it is written and stores it as the memo at the end (atomically). */
export class MemoWriter {
  private readonly tmp: string;
  private fd: number | null;
  /** bytes of report taken so far (the offset the next text starts at). */
  private taken = 0;
  private readonly hash = createHash('sha1');
  /** text is encoded straight into this buffer and written when it is full. */
  private readonly buf = Buffer.allocUnsafe(MEMO_BUFFER);
  private at = 0;

  constructor(
    private readonly cacheFile: string,
    private readonly key: string,
  ) {
    this.tmp = `${memoPaths(cacheFile).data}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
    try {
      mkdirSync(join(cacheFile, '..'), { recursive: true });
      this.fd = openSync(this.tmp, 'w', 0o600);
    } catch {
      this.fd = null;
    }
  }

  /** bytes is how much report the memo holds so far: where the next text starts. */
  get bytes(): number {
    return this.taken;
  }

  /**
   * write appends report text (a memo over MEMO_MAX is given up). Text is encoded once,
   * into the buffer, so the caller learns each entry's place from `bytes` before and
   * after, with no second pass over it to count its UTF-8 bytes.
   */
  write(text: string | Uint8Array): void {
    if (this.fd === null) return;
    // A string fits when its worst case (3 bytes per UTF-16 unit) does.
    if (typeof text === 'string' && text.length * 3 > this.buf.length - this.at) this.flush();
    if (typeof text === 'string' && text.length * 3 <= this.buf.length) {
      const n = this.buf.write(text, this.at, 'utf8');
      this.at += n;
      this.taken += n;
    } else {
      // Larger than the buffer, or bytes: written as they are, after what the buffer holds.
      const b = typeof text === 'string' ? Buffer.from(text, 'utf8') : text;
      this.flush();
      this.taken += b.length;
      this.out(b);
    }
    if (this.taken > MEMO_MAX) this.abandon();
  }

  /** flush writes what the buffer holds. */
  private flush(): void {
    if (this.at === 0) return;
    const b = this.buf.subarray(0, this.at);
    this.at = 0;
    this.out(b);
  }

  /** out hashes and writes bytes to the temporary file (given up when that fails). */
  private out(b: Uint8Array): void {
    if (this.fd === null) return;
    this.hash.update(b);
    try {
      writeFully(this.fd, Buffer.from(b.buffer, b.byteOffset, b.byteLength));
    } catch {
      this.abandon();
    }
  }

  /**
   * commit stores the memo with the run's exit code, and the index of its ELF entries when
   * given (a JSON report); a memo that cannot be stored is simply not there next time.
   * The memo's mtime is set back (MEMO_MTIME_BACK_S) and its key, taken through the
   * descriptor once it is renamed into place (a rename sets the ctime), goes into the meta:
   * another run's memo renamed over it is another inode, so the meta never vouches for it.
   * Returns the stored memo's SHA-1 (null when none was stored).
   */
  commit(exitCode: number, entries?: Omit<MemoEntries, 'sha1' | 'check'>): string | null {
    this.flush();
    if (this.fd === null) return null;
    const p = memoPaths(this.cacheFile);
    try {
      const stamped = stampTimes(this.fd, (Math.floor(Date.now() / 1000) - MEMO_MTIME_BACK_S) * 1000);
      renameSync(this.tmp, p.data);
      const file = stamped ? (keyVouchedThrough(this.fd) ?? undefined) : undefined;
      closeSync(this.fd);
      this.fd = null;
      const meta: MemoMeta = { key: this.key, exitCode, bytes: this.bytes, sha1: this.hash.digest('hex'), ...(file === undefined ? {} : { file }) };
      const metaTmp = `${p.meta}.${process.pid}.tmp`;
      writeFileSync(metaTmp, JSON.stringify(meta));
      const entriesTmp = entries === undefined ? null : `${p.entries}.${process.pid}.tmp`;
      if (entriesTmp !== null) writeFileSync(entriesTmp, JSON.stringify({ sha1: meta.sha1, ...entries, check: entriesCheck(entries!.entries) }));
      // The data first (above), then what indexes it, then the meta that vouches for it: a
      // reader never pairs new meta with old data, and an index names the memo it indexes.
      if (entriesTmp !== null) renameSync(entriesTmp, p.entries);
      else tryUnlink(p.entries);
      renameSync(metaTmp, p.meta);
      return meta.sha1;
    } catch {
      this.abandon();
      return null;
    }
  }

  /** abandon drops the memo being written. */
  abandon(): void {
    discardTemp(this.fd, this.tmp);
    this.fd = null;
  }
}
