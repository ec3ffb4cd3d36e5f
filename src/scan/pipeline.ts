/**
 * pipeline: a scan from paths to per-file reports, in path order.
 *
 *   walk (main thread, sorted depth-first)  ──batches──▶  engines: phase 1, read
 *        every file: sniff 4 bytes, positioned reads of ELF tables, or the cache
 *   whole tree known ──▶ library table (metadata + every export index, shared memory)
 *   engines: phase 2, analyse the files each one read  ──▶  entries in path order
 *
 * Discovery streams into reading: the first batch is read while the walk goes on.
 * Analysis waits for the whole tree, because a library anywhere in it may satisfy any
 * file's DT_NEEDED (RUNPATH, $ORIGIN). Entries are handed out in path order as soon as
 * every earlier one is done, with a bounded window, so a report can be written while
 * the scan runs, in flat memory. Small scans run in the main thread; larger ones on a
 * pool of worker threads (one per core by default). Nothing scanned is ever executed.
 */
import { existsSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import { notElfReport, reportForError } from '../analyze/index.js';
import type { FileKind, FileReport, Verdict } from '../analyze/types.js';
import type { Database, TargetInfo } from '../db/types.js';
import { compileSuppressions, type SuppressionSpec, type Suppressor } from '../plan/suppress.js';
import { fileEntryJson, notElfEntryJson } from '../report/json.js';
import { CacheFile, cacheFileName, pruneCacheDir, writeCacheFile, type NewEntry } from './cache.js';
import { Engine, type AnalyzeMode, type Analyzed, type EngineInit, type ErrorInfo, type LibraryMeta, type ReadBatch, type ReadItem, type ReadResult, type TreeTable } from './engine.js';
import { WorkerPool } from './pool.js';
import { ListWalker, Walker, type EntrySource, type WalkEntry } from './walk.js';

/** ScanOptions are the knobs of one scan. */
export interface ScanOptions {
  include?: string[];
  exclude?: string[];
  followSymlinks?: boolean;
  libraryPath?: string[];
  target: TargetInfo;
  db: Database;
  /** the persistent cache: where it lives and the tool version that owns it; null or absent: no cache. */
  cache?: { dir: string; toolVersion: string } | null;
  /** worker threads; 1 runs everything in the calling thread (default: one per core). */
  jobs?: number;
  /** below this many files the scan stays in the calling thread, where threads cost more than they save (default 512). */
  smallScan?: number;
  includeExports?: boolean;
  /** resolve against Debian's musl exports (the oracle tests only). */
  debianMusl?: boolean;
  /** accepted findings (config allowlist, baseline). */
  suppress?: SuppressionSpec | null;
  /** the directory relative paths are taken from (default: process.cwd()). */
  cwd?: string;
  /** scan exactly these files instead of walking `paths` (`--staged`): reported as `path`, read from `source`. */
  files?: ReadonlyArray<{ path: string; source: string }>;
  onProgress?: (files: number) => void;
}

/** ScanStats are the figures a benchmark wants. */
export interface ScanStats {
  files: number;
  elfFiles: number;
  /** every byte read from scanned files (magic sniffs included). */
  bytesRead: number;
  /** the size of every ELF file scanned. */
  elfBytes: number;
  ms: number;
  /** files whose reading came from the cache. */
  cacheHits: number;
  /** the cache file used (null: no cache), and whether this run rewrote it. */
  cacheFile: string | null;
  cacheWritten: boolean;
  directories: number;
  threads: number;
  maxRssBytes: number;
}

/** ScanEntry is one file's outcome, in path order: the report, or its JSON rendering. */
export interface ScanEntry {
  path: string;
  kind: FileKind;
  verdict: Verdict | null;
  unresolved: readonly string[];
  report: FileReport | null;
  json: string | null;
}

/** ScanResult is every file's report, sorted by path, and the figures. */
export interface ScanResult {
  reports: FileReport[];
  stats: ScanStats;
}

/** SMALL_SCAN: below this many files, threads cost more than they save. */
const SMALL_SCAN = 512;
/** READ_BATCH is how many files go to a thread at once in phase 1. */
const READ_BATCH = 128;
/** ANALYZE_BATCH is how many ELF files go to a thread at once in phase 2. */
const ANALYZE_BATCH = 16;
/** MAX_OUTSTANDING is how many batches a thread may have queued. */
const MAX_OUTSTANDING = 3;
/** WINDOW bounds how far phase 2 runs ahead of the report (files held in memory). */
const WINDOW = 2048;

/** Executor is where engine calls run: the calling thread, or a pool. */
interface Executor {
  threads: number;
  outstanding(t: number): number;
  leastBusy(): number;
  read(t: number, batch: ReadBatch): Promise<ReadResult[]>;
  tree(table: TreeTable): Promise<unknown>;
  analyze(t: number, ids: number[], mode: AnalyzeMode): Promise<Analyzed[]>;
  close(): Promise<void>;
}

/** inlineExecutor runs one engine in the calling thread. */
function inlineExecutor(init: EngineInit): Executor {
  const engine = new Engine(init);
  return {
    threads: 1,
    outstanding: () => 0,
    leastBusy: () => 0,
    read: async (_t, batch) => engine.read(batch),
    tree: async (table) => engine.setTree(table),
    analyze: async (_t, ids, mode) => engine.analyze(ids, mode),
    close: async () => undefined,
  };
}

/** poolExecutor runs engines on worker threads. */
async function poolExecutor(size: number, init: EngineInit): Promise<Executor> {
  const pool = await WorkerPool.start(size, init);
  return {
    threads: pool.size,
    outstanding: (t) => pool.outstanding(t),
    leastBusy: () => pool.leastBusy(),
    read: (t, batch) => pool.read(t, batch),
    tree: (table) => pool.tree(table),
    analyze: (t, ids, mode) => pool.analyze(t, ids, mode),
    close: () => pool.close(),
  };
}

/** Outcome is what phase 1 said about one file, kept by the main thread. */
type Outcome =
  | { kind: 'not-elf' }
  | { kind: 'error'; error: ErrorInfo }
  | { kind: 'elf'; thread: number; lib: number };

/** scanPaths scans files and directories and returns one report per file considered, sorted by path. */
export async function scanPaths(paths: string[], opts: ScanOptions): Promise<ScanResult> {
  const reports: FileReport[] = [];
  const stats = await scanStream(paths, opts, 'report', (e) => {
    reports.push(e.report!);
  });
  return { reports, stats };
}

/**
 * scanStream scans and hands each file's entry to `onEntry` in path order, as soon as
 * every earlier one is ready. With mode `json` the entry carries its JSON rendering
 * (made in the worker), with `report` the FileReport. `onEntry` may return a promise
 * (backpressure from a slow writer).
 */
export async function scanStream(paths: string[], opts: ScanOptions, mode: AnalyzeMode, onEntry: (e: ScanEntry) => void | Promise<void>): Promise<ScanStats> {
  const t0 = performance.now();
  const scanStartMs = Date.now();
  const cwd = opts.cwd ?? process.cwd();
  const walker: EntrySource = opts.files ? new ListWalker(opts.files) : new Walker(paths, { include: opts.include, exclude: opts.exclude, followSymlinks: opts.followSymlinks });
  const suppressor: Suppressor | null = opts.suppress ? compileSuppressions(opts.suppress) : null;
  const readMode = opts.includeExports === true ? 'full' : 'lean';

  // The cache: one file per set of scanned directories and read mode.
  let cache: CacheFile | null = null;
  let cachePath: string | null = null;
  let cacheId = '';
  if (opts.cache && !opts.files) {
    const dirRoots = (paths.length > 0 ? paths : ['.']).map((p) => resolve(cwd, p)).filter((p) => existsSync(p));
    cachePath = cacheFileName(opts.cache.dir, dirRoots, readMode);
    cacheId = `muslcheck ${opts.cache.toolVersion}; data ${opts.db.fingerprint}; read ${readMode}`;
    cache = CacheFile.open(cachePath, cacheId);
  }

  // Walk a first slice to decide between the calling thread and a pool.
  const small = opts.smallScan ?? SMALL_SCAN;
  const entries: WalkEntry[] = [];
  let walkDone = false;
  while (!walkDone && entries.length < small) {
    const got = walker.next(Math.max(1, small));
    if (got === null) walkDone = true;
    else entries.push(...got);
  }
  const jobs = Math.max(1, opts.jobs ?? availableParallelism());
  const init: EngineInit = {
    target: opts.target.id,
    includeExports: opts.includeExports === true,
    debianMusl: opts.debianMusl === true,
    cwd,
    cache: cache === null ? null : { fd: cache.fd, payloadBase: cache.payloadBase },
    cacheWrite: cachePath !== null,
    scanStartMs,
    suppress: opts.suppress ?? null,
  };
  const exec = jobs === 1 || (walkDone && entries.length < small) ? inlineExecutor(init) : await poolExecutor(jobs, init);

  const state = new ScanState(cwd, cache);
  const stats: ScanStats = {
    files: 0,
    elfFiles: 0,
    bytesRead: 0,
    elfBytes: 0,
    ms: 0,
    cacheHits: 0,
    cacheFile: cachePath,
    cacheWritten: false,
    directories: 0,
    threads: exec.threads,
    maxRssBytes: 0,
  };
  try {
    // Phase 1: read everything, while the walk goes on.
    const inflight = new Set<Promise<void>>();
    const track = (p: Promise<void>): void => {
      inflight.add(p);
      void p.finally(() => inflight.delete(p)).catch(() => undefined);
    };
    let queued: ReadItem[] = [];
    const take = (e: WalkEntry): void => {
      const id = state.add(e);
      if (e.kind === 'file') queued.push({ id, path: e.path, dir: -1, name: e.name, ...(e.source !== undefined ? { source: e.source } : {}) });
      else state.outcomes[id] = { kind: 'error', error: { kind: 'unreadable', message: e.reason, offset: null, field: null } };
    };
    for (const e of entries) take(e);
    let lastProgress = 0;
    for (;;) {
      if (!walkDone && queued.length < READ_BATCH * exec.threads * MAX_OUTSTANDING) {
        const got = walker.next(READ_BATCH * 4);
        if (got === null) walkDone = true;
        else for (const e of got) take(e);
      }
      let dispatched = false;
      while (queued.length >= READ_BATCH || (walkDone && queued.length > 0)) {
        const t = exec.leastBusy();
        if (exec.threads > 1 && exec.outstanding(t) >= MAX_OUTSTANDING) break;
        const items = queued.slice(0, READ_BATCH);
        queued = queued.slice(READ_BATCH);
        track(exec.read(t, state.batch(items)).then((results) => state.record(t, results, stats)));
        dispatched = true;
      }
      if (opts.onProgress && state.count - lastProgress >= 1024) {
        lastProgress = state.count;
        opts.onProgress(state.count);
      }
      if (walkDone && queued.length === 0) break;
      if (!dispatched && inflight.size > 0 && (walkDone || queued.length >= READ_BATCH)) await Promise.race(inflight);
    }
    await Promise.all(inflight);
    stats.directories = walker.directories;

    // Libraries on --library-path the tree needs (transitively), read for lookup only.
    await state.readLibraryPath(exec, opts.libraryPath ?? [], stats);

    // Phase 2: analyse, in path order, within a window.
    await exec.tree(state.treeTable(opts.libraryPath ?? []));
    await state.emit(exec, mode, suppressor, opts.includeExports === true, async (entry) => {
      stats.files++;
      await onEntry(entry);
    });
  } finally {
    await exec.close();
  }

  if (cachePath !== null) stats.cacheWritten = state.saveCache(cachePath, cacheId, stats);
  cache?.close();
  if (cachePath !== null && opts.cache) pruneCacheDir(opts.cache.dir);
  stats.ms = Math.round(performance.now() - t0);
  stats.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  return stats;
}

/** ScanState is the main thread's view of a scan: every file's path and phase-1 outcome. */
class ScanState {
  readonly paths: string[] = [];
  readonly outcomes: Array<Outcome | undefined> = [];
  /** per file: index into dirs (the directory's absolute path) and its name, for the cache. */
  private readonly dirOf: number[] = [];
  private readonly names: string[] = [];
  private readonly dirs: string[] = [];
  private readonly dirIndex = new Map<string, number>();
  /** libraries (ELF files of the tree, then --library-path files) for lookup. */
  private readonly libs: LibraryMeta[] = [];
  private readonly indexes: Float64Array[] = [];
  private readonly libByPath = new Map<string, number>();
  private readonly updates = new Map<number, NewEntry>();
  private hits = 0;

  constructor(
    private readonly cwd: string,
    private readonly cache: CacheFile | null,
  ) {}

  get count(): number {
    return this.paths.length;
  }

  /** add registers a walked entry and returns its id (its place in the report). */
  add(e: WalkEntry): number {
    const id = this.paths.length;
    this.paths.push(e.path);
    this.outcomes.push(undefined);
    if (e.kind === 'file') {
      let d = this.dirIndex.get(e.dir);
      if (d === undefined) {
        d = this.dirs.length;
        this.dirs.push(resolve(this.cwd, e.dir));
        this.dirIndex.set(e.dir, d);
      }
      this.dirOf[id] = d;
      this.names[id] = e.name;
    } else {
      this.dirOf[id] = -1;
      this.names[id] = '';
    }
    return id;
  }

  /** batch attaches the cached entries of the batch's directories. */
  batch(items: ReadItem[]): ReadBatch {
    const blobs: Uint8Array[] = [];
    if (this.cache !== null) {
      const local = new Map<number, number>();
      for (const it of items) {
        const d = this.dirOf[it.id];
        if (d === undefined || d < 0) continue;
        let k = local.get(d);
        if (k === undefined) {
          const blob = this.cache.dirs.get(this.dirs[d]!);
          k = blob === undefined ? -1 : blobs.push(blob) - 1;
          local.set(d, k);
        }
        it.dir = k;
      }
    }
    return { items, dirs: blobs };
  }

  /** record stores phase-1 results. */
  record(thread: number, results: ReadResult[], stats: ScanStats): void {
    for (const r of results) {
      stats.bytesRead += r.bytesRead;
      if (r.hit) {
        stats.cacheHits++;
        this.hits++;
      }
      if (r.cache !== null) this.updates.set(r.id, { name: this.names[r.id]!, key: r.cache.key, kind: r.cache.kind, payload: r.cache.payload, reuse: r.cache.reuse });
      if (r.kind === 'not-elf') this.outcomes[r.id] = { kind: 'not-elf' };
      else if (r.kind === 'elf') {
        stats.elfFiles++;
        stats.elfBytes += r.size;
        this.outcomes[r.id] = { kind: 'elf', thread, lib: this.addLibrary(r.meta, r.index) };
      } else this.outcomes[r.id] = { kind: 'error', error: r.error };
    }
  }

  /** addLibrary adds an ELF file to the lookup table. */
  private addLibrary(meta: LibraryMeta, index: Float64Array): number {
    const n = this.libs.push(meta) - 1;
    this.indexes.push(index);
    this.libByPath.set(meta.abs, n);
    return n;
  }

  /** readLibraryPath reads the --library-path files the tree's DT_NEEDED names reach, until none is new. */
  async readLibraryPath(exec: Executor, libraryPath: readonly string[], stats: ScanStats): Promise<void> {
    if (libraryPath.length === 0) return;
    const tried = new Set<string>();
    const names = new Set<string>();
    for (const l of this.libs) for (const n of l.needed) names.add(n);
    let nextId = -1;
    for (;;) {
      const items: ReadItem[] = [];
      for (const name of names) {
        for (const dir of libraryPath) {
          const abs = resolve(this.cwd, dir, name);
          if (tried.has(abs) || this.libByPath.has(abs)) continue;
          tried.add(abs);
          if (existsSync(abs)) items.push({ id: nextId--, path: abs, dir: -1, name, libraryOnly: true });
        }
      }
      if (items.length === 0) return;
      names.clear();
      const results = await exec.read(0, { items, dirs: [] });
      for (const r of results) {
        stats.bytesRead += r.bytesRead;
        if (r.kind !== 'elf') continue;
        this.addLibrary(r.meta, r.index);
        for (const n of r.meta.needed) names.add(n);
      }
    }
  }

  /** treeTable packs every library's metadata and export index (one shared array for all threads). */
  treeTable(libraryPath: readonly string[]): TreeTable {
    let total = 0;
    for (const ix of this.indexes) total += ix.length;
    const hashes = new Float64Array(new SharedArrayBuffer(Math.max(8, total * 8)), 0, total);
    const spans = new Float64Array(this.libs.length * 2);
    let at = 0;
    this.indexes.forEach((ix, i) => {
      hashes.set(ix, at);
      spans[i * 2] = at;
      spans[i * 2 + 1] = ix.length;
      at += ix.length;
    });
    this.indexes.length = 0; // the shared copy is the one that lives on
    return { libs: this.libs, spans, hashes, libraryPath: libraryPath.map((d) => resolve(this.cwd, d)) };
  }

  /**
   * emit runs phase 2 and hands out every entry in path order. ELF files are analysed by
   * the thread that read them, at most WINDOW files ahead of the last entry handed out.
   */
  async emit(exec: Executor, mode: AnalyzeMode, suppressor: Suppressor | null, withExports: boolean, out: (e: ScanEntry) => Promise<void>): Promise<void> {
    const n = this.paths.length;
    const queues: number[][] = Array.from({ length: exec.threads }, () => []);
    this.outcomes.forEach((o, id) => {
      if (o?.kind === 'elf') queues[o.thread]!.push(id);
    });
    const heads = new Array<number>(exec.threads).fill(0);
    const done = new Map<number, Analyzed>();
    const inflight = new Set<Promise<void>>();
    let cursor = 0;
    const dispatch = (): void => {
      for (let t = 0; t < exec.threads; t++) {
        const q = queues[t]!;
        while (heads[t]! < q.length && (exec.threads === 1 || exec.outstanding(t) < MAX_OUTSTANDING) && q[heads[t]!]! < cursor + WINDOW) {
          const ids: number[] = [];
          while (ids.length < ANALYZE_BATCH && heads[t]! < q.length && q[heads[t]!]! < cursor + WINDOW) ids.push(q[heads[t]!++]!);
          const p = exec.analyze(t, ids, mode).then((rs) => {
            for (const r of rs) done.set(r.id, r);
          });
          inflight.add(p);
          void p.finally(() => inflight.delete(p)).catch(() => undefined);
          if (exec.threads === 1) return;
        }
      }
    };
    for (; cursor < n; cursor++) {
      const o = this.outcomes[cursor];
      const path = this.paths[cursor]!;
      if (o === undefined) throw new Error(`no outcome for ${path}`);
      if (o.kind === 'elf') {
        dispatch();
        while (!done.has(cursor)) {
          dispatch();
          if (inflight.size === 0) throw new Error(`analysis of ${path} was never scheduled`);
          await Promise.race(inflight);
        }
        const a = done.get(cursor)!;
        done.delete(cursor);
        await out({ path, kind: 'elf', verdict: a.verdict, unresolved: a.unresolved, report: a.report, json: a.json });
      } else if (o.kind === 'not-elf') {
        await out({ path, kind: 'not-elf', verdict: null, unresolved: [], report: mode === 'report' ? notElfReport(path) : null, json: mode === 'json' ? notElfEntryJson(path, notElfReport) : null });
      } else {
        const r = reportForError(path, { kind: o.error.kind, reason: o.error.message, offset: o.error.offset, field: o.error.field }, suppressor ?? undefined);
        await out({ path, kind: r.kind, verdict: r.verdict, unresolved: [], report: mode === 'report' ? r : null, json: mode === 'json' ? fileEntryJson(r, withExports) : null });
      }
    }
    await Promise.all(inflight);
  }

  /**
   * saveCache rewrites the cache file when anything changed (a file read from disk, or a
   * cached file gone). Unchanged payloads are copied from the old file. Failure to write
   * (read-only home, full disk) only costs the next run its speed.
   */
  saveCache(path: string, id: string, stats: ScanStats): boolean {
    const unchanged = this.cache !== null && this.hits === this.updates.size && this.hits === this.cache.entries && this.hits === stats.cacheHits;
    if (unchanged || this.updates.size === 0) return false;
    const byDir = new Map<string, NewEntry[]>();
    for (const [fileId, e] of this.updates) {
      const d = this.dirs[this.dirOf[fileId]!]!;
      const list = byDir.get(d);
      if (list) list.push(e);
      else byDir.set(d, [e]);
    }
    try {
      writeCacheFile(path, id, byDir, this.cache);
      return true;
    } catch {
      return false;
    }
  }
}
