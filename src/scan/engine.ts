/**
 * engine: the per-file work of a scan, the same in the main thread (small scans) and in
 * each worker thread (large ones). Only plain data goes in and out, so the same calls
 * cross a MessagePort unchanged.
 *
 * Phase 1, `read`: sniff the magic (4 bytes), read ELF files with positioned reads, or
 * take the reading from the cache. ELF facts stay in the engine that read them; the main
 * thread gets what library lookup needs (soname, needed, run paths) and the export index.
 *
 * Phase 2, `analyze`: once the whole tree is known (a library anywhere in it can satisfy
 * any file's DT_NEEDED), resolve each file the engine holds and render its report.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync, statSync, type Stats } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { Arena, ElfError, isElfMagic, readElfFd, readExportIndex, NameIndex, type ElfInfo, type ReadOptions } from '../elf/index.js';
import { OPEN_FLAGS } from '../elf/source.js';
import { analyzeElf, internalErrorReport, ANALYSIS_READ, SCAN_READ, bindable, type LibraryLookup, type NameLookup, type LoadedLibrary, type PackageInfo } from '../analyze/index.js';
import type { FileReport, Verdict } from '../analyze/types.js';
import { loadDatabase } from '../db/index.js';
import type { Database, TargetInfo } from '../db/types.js';
import { compileSuppressions, type SuppressionSpec, type Suppressor } from '../plan/suppress.js';
import { fileEntryJson } from '../report/json.js';
import { CACHED_KINDS, decodeDirectory, EMPTY_CHECK, fileKeyOf, isRacy, NOT_ELF_KIND, payloadCheck, readPayload, sameKey, writePayload, type CachedDir, type PayloadOut, type CacheEntry, type CachedKind, type FileKey } from './cache.js';
import { decodeElf, encodeElf } from './payload.js';

/** EngineInit is everything an engine needs; plain data, so it can be posted to a worker. */
export interface EngineInit {
  /** target id as the database resolves it (`alpine:3.22`, `musl:1.2.5`). */
  target: string;
  dataDir?: string;
  /** read and report every export (`--exports`); otherwise only the export index is built. */
  includeExports: boolean;
  /** resolve against Debian's musl exports (the oracle tests only). */
  debianMusl?: boolean;
  cwd: string;
  /** the open cache file (a descriptor of this process, so every thread can pread it), or null. */
  cache: { fd: number; payloadBase: number } | null;
  /** whether to produce cache entries (keys need one lstat per file). */
  cacheWrite: boolean;
  /** where this thread writes the payloads it encodes (the new cache file); absent or null: nowhere, and payloads are not kept. */
  cacheOut?: PayloadOut | null;
  scanStartMs: number;
  suppress: SuppressionSpec | null;
}

/** ReadItem is one file to read in phase 1. */
export interface ReadItem {
  id: number;
  /** the path as the report prints it (relative to cwd, or absolute). */
  path: string;
  /** the file's name within its directory (the cache's key). */
  name: string;
  /** where to read the bytes when not at `path` (the staged copy of a file). */
  source?: string;
  /** read for library lookup only (a --library-path file): nothing is kept, nothing reported. */
  libraryOnly?: boolean;
}

/**
 * ReadBatch is a group of files as it crosses to a thread: parallel arrays, not an
 * object per file (a tree is mostly files nobody needs an object for), and the cached
 * entries of their directories.
 */
export interface ReadBatch {
  ids: Int32Array;
  paths: string[];
  /** names within their directories (the cache's key); null when no cache is written. */
  names: string[] | null;
  /** per file, the index into `dirs` of its directory's cached entries (-1: none); null without a cache. */
  dirOf: Int32Array | null;
  /** cached directories (`key`: the scan's number for the directory, stable for the whole scan). */
  dirs: Array<{ key: number; blob: Uint8Array }>;
  /** where to read each file when not at its path (staged copies); null when all are read in place. */
  sources: Array<string | null> | null;
  /** read for library lookup only (--library-path files): nothing is kept, nothing reported. */
  libraryOnly: boolean;
}

/** toBatch packs ReadItems (tests and the --library-path reads build those). */
export function toBatch(items: readonly ReadItem[]): ReadBatch {
  return {
    ids: Int32Array.from(items, (it) => it.id),
    paths: items.map((it) => it.path),
    names: null,
    dirOf: null,
    dirs: [],
    sources: items.some((it) => it.source !== undefined) ? items.map((it) => it.source ?? null) : null,
    libraryOnly: items.some((it) => it.libraryOnly === true),
  };
}

/**
 * ReadReply is a batch's outcome: the ids of the files that are not ELF (most of them)
 * as one array, a result object only for ELF files and errors, totals, and the cache's
 * updates as parallel arrays.
 */
export interface ReadReply {
  notElf: Int32Array;
  /** ELF files an engine that forwards (EngineOptions.forwardElf) left for a worker to read. */
  forward: Int32Array;
  found: FoundResult[];
  bytesRead: number;
  hits: number;
  cache: CacheReply | null;
}

/** FoundResult is a phase-1 result worth an object: an ELF file or an error. */
export type FoundResult = Exclude<ReadResult, { kind: 'not-elf' | 'forward' }>;

/**
 * EngineOptions are what one thread's engine does differently from the others.
 * `forwardElf`: the calling thread of a pool only sniffs; the ELF files it finds go to a
 * worker, so the reader and the analysis run (and are compiled by V8) in one heap less.
 */
export interface EngineOptions {
  forwardElf?: boolean;
}

/** CacheReply lists what the cache keeps for each file of a batch, as parallel arrays. */
export interface CacheReply {
  ids: Int32Array;
  /** dev, ino, size, mtimeMs, ctimeMs per file. */
  keys: Float64Array;
  /** index into CACHED_KINDS per file. */
  kinds: Uint8Array;
  /**
   * offset, length, check per file: of the still-valid payload of the cache file read
   * (`fresh` 0), or of the payload this thread encoded and wrote to the new one (`fresh` 1;
   * checked here; offset -1 when it could not be written, and the file is not kept).
   */
  reuse: Float64Array;
  fresh: Uint8Array;
}

/** LibraryMeta is what library lookup needs of an ELF file (a LoadedLibrary but for its names). */
export interface LibraryMeta extends Pick<LoadedLibrary, 'soname' | 'needed' | 'rpath' | 'runpath'> {
  /** absolute path. */
  abs: string;
  /** its exports were left unread (ElfInfo.exportsDeferred): `completeExports` reads them if something loads it. */
  deferred: boolean;
}

/** ExportsReply is what `completeExports` read: each file's export index, and the cache's updates. */
export interface ExportsReply {
  ids: Int32Array;
  indexes: Float64Array[];
  bytesRead: number;
  cache: CacheReply | null;
}

/** CacheUpdate is what a read tells the cache to keep for a file. */
export interface CacheUpdate {
  key: FileKey;
  kind: CachedKind;
  /** a fresh payload, or null with `reuse` when the cached one is still right. */
  payload: Uint8Array | null;
  reuse: CacheEntry | null;
}

/**
 * ReadResult is one file's outcome in phase 1. `elf-cached` is an ELF file whose
 * reading the cache holds: its facts are decoded by `load`, only if the analysis runs.
 */
export type ReadResult =
  | { id: number; kind: 'elf-cached'; size: number; bytesRead: number; hit: boolean; cache: CacheUpdate | null }
  | { id: number; kind: 'not-elf'; bytesRead: number; hit: boolean; cache: CacheUpdate | null }
  | { id: number; kind: 'forward'; bytesRead: number; hit: false; cache: null }
  | { id: number; kind: 'malformed' | 'unreadable'; error: ErrorInfo; bytesRead: number; hit: boolean; cache: CacheUpdate | null }
  | { id: number; kind: 'elf'; meta: LibraryMeta; index: Float64Array; size: number; bytesRead: number; hit: boolean; cache: CacheUpdate | null };

/** ErrorInfo is a reader error as plain data. */
export interface ErrorInfo {
  kind: 'malformed' | 'unreadable';
  message: string;
  offset: number | null;
  field: string | null;
}

/** TreeTable is the whole tree's libraries: metadata, and every export index in one array. */
export interface TreeTable {
  libs: LibraryMeta[];
  /** [offset, length] of each lib's hashes in `hashes`. */
  spans: Float64Array;
  hashes: Float64Array;
  libraryPath: string[];
}

/**
 * AnalyzeMode: render JSON fragments here (`json`, the streaming report), hand back the
 * reports (`report`), or hand them back without their symbol lists (`lean`: what the
 * text, SARIF and Markdown reports, the plan and the baseline read). Those formats need
 * every report before they write, and the imports are most of an ELF file's report: on
 * /usr a SARIF scan held 130 MB of them on the calling thread.
 */
export type AnalyzeMode = 'json' | 'report' | 'lean';

/** leanReport drops a report's symbol lists (AnalyzeMode `lean`). */
export function leanReport(r: FileReport): FileReport {
  if (r.elf === null) return r;
  const { exports: _exports, ...elf } = r.elf;
  return { ...r, elf: { ...elf, imports: [] } };
}

/** Analyzed is one file's outcome in phase 2. */
export interface Analyzed {
  id: number;
  verdict: Verdict | null;
  unresolved: string[];
  json: string | null;
  report: FileReport | null;
  /** bytes this analysis read from disk (a library whose exports nobody completed; normally 0). */
  bytesRead: number;
}

/** DECODED_DIRS is how many cached directories an engine keeps decoded. */
const DECODED_DIRS = 64;

/** NOT_REGULAR is the error of a path that is no longer a regular file when it is read. */
const NOT_REGULAR: ErrorInfo = Object.freeze({ kind: 'unreadable' as const, message: 'not a regular file', offset: null, field: null });

/** MAGIC is the reusable 4-byte sniff buffer (reads are synchronous, so it is never shared). */
const MAGIC = Buffer.alloc(4);

/** errorInfo turns any thrown value into a reader error as data. */
export function errorInfo(e: unknown, path: string): ErrorInfo {
  if (e instanceof ElfError && (e.kind === 'malformed' || e.kind === 'unreadable')) return { kind: e.kind, message: e.reason, offset: e.offset, field: e.field };
  const err = e as NodeJS.ErrnoException;
  return { kind: 'unreadable', message: err?.code ? `${err.code}: ${String(err.message).replace(/^[A-Z]+: /, '')}` : String(err?.message ?? e ?? path), offset: null, field: null };
}

/** Held is an ELF file an engine read in phase 1 and analyses in phase 2. */
interface Held {
  /** the path as reported, and where its bytes are (a staged copy, or the same). */
  path: string;
  source: string;
  abs: string;
  elf: ElfInfo;
  /** its cache key, when the scan writes a cache and the file was not racy. */
  key: FileKey | null;
}

/** Engine does the per-file work of one thread. */
export class Engine {
  readonly db: Database;
  readonly target: TargetInfo;
  private readonly held = new Map<number, Held>();
  private lookup: LibraryLookup | null = null;
  /** ELF files whose facts are still in the cache: decoded by `load`. */
  private readonly deferred = new Map<number, { item: ReadItem; key: FileKey; entry: CacheEntry }>();
  private readonly suppressor: Suppressor | null;
  private readonly packageOf = packageFinder();
  /** arena is the scratch memory every read of this thread reuses. */
  private readonly arena = new Arena();
  /** readOptions: the scan's reading, plus every export when the report lists them (--exports). */
  private readonly readOptions: ReadOptions;

  /** forwardElf: see EngineOptions. */
  private readonly forwardElf: boolean;

  constructor(
    readonly init: EngineInit,
    opts: EngineOptions = {},
  ) {
    this.forwardElf = opts.forwardElf === true;
    this.db = loadDatabase(init.dataDir);
    this.target = this.db.resolveTarget(init.target);
    this.suppressor = init.suppress ? compileSuppressions(init.suppress) : null;
    this.readOptions = init.includeExports ? { ...ANALYSIS_READ, exports: true } : SCAN_READ;
  }

  /** read does phase 1 for a batch. */
  read(batch: ReadBatch): ReadReply {
    const n = batch.ids.length;
    const dirs = batch.dirs.map((d) => this.cachedDir(d.key, d.blob));
    const notElf: number[] = [];
    const forward: number[] = [];
    const found: FoundResult[] = [];
    let bytesRead = 0;
    let hits = 0;
    const updates = this.updateList();
    for (let k = 0; k < n; k++) {
      const id = batch.ids[k]!;
      const name = batch.names?.[k] ?? '';
      const source = batch.sources?.[k];
      const slot = batch.dirOf?.[k] ?? -1;
      const dir = slot < 0 ? null : (dirs[slot] ?? null);
      // A re-scan's usual case first: a file still not ELF under its cached key costs one
      // stat and no object. Otherwise the general way, with that stat if it was taken.
      let st: Stats | null = null;
      if (dir !== null && dir.holdsNotElf(name) && (source === undefined || source === null) && !batch.libraryOnly) {
        st = statOrNull(batch.paths[k]!);
        if (st !== null && st.isFile() && dir.unchangedNotElf(name, st)) {
          if (this.init.cacheWrite) updates.unchangedNotElf(id, st);
          notElf.push(id);
          hits++;
          continue;
        }
      }
      const item: ReadItem = { id, path: batch.paths[k]!, name, libraryOnly: batch.libraryOnly };
      if (source !== undefined && source !== null) item.source = source;
      const r = this.readOne(item, dir?.get(name) ?? null, st);
      bytesRead += r.bytesRead;
      if (r.hit) hits++;
      if (r.cache !== null) updates.add(r.id, r.cache);
      if (r.kind === 'not-elf') notElf.push(r.id);
      else if (r.kind === 'forward') forward.push(r.id);
      else found.push({ ...r, cache: null } as FoundResult);
    }
    return this.reply(notElf, found, bytesRead, hits, updates, forward);
  }

  /**
   * reply packs a batch's outcome. The export indexes now belong to the reply (they are
   * transferred to the main thread); setTree gives the held facts their shared copy back.
   */
  private reply(notElf: number[], found: FoundResult[], bytesRead: number, hits: number, updates: UpdateList, forward: number[] = []): ReadReply {
    for (const r of found) {
      const held = r.kind === 'elf' ? this.held.get(r.id) : undefined;
      if (held !== undefined) held.elf.exportIndex = null;
    }
    return { notElf: Int32Array.from(notElf), forward: Int32Array.from(forward), found, bytesRead, hits, cache: updates.pack() };
  }

  /** decoded keeps the directories decoded from the cache lately (a directory's files come in consecutive batches). */
  private readonly decoded = new Map<number, CachedDir | null>();

  /** cachedDir decodes a directory's cached entries once (null: the blob does not check out). */
  private cachedDir(key: number, blob: Uint8Array): CachedDir | null {
    if (this.decoded.has(key)) return this.decoded.get(key)!;
    const map = decodeDirectory(blob);
    this.decoded.set(key, map);
    if (this.decoded.size > DECODED_DIRS) this.decoded.delete(this.decoded.keys().next().value!);
    return map;
  }

  /** readOne reads one file: from the cache when its key still matches, else from disk; `taken`: its stat, when the caller already took it. */
  private readOne(item: ReadItem, entry: CacheEntry | null, taken: Stats | null = null): ReadResult {
    // No cached reading: the file is opened, and the key it is cached under is taken from
    // the open descriptor (one fstat, no second lookup of the path).
    if (entry === null) return this.fromDisk(item, null, this.forwards(item), this.init.cacheWrite);
    const { id } = item;
    const path = item.source ?? item.path;
    let st: Stats;
    try {
      st = taken ?? statSync(path); // follows a link named on the command line, or followed by --follow-symlinks
    } catch (e) {
      return { id, kind: 'unreadable', error: errorInfo(e, path), bytesRead: 0, hit: false, cache: null };
    }
    if (!st.isFile()) return { id, kind: 'unreadable', error: NOT_REGULAR, bytesRead: 0, hit: false, cache: null };
    const key = fileKeyOf(st);
    if (sameKey(entry.key, key)) {
      if (entry.kind === 'elf' && this.forwards(item)) return { id, kind: 'forward', bytesRead: 0, hit: false, cache: null };
      const hit = this.fromCache(item, key, entry);
      if (hit !== null) return hit;
    }
    return this.fromDisk(item, this.cacheable(key), this.forwards(item));
  }

  /** updateList collects one reply's cache updates; fresh payloads go to the new cache file (EngineInit.cacheOut). */
  private updateList(): UpdateList {
    return new UpdateList(this.init.cacheOut ?? null);
  }

  /** forwards says whether this engine leaves an ELF file to a worker (--library-path files are read where they are asked for). */
  private forwards(item: ReadItem): boolean {
    return this.forwardElf && item.libraryOnly !== true;
  }

  /** cacheable is the key a fresh reading is cached under: null when the scan writes no cache, or the file is racy. */
  private cacheable(key: FileKey | null): FileKey | null {
    return key !== null && this.init.cacheWrite && !isRacy(key, this.init.scanStartMs) ? key : null;
  }

  /** fromCache rebuilds a result from a cached entry; null when its payload fails its check. */
  private fromCache(item: ReadItem, key: FileKey, entry: CacheEntry): ReadResult | null {
    const { id } = item;
    const cache = this.init.cacheWrite ? { key, kind: entry.kind, payload: null, reuse: entry } : null;
    if (entry.kind === 'not-elf') return { id, kind: 'not-elf', bytesRead: 0, hit: true, cache };
    const c = this.init.cache;
    if (c === null) return null;
    if (entry.kind === 'elf') {
      // The facts are read, checked and decoded later, only if the analysis runs (an
      // unchanged tree's report may be reused); `load` reads a payload that does not check out from disk.
      this.deferred.set(id, { item, key, entry });
      return { id, kind: 'elf-cached', size: key.size, bytesRead: 0, hit: true, cache };
    }
    const payload = readPayload(c.fd, c.payloadBase, entry);
    if (payload === null) return null;
    let error: ErrorInfo;
    try {
      error = JSON.parse(payload.toString('utf8')) as ErrorInfo;
    } catch {
      return null;
    }
    return { id, kind: 'malformed', error, bytesRead: 0, hit: true, cache };
  }

  /**
   * load decodes the cached facts of the ELF files phase 1 deferred. A payload that does
   * not check out is read from disk instead (its outcome may then differ: the reply says).
   */
  load(): ReadReply {
    const c = this.init.cache;
    const notElf: number[] = [];
    const found: FoundResult[] = [];
    const updates = this.updateList();
    let bytesRead = 0;
    for (const { item, key, entry } of this.deferred.values()) {
      const payload = c === null ? null : readPayload(c.fd, c.payloadBase, entry);
      const elf = payload === null ? null : decodeElf(payload);
      let r: ReadResult;
      if (elf !== null) {
        r = this.elfResult(item, elf, key.size, 0, true, null, this.cacheable(key));
      } else {
        // fromDisk encodes the fresh reading for the cache under the key phase 1 took.
        r = this.fromDisk(item, this.cacheable(key));
        bytesRead += r.bytesRead;
        if (r.cache !== null) updates.add(item.id, r.cache);
      }
      if (r.kind === 'not-elf') notElf.push(r.id);
      else found.push({ ...r, cache: null } as FoundResult);
    }
    this.deferred.clear();
    return this.reply(notElf, found, bytesRead, 0, updates);
  }

  /**
   * fromDisk sniffs 4 bytes and reads an ELF file with positioned reads. `cacheKey`: what
   * the cache keeps the reading under; `keyFromFd`: take it from the open descriptor
   * instead; `forward`: an ELF file is left to a worker, not read.
   */
  private fromDisk(item: ReadItem, cacheKey: FileKey | null, forward = false, keyFromFd = false): ReadResult {
    const { id } = item;
    const path = item.source ?? item.path;
    let fd: number;
    try {
      fd = openSync(path, OPEN_FLAGS);
    } catch (e) {
      return { id, kind: 'unreadable', error: errorInfo(e, path), bytesRead: 0, hit: false, cache: null };
    }
    try {
      let n: number;
      try {
        n = readSync(fd, MAGIC, 0, 4, 0);
      } catch (e) {
        return { id, kind: 'unreadable', error: errorInfo(e, path), bytesRead: 0, hit: false, cache: null };
      }
      const elf = n >= 4 && isElfMagic(MAGIC);
      if (elf && forward) return { id, kind: 'forward', bytesRead: n, hit: false, cache: null };
      let size = 0;
      if (elf || keyFromFd) {
        let st: Stats;
        try {
          st = fstatSync(fd);
        } catch (e) {
          return { id, kind: 'unreadable', error: errorInfo(e, path), bytesRead: n, hit: false, cache: null };
        }
        if (!st.isFile()) return { id, kind: 'unreadable', error: NOT_REGULAR, bytesRead: n, hit: false, cache: null };
        size = st.size;
        if (keyFromFd) cacheKey = this.cacheable(fileKeyOf(st));
      }
      let r: ReadResult;
      if (!elf) r = { id, kind: 'not-elf', bytesRead: n, hit: false, cache: null };
      else {
        try {
          // --library-path files are read for lookup only: their exports are the point.
          const facts = readElfFd(fd, size, item.path, item.libraryOnly ? ANALYSIS_READ : this.readOptions, this.arena);
          r = this.elfResult(item, facts, size, n + facts.bytesRead, false, null, cacheKey);
        } catch (e) {
          r = { id, kind: e instanceof ElfError && e.kind === 'unreadable' ? 'unreadable' : 'malformed', error: errorInfo(e, path), bytesRead: n, hit: false, cache: null } as ReadResult;
        }
      }
      if (cacheKey !== null) r.cache = this.cacheUpdate(r, cacheKey, item);
      return r;
    } finally {
      closeSync(fd);
    }
  }

  /**
   * elfResult keeps the facts (unless library-only) and returns what the main thread
   * needs. The export index goes to the main thread (transferred, not copied); the held
   * facts get it back, from the shared table, in setTree.
   */
  private elfResult(item: ReadItem, elf: ElfInfo, size: number, bytesRead: number, hit: boolean, cache: CacheUpdate | null, key: FileKey | null): ReadResult {
    const meta: LibraryMeta = { abs: resolve(this.init.cwd, item.path), soname: elf.soname, needed: elf.needed, rpath: elf.rpath, runpath: elf.runpath, deferred: elf.exportsDeferred };
    if (!item.libraryOnly) this.held.set(item.id, { path: item.path, source: item.source ?? item.path, elf, abs: meta.abs, key });
    return { id: item.id, kind: 'elf', meta, index: elf.exportIndex ?? new Float64Array(0), size, bytesRead, hit, cache };
  }

  /** cacheUpdate encodes what the cache keeps for a fresh reading. */
  private cacheUpdate(r: ReadResult, key: FileKey, item: ReadItem): CacheUpdate | null {
    if (r.kind === 'not-elf') return { key, kind: 'not-elf', payload: EMPTY_PAYLOAD, reuse: null };
    // A standalone copy: small Buffers share Node's allocation pool, and posting one would copy the whole pool.
    if (r.kind === 'malformed') return { key, kind: 'malformed', payload: new Uint8Array(Buffer.from(JSON.stringify(r.error), 'utf8')), reuse: null };
    if (r.kind === 'elf') {
      const held = this.held.get(item.id)?.elf;
      return held ? { key, kind: 'elf', payload: encodeElf(held), reuse: null } : null;
    }
    return null;
  }

  /**
   * completeExports reads the export index of held files whose exports phase 1 deferred
   * and that another file turned out to load. The held facts take the index (so the
   * file's own analysis uses it too), and the cache gets the completed facts.
   */
  completeExports(ids: readonly number[]): ExportsReply {
    const indexes: Float64Array[] = [];
    const updates = this.updateList();
    let bytesRead = 0;
    for (const id of ids) {
      const held = this.held.get(id);
      if (held === undefined) throw new Error(`file ${id} is not held by this engine`);
      let index: Float64Array = new Float64Array(0);
      try {
        const r = exportIndexOf(held.source, held.path, this.arena);
        index = r.index;
        bytesRead += r.bytesRead;
        held.elf.exportIndex = index;
        held.elf.exportsDeferred = false;
        held.elf.selfDefined = [];
        // The completed facts replace the deferred ones in the cache, if the file is still the one read.
        if (held.key !== null && sameKey(held.key, fileKeyOf(r.st))) updates.add(id, { key: held.key, kind: 'elf', payload: encodeElf(held.elf), reuse: null });
      } catch {
        // Gone or changed since phase 1: the file still gets its report; what loads it finds no exports.
      }
      indexes.push(index);
    }
    return { ids: Int32Array.from(ids), indexes, bytesRead, cache: updates.pack() };
  }

  /** lateBytes counts what deferredNames read since the last analysis reply. */
  private lateBytes = 0;

  /** setTree installs the whole tree's library table for phase 2. */
  setTree(table: TreeTable): void {
    const byPath = new Map<string, LoadedLibrary>();
    const views = new Map<string, Float64Array>();
    table.libs.forEach((m, i) => {
      const off = table.spans[i * 2]!;
      const len = table.spans[i * 2 + 1]!;
      const view = table.hashes.subarray(off, off + len);
      views.set(m.abs, view);
      byPath.set(m.abs, libraryOf(m, m.deferred ? this.deferredNames(m) : new NameIndex(view)));
    });
    // Each held file's own index is its slice of the shared table (one copy in memory).
    for (const h of this.held.values()) if (!h.elf.exportsDeferred) h.elf.exportIndex = views.get(h.abs) ?? h.elf.exportIndex;
    this.lookup = treeLookup(byPath, table.libraryPath);
  }

  /**
   * deferredNames is the lookup of a library whose exports nobody completed: the main
   * thread completes every one the tree's lookups find (ScanState.completeExports), so
   * this is a safety net that reads the index from disk on first use, in this thread.
   */
  private deferredNames(m: LibraryMeta): NameLookup {
    let index: NameIndex | null = null;
    const arena = this.arena;
    const engine = this;
    return {
      has(name: string): boolean {
        if (index === null) {
          try {
            const r = exportIndexOf(m.abs, m.abs, arena);
            engine.lateBytes += r.bytesRead;
            index = new NameIndex(r.index);
          } catch {
            index = new NameIndex(new Float64Array(0));
          }
        }
        return index.has(name);
      },
    };
  }

  /** analyze does phase 2 for files this engine read, and forgets them. */
  analyze(ids: readonly number[], mode: AnalyzeMode): Analyzed[] {
    const lookup = this.lookup;
    if (lookup === null) throw new Error('analyze before setTree');
    return ids.map((id) => {
      const held = this.held.get(id);
      if (held === undefined) throw new Error(`file ${id} is not held by this engine`);
      this.held.delete(id);
      let report: FileReport;
      try {
        report = analyzeElf(held.path, held.elf, {
          db: this.db,
          target: this.target,
          lookup,
          packageOf: this.packageOf,
          includeExports: this.init.includeExports,
          debianMusl: this.init.debianMusl === true,
          suppress: this.suppressor ?? undefined,
        });
      } catch (e) {
        report = internalErrorReport(held.path, e);
      }
      const bytesRead = this.lateBytes;
      this.lateBytes = 0;
      return {
        id,
        verdict: report.verdict,
        unresolved: report.unresolved,
        json: mode === 'json' ? fileEntryJson(report, this.init.includeExports) : null,
        report: mode === 'report' ? report : mode === 'lean' ? leanReport(report) : null,
        bytesRead,
      };
    });
  }
}

/** EMPTY_PAYLOAD is the payload of a file with nothing to keep but its kind. */
const EMPTY_PAYLOAD = new Uint8Array(0);

/**
 * UpdateList collects a batch's cache updates in flat arrays (no object per file: a
 * re-scan of /usr makes 140,000), packed into one CacheReply at the end. A fresh payload
 * is written to the new cache file as it is taken (PayloadOut), so only where it lies
 * goes back to the calling thread.
 */
class UpdateList {
  private readonly ids: number[] = [];
  private readonly keys: number[] = [];
  private readonly kinds: number[] = [];
  private readonly reuse: number[] = [];
  private readonly fresh: number[] = [];

  constructor(private readonly out: PayloadOut | null) {}

  /** add takes one file's update. */
  add(id: number, u: CacheUpdate): void {
    const k = u.key;
    this.ids.push(id);
    this.keys.push(k.dev, k.ino, k.size, k.mtimeMs, k.ctimeMs);
    this.kinds.push(CACHED_KINDS.indexOf(u.kind));
    if (u.reuse !== null) {
      this.reuse.push(u.reuse.offset, u.reuse.length, u.reuse.check);
      this.fresh.push(0);
      return;
    }
    const payload = u.payload ?? EMPTY_PAYLOAD;
    const at = payload.byteLength === 0 ? 0 : this.out === null ? -1 : writePayload(this.out, payload);
    this.reuse.push(at, payload.byteLength, payloadCheck(payload));
    this.fresh.push(1);
  }

  /** unchangedNotElf takes a file still not ELF, under its key as `stat` gave it now (it has no payload). */
  unchangedNotElf(id: number, st: Stats): void {
    this.ids.push(id);
    this.keys.push(st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs);
    this.kinds.push(NOT_ELF_KIND);
    this.reuse.push(0, 0, EMPTY_CHECK);
    this.fresh.push(0);
  }

  /** pack is the CacheReply of what was taken (null: nothing). */
  pack(): CacheReply | null {
    if (this.ids.length === 0) return null;
    return { ids: Int32Array.from(this.ids), keys: Float64Array.from(this.keys), kinds: Uint8Array.from(this.kinds), reuse: Float64Array.from(this.reuse), fresh: Uint8Array.from(this.fresh) };
  }
}

/** transferables lists the buffers a read reply can hand over without copying. */
export function transferables(reply: ReadReply): ArrayBuffer[] {
  const out: ArrayBuffer[] = [reply.notElf.buffer as ArrayBuffer, reply.forward.buffer as ArrayBuffer];
  for (const r of reply.found) if (r.kind === 'elf' && r.index.byteLength > 0) out.push(r.index.buffer as ArrayBuffer);
  if (reply.cache !== null) out.push(...cacheTransferables(reply.cache));
  return [...new Set(out)];
}

/** cacheTransferables lists a CacheReply's buffers. */
function cacheTransferables(c: CacheReply): ArrayBuffer[] {
  return [c.ids.buffer as ArrayBuffer, c.keys.buffer as ArrayBuffer, c.kinds.buffer as ArrayBuffer, c.reuse.buffer as ArrayBuffer, c.fresh.buffer as ArrayBuffer];
}

/** statOrNull is a path's stat, or null when it cannot be taken (the general way then says why). */
function statOrNull(path: string): Stats | null {
  try {
    return statSync(path);
  } catch {
    return null;
  }
}

/** libraryOf is the lookup's view of a library: its metadata, and what answers for its names. */
export function libraryOf(m: LibraryMeta, names: NameLookup): LoadedLibrary {
  return { path: m.abs, soname: m.soname, needed: m.needed, rpath: m.rpath, runpath: m.runpath, names };
}

/** exportIndexOf opens a file and reads its export index (readExportIndex), with the file's status as read. */
function exportIndexOf(source: string, path: string, arena: Arena): { index: Float64Array; bytesRead: number; st: Stats } {
  const fd = openSync(source, OPEN_FLAGS);
  try {
    const st = fstatSync(fd);
    return { ...readExportIndex(fd, st.size, path, bindable, arena), st };
  } finally {
    closeSync(fd);
  }
}

/** exportsTransferables lists the buffers an ExportsReply can hand over without copying. */
export function exportsTransferables(reply: ExportsReply): ArrayBuffer[] {
  const out: ArrayBuffer[] = [reply.ids.buffer as ArrayBuffer];
  for (const ix of reply.indexes) if (ix.byteLength > 0) out.push(ix.buffer as ArrayBuffer);
  if (reply.cache !== null) out.push(...cacheTransferables(reply.cache));
  return [...new Set(out)];
}

/** searchDirs lists where the loader looks for a requester's DT_NEEDED: RUNPATH (else RPATH) with $ORIGIN, then its own folder. */
function searchDirs(req: { path: string; rpath: string[] | null; runpath: string[] | null }): string[] {
  const origin = dirname(resolve(req.path));
  const dirs = (req.runpath ?? req.rpath ?? []).filter((d) => d !== '').map((d) => resolve(origin, d.replace(/\$(ORIGIN|\{ORIGIN\})/g, origin)));
  return [...dirs, origin];
}

/** treeLookup finds libraries on --library-path first (as the target's loader would), then in the scanned tree by the loader's search dirs. */
export function treeLookup(byPath: ReadonlyMap<string, LoadedLibrary>, libraryPath: readonly string[]): LibraryLookup {
  // A requester's folders, worked out once: every file asks for each of its DT_NEEDED, and
  // every library it loads asks again for its own (a path names one file, so one dynamic section).
  const dirsOf = new Map<string, string[]>();
  return {
    find(name, req) {
      if (name.includes('/')) return byPath.get(resolve(name)) ?? null;
      for (const d of libraryPath) {
        const lib = byPath.get(resolve(d, name));
        if (lib) return lib;
      }
      let dirs = dirsOf.get(req.path);
      if (dirs === undefined) dirsOf.set(req.path, (dirs = searchDirs(req)));
      for (const d of dirs) {
        const lib = byPath.get(childPath(d, name));
        if (lib) return lib;
      }
      return null;
    },
  };
}

/**
 * childPath is join(dir, name) for a normalised absolute `dir` and a `name` without `/`,
 * without normalising again: a lookup probes a few folders for each DT_NEEDED of each
 * file, and `join` was a third of the lookups' time. `.`, `..` and `` still go through join.
 */
export function childPath(dir: string, name: string): string {
  if (name === '' || name === '.' || name === '..') return join(dir, name);
  return dir.endsWith('/') ? dir + name : `${dir}/${name}`;
}

/** packageFinder returns the nearest package.json above a file (cached per folder). */
export function packageFinder(): (path: string) => PackageInfo | null {
  const cache = new Map<string, PackageInfo | null>();
  const find = (dir: string): PackageInfo | null => {
    if (cache.has(dir)) return cache.get(dir)!;
    let info = packageIn(dir);
    if (info === undefined) {
      const parent = dirname(dir);
      info = parent === dir ? null : find(parent);
    }
    cache.set(dir, info);
    return info;
  };
  return (path: string) => find(dirname(resolve(path)));
}

/**
 * packageIn reads `dir`/package.json: its package, null when it names none, undefined
 * when there is no readable, parsable file (look further up). Most folders have none: a
 * `stat` that returns nothing costs less than the ENOENT error a read throws.
 */
function packageIn(dir: string): PackageInfo | null | undefined {
  const file = join(dir, 'package.json');
  if (statSync(file, { throwIfNoEntry: false }) === undefined) return undefined;
  let pkg: { name?: unknown; version?: unknown; libc?: unknown };
  try {
    pkg = JSON.parse(readFileSync(file, 'utf8')) as typeof pkg;
  } catch {
    return undefined;
  }
  if (pkg === null || typeof pkg !== 'object') return undefined;
  if (typeof pkg.name !== 'string') return null;
  return { name: pkg.name, version: typeof pkg.version === 'string' ? pkg.version : null, libc: Array.isArray(pkg.libc) ? pkg.libc.filter((x): x is string => typeof x === 'string') : null, dir };
}
