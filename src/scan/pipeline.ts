/**
 * pipeline: a scan from paths to per-file reports, in path order.
 *
 *   walk (main thread, sorted depth-first)  ──batches──▶  engines: phase 1, read
 *        every file: sniff 4 bytes, positioned reads of ELF tables, or the cache
 *   whole tree known ──▶ library table (metadata + every export index, shared memory)
 *   engines: phase 2, analyse the files each one read  ──▶  entries in path order
 *
 * With a pool, the calling thread walks, sniffs and writes, but reads no ELF file: the
 * ELF files it meets are forwarded to a worker (EngineOptions.forwardElf). V8 compiles
 * the reader and the analysis once per heap, on background threads that compete for the
 * same cores (2.6 s of compilation in a scan of /usr), and runs them slowly until then:
 * running them in one heap less made a 2-core scan of /usr 15 % faster.
 *
 * Discovery streams into reading: the first batch is read while the walk goes on.
 * Analysis waits for the whole tree, because a library anywhere in it may satisfy any
 * file's DT_NEEDED (RUNPATH, $ORIGIN). Entries are handed out in path order as soon as
 * every earlier one is done, with a bounded window, so a report can be written while
 * the scan runs, in flat memory. Small scans run in the main thread; larger ones on a
 * pool of worker threads (one per core by default). Nothing scanned is ever executed.
 */
import { createHash, type Hash } from 'node:crypto';
import { existsSync, statSync, utimesSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { notElfReport, reportForError } from '../analyze/index.js';
import { READER_REVISION } from '../elf/index.js';
import type { FileKind, FileReport, Verdict } from '../analyze/types.js';
import type { Database, TargetInfo } from '../db/types.js';
import { compileSuppressions, type SuppressionSpec, type Suppressor } from '../plan/suppress.js';
import { fileEntryJson, notElfEntryJson } from '../report/json.js';
import { awaitVerified, cancelVerify, CacheFile, cacheFileName, CacheWriter, DirListings, IndexBuilder, pruneCacheDir, RACY_MS, verifyChunks, verifyJob, type TreeRecord } from './cache.js';
import { Engine, libraryOf, toBatch, treeLookup, type EngineOptions, type AnalyzeMode, type ExportsReply, type Analyzed, type CacheReply, type EngineInit, type ErrorInfo, type LibraryMeta, type ReadBatch, type ReadItem, type ReadReply, type TreeTable } from './engine.js';
import { FileColumns, type KeptEntry } from './columns.js';
import { lendSpares, releaseSpareWorkers, WorkerPool } from './pool.js';
import { absolutePath, displayPath, isDirectory, ListWalker, rootPath, Walker, type EntrySource, type WalkSink } from './walk.js';

/** ScanPhase names the phases ScanOptions.tune is told about. */
export type ScanPhase = 'verify' | 'scan';

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
  /** how many of its ELF files each thread may hold analysed ahead of the report (default ELF_WINDOW; tests set 1). */
  analysisWindow?: number;
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
  /**
   * reuse is asked, once the whole tree has been read with the cache, whether the caller
   * already holds the result for this tree as the report sees it (`fingerprint`: every
   * path and what it is, ELF files with their cache key, every walk error, the package.json
   * files above the ELF files; ScanState.fingerprint). When it answers true, the analysis is
   * skipped and no entry is handed out. Not asked when an ELF file has no key (racy), a
   * package.json above one changed just before the scan, or --library-path brings in files
   * from outside the tree. It may be asked
   * first, before the walk, with the fingerprint the cache file's tree record holds; if
   * the tree then turns out changed, it is asked again after the walk (or not at all).
   * ScanStats.reused says whether the result was reused in the end.
   */
  reuse?: (fingerprint: string, cacheFile: string) => boolean | Promise<boolean>;
  /**
   * tune is told when the scan enters a phase whose best runtime settings differ from the
   * rest: `verify`, the re-scan of a tree the cache describes whole (one `stat` per
   * directory and file, a short uniform loop), then `scan` again once that is over,
   * whatever its outcome. The command lowers V8's interrupt budget for it
   * (bin/muslcheck.cjs); a library caller's runtime is its own business.
   */
  tune?: (phase: ScanPhase) => void;
  /**
   * prior is asked, in mode `json` when the result for this tree state is not at hand,
   * for the ELF entries of an earlier report made from the same inputs to their analysis:
   * `elfDigest` covers every ELF file's path and cache key and every package.json above
   * them (elfDigest); the caller checks the rest (options, target, working directory).
   * When it hands them, in path order, no file is analysed: each ELF file's entry is the
   * earlier one. A file's analysis reads only its own facts, those of the tree's other ELF
   * files (the loader's lookups find nothing else) and the package.json files above it,
   * so none of it can differ.
   */
  prior?: (elfDigest: string, cacheFile: string) => PriorEntries | null | Promise<PriorEntries | null>;
}

/** PriorEntries are an earlier report's ELF entries (ScanOptions.prior). */
export interface PriorEntries {
  /** the ELF files' paths as reported, in path order. */
  paths: readonly string[];
  /** entry i: its JSON text (fileEntryJson's), verdict and unresolved names. */
  entry(i: number): PriorEntry;
}

/** PriorEntry is one ELF file's entry of an earlier report. */
export interface PriorEntry {
  json: string;
  verdict: Verdict;
  unresolved: string[];
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
  /** the caller reused its result for this tree state (see ScanOptions.reuse): nothing was analysed. */
  reused: boolean;
  /** the tree was found unchanged by verifying the cache file's keys, without walking it (see verifyChunks). */
  verified: boolean;
  /** ELF files whose entry came from an earlier report made from the same inputs (see ScanOptions.prior): not analysed. */
  entriesReused: number;
  /** files whose exports phase 1 deferred and another file turned out to load: read after the walk. */
  exportsCompleted: number;
  /** files starting with the ELF magic that the calling thread handed to a worker thread to read and analyse (EngineOptions.forwardElf). */
  forwarded: number;
  directories: number;
  /** directories whose listing came from the cache (unchanged since it was kept) instead of being read. */
  listingsReused: number;
  threads: number;
  maxRssBytes: number;
  /** milliseconds from the start: threads ready, phase 1 (walk and read) done, phase 2 (analysis and output) done. */
  phases: { threadsReady: number; read: number; analyze: number };
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

/** NO_NAMES_LOOKUP answers no name (the lookup completeExports runs needs only paths). */
const NO_NAMES_LOOKUP = { has: (): boolean => false };

/** NO_NAMES is the shared empty list of files that have no unresolved symbols to report. */
const NO_NAMES: readonly string[] = Object.freeze([]);

/** SMALL_SCAN: below this many files, threads cost more than they save. */
const SMALL_SCAN = 512;
/** READ_BATCH is how many files go to a thread at once in phase 1. */
const READ_BATCH = 128;
/** MIN_BATCH is the smallest batch, for the last files of the walk. */
const MIN_BATCH = 8;
/** ANALYZE_BATCH is how many ELF files go to a thread at once in phase 2. */
const ANALYZE_BATCH = 16;
/**
 * MAX_OUTSTANDING is how many batches a worker may have queued: deep enough that it
 * never runs dry while the calling thread is busy with a batch of its own (a batch of
 * not-ELF files is a millisecond of work; a batch of large libraries tens of them).
 */
const MAX_OUTSTANDING = 8;
/**
 * HERE_SHARE: the calling thread's batches are this fraction of a worker's, because it
 * also walks, schedules and writes the report, and must come back to the event loop
 * often to keep the workers fed.
 */
const HERE_SHARE = 4;
/** FINGERPRINT_CHUNK is how many bytes the tree fingerprint hashes at a time. */
const FINGERPRINT_CHUNK = 256 * 1024;
/**
 * ELF_WINDOW bounds how far phase 2 runs ahead of the report: each thread may hold at
 * most this many ELF files analysed (or being analysed) and not yet handed out. It counts
 * ELF files, not files: a window of file ids ran dry in stretches of a tree that are
 * nearly all not ELF (the worker sat idle 0.2-0.3 s of a 1.2-1.6 s phase 2 on /usr while
 * the calling thread wrote such entries). No deadlock: a thread's files are analysed in
 * id order, so the file at the cursor is the first its thread has not handed out, and
 * it is always within that thread's window.
 */
const ELF_WINDOW = 512;

/**
 * Executor runs engine calls on `threads` threads. Thread 0 is the calling thread: its
 * calls run synchronously, inside the call (a batch at a time, between turns of the
 * event loop). Threads 1.. are worker threads. On a 2-core machine that is one worker
 * and the main thread, not two workers and an idle main thread: one V8 heap less, and
 * half the files never cross a thread.
 */
interface Executor {
  threads: number;
  /** calls queued on a worker thread (0 for thread 0). */
  outstanding(t: number): number;
  /** a worker thread with room for another call, or -1 (none, all busy, or not started yet). */
  freeWorker(): number;
  read(t: number, batch: ReadBatch): Promise<ReadReply>;
  /** load decodes the cached ELF facts thread t deferred in phase 1. */
  load(t: number): Promise<ReadReply>;
  /** completeExports reads the deferred export indexes of files thread t holds. */
  completeExports(t: number, ids: number[]): Promise<ExportsReply>;
  tree(table: TreeTable): Promise<unknown>;
  analyze(t: number, ids: number[], mode: AnalyzeMode): Promise<Analyzed[]>;
  close(): Promise<void>;
}

/** makeExecutor runs thread 0 here and threads 1..n on the pool once it has started (null: no pool). */
function makeExecutor(engine: Engine, pool: () => WorkerPool | null, workers: number): Executor {
  return {
    threads: 1 + workers,
    outstanding: (t) => (t === 0 ? 0 : (pool()?.outstanding(t - 1) ?? 0)),
    freeWorker() {
      const p = pool();
      if (p === null) return -1;
      const best = p.leastBusy();
      return p.outstanding(best) < MAX_OUTSTANDING ? best + 1 : -1;
    },
    read: (t, batch) => (t === 0 ? Promise.resolve(engine.read(batch)) : pool()!.read(t - 1, batch)),
    load: (t) => (t === 0 ? Promise.resolve(engine.load()) : pool()!.load(t - 1)),
    completeExports: (t, ids) => (t === 0 ? Promise.resolve(engine.completeExports(ids)) : pool()!.completeExports(t - 1, ids)),
    async tree(table) {
      engine.setTree(table);
      await pool()?.tree(table);
    },
    analyze: (t, ids, mode) => (t === 0 ? Promise.resolve(engine.analyze(ids, mode)) : pool()!.analyze(t - 1, ids, mode)),
    close: async () => pool()?.close(),
  };
}

/** turn lets the event loop run (worker replies, output) before the calling thread takes another batch. */
function turn(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

/** NOT_ELF is the one shared outcome of every not-ELF file. */
const NOT_ELF = Object.freeze({ kind: 'not-elf' as const });

/** Outcome is what phase 1 said about one file, kept by the main thread. */
type Outcome =
  | { kind: 'not-elf' }
  | { kind: 'error'; error: ErrorInfo }
  | { kind: 'elf'; thread: number; lib: number };

/** touch sets a file's times to now, ignoring failure. */
function touch(p: string): void {
  try {
    const now = new Date();
    utimesSync(p, now, now);
  } catch {
    /* gone or read-only: only pruning order suffers */
  }
}

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
 * (made in the worker), with `report` the FileReport, with `lean` the FileReport without
 * its symbol lists. `onEntry` may return a promise
 * (backpressure from a slow writer).
 */
export async function scanStream(paths: string[], opts: ScanOptions, mode: AnalyzeMode, onEntry: (e: ScanEntry) => void | Promise<void>): Promise<ScanStats> {
  const t0 = performance.now();
  const scanStartMs = Date.now();
  const cwd = opts.cwd ?? process.cwd();
  const suppressor: Suppressor | null = opts.suppress ? compileSuppressions(opts.suppress) : null;
  const readMode = opts.includeExports === true ? 'full' : 'lean';

  // The cache: one file per set of scanned directories and read mode.
  let cache: CacheFile | null = null;
  let cachePath: string | null = null;
  let cacheId = '';
  // Only directory scans are cached: a list of files (a pre-commit hook's arguments)
  // changes with every commit and would only leave stale cache files behind.
  const dirRoots = opts.cache && !opts.files ? (paths.length > 0 ? paths : ['.']).map((p) => resolve(cwd, p)).filter(isDirectory) : [];
  if (opts.cache && dirRoots.length > 0) {
    cachePath = cacheFileName(opts.cache.dir, dirRoots, readMode);
    cacheId = `muslcheck ${opts.cache.toolVersion}; reader ${READER_REVISION}; data ${opts.db.fingerprint}; read ${readMode}`;
    cache = CacheFile.open(cachePath, cacheId);
  }
  const jobs = Math.max(1, opts.jobs ?? availableParallelism());
  // What this walk is, for the cache file's tree record (null: the walk is not one a record describes).
  const spec = cachePath !== null && opts.followSymlinks !== true && (opts.libraryPath ?? []).length === 0 ? walkSpec(paths, cwd, opts, readMode) : null;
  // An unchanged tree the cache file describes whole replaces the scan (verifiedTree).
  if (cache !== null && spec !== null && opts.reuse) {
    const stats = await verifiedTree(cache, spec, opts.reuse, jobs, opts.tune);
    if (stats !== null) {
      stats.phases.read = Math.round(performance.now() - t0);
      touch(cache.path);
      cache.close();
      pruneCacheDir(opts.cache!.dir);
      void releaseSpareWorkers();
      return finished(stats, t0);
    }
  }
  // With a cache, the listings of unchanged directories come from it (not when links are followed).
  const listings = cachePath !== null && opts.followSymlinks !== true ? new DirListings(cwd, cache?.listings ?? null, scanStartMs) : null;
  const walker: EntrySource = opts.files ? new ListWalker(opts.files, { include: opts.include, exclude: opts.exclude }) : new Walker(paths, { include: opts.include, exclude: opts.exclude, followSymlinks: opts.followSymlinks, listings });

  // Walk a first slice to decide between the calling thread and a pool. The walk writes
  // straight into the scan's state: no object per file.
  const writer = cachePath === null ? null : new CacheWriter(cachePath, cacheId);
  const state = new ScanState(cwd, cache, writer, scanStartMs);
  const small = opts.smallScan ?? SMALL_SCAN;
  let walkDone = false;
  while (!walkDone && state.count < small) walkDone = !walker.drain(Math.max(1, small), state);
  const init: EngineInit = {
    target: opts.target.id,
    includeExports: opts.includeExports === true,
    debianMusl: opts.debianMusl === true,
    cwd,
    cache: cache === null ? null : { fd: cache.fd, payloadBase: cache.payloadBase },
    cacheWrite: cachePath !== null,
    // Every thread writes the payloads it encodes to the new cache file (PayloadOut).
    cacheOut: writer?.out() ?? null,
    scanStartMs,
    suppress: opts.suppress ?? null,
  };
  // The calling thread is thread 0; worker threads start in the background while the
  // walk and thread 0 go on (loading the database in each takes a tenth of a second).
  const workers = jobs === 1 || (walkDone && state.count < small) ? 0 : jobs - 1;
  // Threads the command started ahead (prestartWorkers) that this scan does not use end now.
  if (workers === 0) void releaseSpareWorkers();
  // With workers, the calling thread only sniffs: the ELF files it meets go to a worker.
  const engine = newEngine(init, { forwardElf: workers > 0 }, state);
  let pool: WorkerPool | null = null;
  let threadsReady = workers === 0 ? Math.round(performance.now() - t0) : 0;
  const starting =
    workers === 0
      ? null
      : WorkerPool.start(workers, init).then((p) => {
          pool = p;
          threadsReady = Math.round(performance.now() - t0);
          return p;
        });
  // A failed start is reported where the pool is awaited; until then thread 0 works alone.
  void starting?.catch(() => undefined);
  const exec = makeExecutor(engine, () => pool, workers);

  const stats = newStats(cachePath, exec.threads);
  let scanned = false;
  try {
    // Phase 1: read everything, while the walk goes on.
    const inflight = new Set<Promise<void>>();
    const track = (p: Promise<void>): void => {
      inflight.add(p);
      void p.finally(() => inflight.delete(p)).catch(() => undefined);
    };
    let lastProgress = 0;
    for (;;) {
      const waiting = state.waiting;
      if (!walkDone && waiting < READ_BATCH * exec.threads * MAX_OUTSTANDING) {
        walkDone = !walker.drain(READ_BATCH * 4, state);
        continue;
      }
      if (walkDone && waiting === 0 && state.forwardWaiting === 0) break;
      // Full batches while the walk goes on; at the end, smaller ones so the threads finish together.
      const size = walkDone ? Math.max(MIN_BATCH, Math.min(READ_BATCH, Math.ceil((waiting + state.forwardWaiting) / (exec.threads * 4)))) : READ_BATCH;
      // Workers first (the ELF files the calling thread forwarded before the rest); the
      // calling thread takes a batch when every worker is busy.
      for (let w = exec.freeWorker(); w > 0 && state.waiting + state.forwardWaiting > 0; w = exec.freeWorker()) {
        const t = w;
        track(exec.read(t, state.batch(state.takeForWorker(size))).then((reply) => state.record(t, reply, stats)));
      }
      if (state.waiting > 0) {
        state.record(0, await exec.read(0, state.batch(state.take(Math.max(1, Math.ceil(size / HERE_SHARE))))), stats);
        if (inflight.size > 0 || starting !== null) await turn();
      } else if (inflight.size > 0) await Promise.race(inflight);
      else if (state.forwardWaiting > 0) await starting; // only forwarded files are left, for a pool still starting
      if (opts.onProgress && state.count - lastProgress >= 1024) {
        lastProgress = state.count;
        opts.onProgress(state.count);
      }
    }
    await Promise.all(inflight);
    stats.directories = walker.directories;
    stats.listingsReused = listings?.reused ?? 0;
    // Every worker must have started: a failure here is a tool error, not a quietly slower scan.
    if (starting !== null) await starting;
    stats.phases.threadsReady = threadsReady;
    stats.phases.read = Math.round(performance.now() - t0);

    // Libraries on --library-path the tree needs (transitively), read for lookup only.
    await state.readLibraryPath(exec, opts.libraryPath ?? [], stats);

    // Phase 2: analyse, in path order, within a window.
    const fingerprint = opts.reuse && (opts.libraryPath ?? []).length === 0 ? state.fingerprint(readMode) : null;
    /** priorEntries are the last report's ELF entries, when every input of their analysis is unchanged (ScanOptions.prior). */
    const priorEntries = async (): Promise<PriorEntries | null> => {
      if (mode !== 'json' || !opts.prior || cachePath === null || (opts.libraryPath ?? []).length > 0) return null;
      const digest = state.elfDigest(readMode);
      const prior = digest === null ? null : await opts.prior(digest, cachePath);
      return prior !== null && state.fitsPrior(prior) ? prior : null;
    };
    let prior: PriorEntries | null = null;
    if (fingerprint !== null && cachePath !== null && (await opts.reuse!(fingerprint, cachePath))) {
      stats.reused = true;
      stats.files = state.count;
    } else if ((prior = await priorEntries()) !== null) {
      // Every ELF file's analysis would be what it was: the earlier entries are written.
      stats.entriesReused = prior.paths.length;
      await state.emitPrior(prior, suppressor, opts.includeExports === true, (entry) => {
        stats.files++;
        return onEntry(entry);
      });
      stats.phases.analyze = Math.round(performance.now() - t0);
    } else {
      // The ELF facts the cache held are decoded now that the analysis runs.
      const loads = await Promise.all(Array.from({ length: exec.threads }, (_, t) => exec.load(t)));
      loads.forEach((reply, t) => state.record(t, reply, stats, true));
      // Exports deferred in phase 1 are read now, for the files something loads.
      await state.completeExports(exec, opts.libraryPath ?? [], stats);
      await exec.tree(state.treeTable(opts.libraryPath ?? []));
      await state.emit(exec, mode, suppressor, opts.includeExports === true, opts.analysisWindow ?? ELF_WINDOW, stats, (entry) => {
        stats.files++;
        return onEntry(entry);
      });
      stats.phases.analyze = Math.round(performance.now() - t0);
    }
    scanned = true;
  } finally {
    const running = pool ?? (starting ? await starting.catch(() => null) : null);
    await running?.close();
    // Given up only once no thread can write to it: its descriptor's number could be reused.
    if (!scanned) state.dropCache();
  }

  if (cachePath !== null) {
    stats.cacheWritten = state.saveCache(stats, listings, spec, readMode);
    // Mark it used (the least recently used cache files are pruned).
    if (!stats.cacheWritten && cache !== null) touch(cachePath);
  }
  cache?.close();
  if (cachePath !== null && opts.cache) pruneCacheDir(opts.cache.dir);
  return finished(stats, t0);
}

/** newEngine builds the calling thread's engine; when that fails (the database), the cache file begun for the scan is given up. */
function newEngine(init: EngineInit, options: EngineOptions, state: ScanState): Engine {
  try {
    return new Engine(init, options);
  } catch (e) {
    state.dropCache();
    throw e;
  }
}

/**
 * verifiedTree is the scan of an unchanged tree, or null. When the cache file describes a
 * whole earlier walk of this same spec (its tree record) and the caller still holds the
 * result for that tree state (`reuse`), every directory's and file's key is checked
 * against the disk, on every thread, without walking (verifyChunks); the started worker
 * threads verify while the caller checks that it holds the result. Null when anything
 * differs: the scan then walks the tree. `tune` is told of the verification's start and end.
 */
async function verifiedTree(cache: CacheFile, spec: string, reuse: NonNullable<ScanOptions['reuse']>, jobs: number, tune: ScanOptions['tune']): Promise<ScanStats | null> {
  const tree = cache.tree;
  if (tree === null || tree.spec !== spec) return null;
  const job = verifyJob(cache);
  const helpers = jobs > 1 ? lendSpares(job) : 0;
  let unchanged = false;
  try {
    if (await reuse(tree.fingerprint, cache.path)) {
      tune?.('verify');
      try {
        verifyChunks(job);
        unchanged = awaitVerified(job);
      } finally {
        tune?.('scan');
      }
    }
  } finally {
    if (!unchanged) cancelVerify(job);
  }
  if (!unchanged) return null;
  const stats = newStats(cache.path, 1 + helpers);
  Object.assign(stats, { files: tree.files, elfFiles: tree.elfFiles, elfBytes: tree.elfBytes, cacheHits: tree.files, directories: tree.directories, listingsReused: tree.directories, reused: true, verified: true });
  return stats;
}

/** finished stamps a scan's figures with its duration and the process's peak memory. */
function finished(stats: ScanStats, t0: number): ScanStats {
  stats.ms = Math.round(performance.now() - t0);
  stats.maxRssBytes = process.resourceUsage().maxRSS * 1024;
  return stats;
}

/** newStats are a scan's figures before it starts. */
function newStats(cacheFile: string | null, threads: number): ScanStats {
  return {
    files: 0,
    elfFiles: 0,
    bytesRead: 0,
    elfBytes: 0,
    ms: 0,
    cacheHits: 0,
    cacheFile,
    cacheWritten: false,
    reused: false,
    verified: false,
    entriesReused: 0,
    exportsCompleted: 0,
    forwarded: 0,
    directories: 0,
    listingsReused: 0,
    threads,
    maxRssBytes: 0,
    phases: { threadsReady: 0, read: 0, analyze: 0 },
  };
}

/**
 * walkSpec names a walk for the cache file's tree record: everything besides the tree
 * itself that decides which paths the walk yields and how they are spelled. The paths as
 * the walk spells them, sorted and once each (the walk sorts and de-duplicates them too).
 */
function walkSpec(paths: readonly string[], cwd: string, opts: ScanOptions, readMode: string): string {
  const roots = [...new Set((paths.length > 0 ? paths : ['.']).map(rootPath))].sort();
  return JSON.stringify({ paths: roots, cwd, include: opts.include ?? [], exclude: opts.exclude ?? [], readMode });
}

/** IdQueue is a first-in, first-out queue of file ids, taken in slices (no shift per id). */
class IdQueue {
  private ids: number[] = [];
  private head = 0;

  get size(): number {
    return this.ids.length - this.head;
  }

  push(id: number): void {
    this.ids.push(id);
  }

  /** take removes up to `n` ids from the front; the taken front is dropped once it is large. */
  take(n: number): number[] {
    const out = this.ids.slice(this.head, this.head + n);
    this.head += out.length;
    if (this.head > 65_536 || this.head === this.ids.length) {
      this.ids = this.ids.slice(this.head);
      this.head = 0;
    }
    return out;
  }
}

/** ScanState is the main thread's view of a scan: every file's path and phase-1 outcome. */
class ScanState implements WalkSink {
  readonly outcomes: Array<Outcome | undefined> = [];
  /**
   * per file: index into dirs and its name. A file's path is built from its directory's
   * display path and its name when needed (`path`), not kept: the walk keeps the names
   * anyway, and 140,000 kept paths of /usr were 20 MB of strings in the main thread.
   */
  private readonly dirOf: number[] = [];
  private readonly names: string[] = [];
  /** each directory's absolute path (the cache's key) and display path. */
  private readonly dirs: string[] = [];
  private readonly dirDisplay: string[] = [];
  /** paths that are not displayPath(dir, name): command-line files, staged files, what the walk could not take. */
  private readonly explicitPaths = new Map<number, string>();
  private readonly dirIndex = new Map<string, number>();
  /** libraries (ELF files of the tree, then --library-path files) for lookup. */
  private readonly libs: LibraryMeta[] = [];
  private readonly indexes: Float64Array[] = [];
  private readonly libByPath = new Map<string, number>();
  /** each library's file id (-1: a --library-path file, not part of the report). */
  private readonly libFile: number[] = [];
  /** the package.json keys above the ELF files, once read (hashPackages; undefined: not yet). */
  private packageKeys: string | null | undefined = undefined;
  /** the fingerprint, once computed (undefined: not yet). */
  private fingerprinted: string | null | undefined = undefined;
  /** cache updates received (files read, or found unchanged in the cache). */
  private updates = 0;
  private hits = 0;
  /** per file: its cache key (when the thread that read it reported one), and what the next cache file keeps. */
  private readonly columns = new FileColumns();
  /** the files waiting to be read. */
  private readonly queue = new IdQueue();
  /** ELF files the calling thread found and left for a worker (EngineOptions.forwardElf). */
  private readonly forwarded = new IdQueue();
  /** where to read a file when not at its path (staged copies). */
  private readonly sources = new Map<number, string>();

  constructor(
    private readonly cwd: string,
    private readonly cache: CacheFile | null,
    /** where the next cache file is written, as the scan goes (null: no cache). */
    private readonly writer: CacheWriter | null,
    /** when the scan began (a package.json changed since shortly before cannot vouch for its contents by its key). */
    private readonly scanStartMs: number,
  ) {}

  /** caching says whether the scan writes a cache (names are then sent with every file). */
  private get caching(): boolean {
    return this.writer !== null;
  }

  get count(): number {
    return this.outcomes.length;
  }

  /** path is the path file `id` is reported under. */
  path(id: number): string {
    return this.explicitPaths.get(id) ?? displayPath(this.dirDisplay[this.dirOf[id]!]!, this.names[id]!);
  }

  /** file registers a file given with its path (WalkSink): a command-line or staged file. */
  file(path: string, dir: string, name: string, source?: string): void {
    const id = this.child(dir, name);
    this.explicitPaths.set(id, path);
    if (source !== undefined) this.sources.set(id, source);
  }

  /** child registers a file the walk found (WalkSink): its id is its place in the report; it waits to be read. */
  child(dir: string, name: string): number {
    const id = this.outcomes.push(undefined) - 1;
    let d = this.dirIndex.get(dir);
    if (d === undefined) {
      d = this.dirs.push(absolutePath(this.cwd, dir)) - 1;
      this.dirDisplay.push(dir);
      this.dirIndex.set(dir, d);
    }
    this.dirOf[id] = d;
    this.names[id] = name;
    this.queue.push(id);
    return id;
  }

  /** unreadable registers a path the walk could not take (WalkSink). */
  unreadable(path: string, reason: string): void {
    const id = this.outcomes.push({ kind: 'error', error: { kind: 'unreadable', message: reason, offset: null, field: null } }) - 1;
    this.dirOf[id] = -1;
    this.explicitPaths.set(id, path);
  }

  /** waiting is the number of files walked but not yet sent to a thread. */
  get waiting(): number {
    return this.queue.size;
  }

  /** forwardWaiting is the number of ELF files the calling thread forwarded that no worker has taken yet. */
  get forwardWaiting(): number {
    return this.forwarded.size;
  }

  /** takeForWorker removes up to `n` files for a worker: forwarded ELF files first, then waiting ones. */
  takeForWorker(n: number): number[] {
    const ids = this.forwarded.take(n);
    return ids.length < n ? ids.concat(this.queue.take(n - ids.length)) : ids;
  }

  /** take removes the next `n` waiting files from the queue. */
  take(n: number): number[] {
    return this.queue.take(n);
  }

  /**
   * batch packs files for a thread: their paths and, with a cache, each cached directory's
   * blob once (the thread decodes it once and keeps it while the walk is in there). Blobs
   * are views of the cache's shared index, so posting one copies nothing.
   */
  batch(ids: readonly number[]): ReadBatch {
    const b: ReadBatch = {
      ids: Int32Array.from(ids),
      paths: ids.map((id) => this.path(id)),
      names: this.caching ? ids.map((id) => this.names[id]!) : null,
      dirOf: null,
      dirs: [],
      sources: this.sources.size > 0 ? ids.map((id) => this.sources.get(id) ?? null) : null,
      libraryOnly: false,
    };
    if (this.cache !== null) {
      const slots = new Map<number, number>();
      const dirOf = new Int32Array(ids.length);
      ids.forEach((id, k) => {
        const d = this.dirOf[id]!;
        let slot = slots.get(d);
        if (slot === undefined) {
          const blob = this.cache!.dirs.get(this.dirs[d]!);
          slot = blob === undefined ? -1 : b.dirs.push({ key: d, blob }) - 1;
          slots.set(d, slot);
        }
        dirOf[k] = slot;
      });
      b.dirOf = dirOf;
    }
    return b;
  }

  /** record stores a phase-1 reply (or, with `loaded`, the decoding of files recorded as `elf-cached` before). */
  record(thread: number, reply: ReadReply, stats: ScanStats, loaded = false): void {
    stats.bytesRead += reply.bytesRead;
    stats.cacheHits += reply.hits;
    this.hits += reply.hits;
    if (reply.cache !== null) this.recordCache(reply.cache);
    for (const id of reply.notElf) {
      if (loaded) this.uncount(id, stats);
      this.outcomes[id] = NOT_ELF;
    }
    for (const id of reply.forward) this.forwarded.push(id);
    stats.forwarded += reply.forward.length;
    for (const r of reply.found) {
      if (r.kind === 'elf') {
        if (!loaded) {
          stats.elfFiles++;
          stats.elfBytes += r.size;
        }
        this.outcomes[r.id] = { kind: 'elf', thread, lib: this.addLibrary(r.meta, r.index, r.id) };
      } else if (r.kind === 'elf-cached') {
        stats.elfFiles++;
        stats.elfBytes += r.size;
        this.outcomes[r.id] = { kind: 'elf', thread, lib: -1 };
      } else {
        if (loaded) this.uncount(r.id, stats);
        this.outcomes[r.id] = { kind: 'error', error: r.error };
      }
    }
  }

  /**
   * recordCache takes a thread's cache updates: each file's key, and what the next cache
   * file keeps for it (a fresh payload was written to it by the thread that encoded it:
   * PayloadOut). A later update of a file (completeExports) replaces the earlier one.
   */
  private recordCache(c: CacheReply): void {
    this.updates += c.ids.length;
    for (let k = 0; k < c.ids.length; k++) {
      const id = c.ids[k]!;
      if (id < 0) continue;
      this.columns.setKey(id, c.keys, k * 5);
      const offset = c.reuse[k * 3]!;
      this.columns.setEntry(id, offset < 0 ? 0 : c.kinds[k]! + 1, c.fresh[k] === 0, offset, c.reuse[k * 3 + 1]!, c.reuse[k * 3 + 2]!);
    }
  }

  /** uncount takes back the ELF count of a cached file that turned out otherwise when loaded. */
  private uncount(id: number, stats: ScanStats): void {
    if (this.outcomes[id]?.kind === 'elf') stats.elfFiles--;
  }

  /**
   * fingerprint hashes everything of the tree that the report depends on: every entry's
   * path and what the scan found it to be (not ELF; ELF, with its cache key, since the
   * analysis reads its contents; or the reason it could not be read), every path the walk
   * could not take and why, and the package.json files above the ELF files (hashPackages).
   * A file that is not ELF is in the report by its path alone, so editing one keeps the
   * fingerprint, and the kept report fits. Null when an ELF file has no key (not cached:
   * racy), or a package.json cannot vouch for its contents.
   */
  fingerprint(readMode: string): string | null {
    if (this.fingerprinted === undefined) this.fingerprinted = this.hashTree(readMode);
    return this.fingerprinted;
  }

  /**
   * elfDigest hashes every input of the ELF files' analysis that the tree holds: each ELF
   * file's path and cache key, in path order, and the key of every package.json in the
   * folders above them (the nearest one names a Node addon's package). Null when an ELF
   * file has no key, or a package.json changed too recently for its key to vouch for it.
   */
  elfDigest(readMode: string): string | null {
    if (!this.caching) return null;
    const h = createHash('sha256').update(`muslcheck elf inputs v1 ${readMode}\n`);
    for (let id = 0; id < this.outcomes.length; id++) {
      if (this.outcomes[id]?.kind !== 'elf') continue;
      if (!this.columns.keyed(id)) return null;
      h.update(`${this.path(id)}\0`);
      this.columns.keysOf(id, id + 1, (b) => void h.update(b));
    }
    return this.hashPackages(h) ? h.digest('hex') : null;
  }

  /**
   * hashPackages adds to `h` the key of every package.json in the folders above the tree's
   * ELF files; false when one changed too recently for its key to vouch for its contents.
   * The keys are taken once per scan (the fingerprint and the ELF digest both hash them).
   */
  private hashPackages(h: Hash): boolean {
    if (this.packageKeys === undefined) this.packageKeys = this.readPackageKeys();
    if (this.packageKeys === null) return false;
    h.update(this.packageKeys);
    return true;
  }

  /** readPackageKeys lists the package.json keys hashPackages hashes; null when one is too recent. */
  private readPackageKeys(): string | null {
    const folders = new Set<string>();
    for (let id = 0; id < this.outcomes.length; id++) {
      if (this.outcomes[id]?.kind !== 'elf') continue;
      for (let dir = this.dirs[this.dirOf[id]!]!; !folders.has(dir); dir = dirname(dir)) {
        folders.add(dir);
        if (dirname(dir) === dir) break;
      }
    }
    let keys = '';
    for (const dir of [...folders].sort()) {
      const st = statSync(join(dir, 'package.json'), { throwIfNoEntry: false });
      if (st === undefined) continue;
      if (st.mtimeMs >= this.scanStartMs - RACY_MS) return null;
      keys += `${dir}\0${st.dev}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}\0`;
    }
    return keys;
  }

  /** fitsPrior says whether an earlier report's ELF entries are this tree's ELF files, in order. */
  fitsPrior(prior: PriorEntries): boolean {
    let k = 0;
    for (let id = 0; id < this.outcomes.length; id++) {
      if (this.outcomes[id]?.kind !== 'elf') continue;
      if (prior.paths[k++] !== this.path(id)) return false;
    }
    return k === prior.paths.length;
  }

  /** emitPrior hands out every entry in path order, each ELF file's from `prior` (mode json). */
  async emitPrior(prior: PriorEntries, suppressor: Suppressor | null, withExports: boolean, out: (e: ScanEntry) => void | Promise<void>): Promise<void> {
    let k = 0;
    for (let id = 0; id < this.outcomes.length; id++) {
      const o = this.outcomes[id]!;
      const path = this.path(id);
      let w: void | Promise<void>;
      if (o.kind === 'elf') {
        const e = prior.entry(k++);
        w = out({ path, kind: 'elf', verdict: e.verdict, unresolved: e.unresolved, report: null, json: e.json });
      } else w = out(this.plainEntry(path, o, 'json', suppressor, withExports));
      if (w) await w;
    }
  }

  /** hashTree computes the fingerprint (see fingerprint). */
  private hashTree(readMode: string): string | null {
    if (!this.caching) return null;
    const h = createHash('sha256').update(`muslcheck report inputs v4 ${readMode}\n`);
    // One update per 256 KiB, not several per file (140,000 small updates cost 0.1 s).
    const buf = Buffer.allocUnsafe(FINGERPRINT_CHUNK);
    let at = 0;
    /** flush hashes what the buffer holds. */
    const flush = (): void => {
      h.update(buf.subarray(0, at));
      at = 0;
    };
    /** room flushes the buffer unless `n` more bytes fit. */
    const room = (n: number): void => {
      if (at + n > buf.length) flush();
    };
    /** text appends a string as UTF-8 (through the hash directly when it is longer than the buffer). */
    const text = (t: string): void => {
      if (t.length * 3 > buf.length) {
        flush();
        h.update(t);
        return;
      }
      room(t.length * 3);
      at += buf.write(t, at, 'utf8');
    };
    /** bytes appends raw bytes (a key). */
    const bytes = (v: Uint8Array): void => {
      room(v.length);
      buf.set(v, at);
      at += v.length;
    };
    /** tag appends one ASCII byte. */
    const tag = (c: number): void => {
      room(1);
      buf[at++] = c;
    };
    /** found appends what file `id` turned out to be (e, x or n); false when it is ELF without a key. */
    const found = (id: number): boolean => {
      const o = this.outcomes[id];
      if (o?.kind === 'elf') {
        if (!this.columns.keyed(id)) return false;
        tag(0x65);
        this.columns.keysOf(id, id + 1, bytes);
      } else if (o?.kind === 'error') text(`x${o.error.kind}\0${o.error.message}\0`);
      else tag(0x6e);
      return true;
    };
    // Records, each starting with a tag: D a run of files of one directory (its display
    // path, how many, their names, then what each is), P a file given by its path (and
    // what it is), E a path the walk could not take (and why). Names and paths end with
    // NUL, which neither can hold.
    const n = this.outcomes.length;
    const explicit = this.explicitPaths.size > 0;
    for (let id = 0; id < n; ) {
      const o = this.outcomes[id];
      const d = this.dirOf[id]!;
      const given = explicit ? this.explicitPaths.get(id) : undefined;
      if (d === -1 && o !== undefined && o.kind === 'error') {
        text(`E${given ?? ''}\0${o.error.message}\0`);
        id++;
        continue;
      }
      if (given !== undefined) {
        text(`P${given}\0`);
        if (!found(id)) return null;
        id++;
        continue;
      }
      const end = this.runEnd(id, explicit);
      text(`D${this.dirDisplay[d]!}\0${end - id}\0`);
      text(`${this.names.slice(id, end).join('\0')}\0`);
      for (let k = id; k < end; k++) if (!found(k)) return null;
      id = end;
    }
    flush();
    return this.hashPackages(h) ? h.digest('hex') : null;
  }

  /**
   * runEnd is where the run of files starting at `id` ends: the files after it of the same
   * directory, in walk order (a subdirectory's files end a run); with `byPath`, a file
   * given by its path ends it too.
   */
  private runEnd(id: number, byPath: boolean): number {
    const n = this.outcomes.length;
    const d = this.dirOf[id]!;
    let end = id + 1;
    while (end < n && this.dirOf[end] === d && !(byPath && this.explicitPaths.has(end))) end++;
    return end;
  }

  /** addLibrary adds an ELF file to the lookup table. */
  private addLibrary(meta: LibraryMeta, index: Float64Array, file: number): number {
    const n = this.libs.push(meta) - 1;
    this.indexes.push(index);
    this.libByPath.set(meta.abs, n);
    this.libFile[n] = file;
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
          if (existsSync(abs)) items.push({ id: nextId--, path: abs, name, libraryOnly: true });
        }
      }
      if (items.length === 0) return;
      names.clear();
      const reply = await exec.read(0, toBatch(items));
      stats.bytesRead += reply.bytesRead;
      for (const r of reply.found) {
        if (r.kind !== 'elf') continue;
        this.addLibrary(r.meta, r.index, -1);
        for (const n of r.meta.needed) names.add(n);
      }
    }
  }

  /**
   * completeExports finds the libraries that some file's DT_NEEDED reaches (the lookup
   * phase 2 uses, asked for every needed name of every ELF file) and, for those whose
   * exports phase 1 deferred, has the thread holding each read its export index.
   */
  async completeExports(exec: Executor, libraryPath: readonly string[], stats: ScanStats): Promise<void> {
    if (!this.libs.some((l) => l.deferred)) return;
    const byPath = new Map(this.libs.map((m) => [m.abs, libraryOf(m, NO_NAMES_LOOKUP)] as const));
    const lookup = treeLookup(byPath, libraryPath.map((d) => resolve(this.cwd, d)));
    // Each deferred file something loads, once, by the thread that holds it.
    const perThread: number[][] = Array.from({ length: exec.threads }, () => []);
    const wanted = new Set<number>();
    for (const m of this.libs) {
      for (const name of m.needed) {
        const found = lookup.find(name, { path: m.abs, rpath: m.rpath, runpath: m.runpath });
        const lib = found === null ? -1 : this.libByPath.get(found.path)!;
        const o = lib < 0 || !this.libs[lib]!.deferred || wanted.has(lib) ? undefined : this.outcomes[this.libFile[lib]!];
        if (o?.kind !== 'elf') continue;
        wanted.add(lib);
        perThread[o.thread]!.push(this.libFile[lib]!);
      }
    }
    const replies = await Promise.all(perThread.map((ids, t) => (ids.length === 0 ? null : exec.completeExports(t, ids))));
    for (const reply of replies) {
      if (reply === null) continue;
      stats.bytesRead += reply.bytesRead;
      stats.exportsCompleted += reply.ids.length;
      reply.ids.forEach((id, k) => {
        const o = this.outcomes[id];
        if (o?.kind !== 'elf') return;
        this.indexes[o.lib] = reply.indexes[k]!;
        this.libs[o.lib]!.deferred = false;
      });
      if (reply.cache !== null) this.recordCache(reply.cache);
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
   * the thread that read them, at most `window` (ELF_WINDOW) of each thread's files ahead
   * of the last entry handed out. A worker gets its next batch as soon as it answers one,
   * so it does not wait while the calling thread writes a long run of entries.
   */
  async emit(exec: Executor, mode: AnalyzeMode, suppressor: Suppressor | null, withExports: boolean, window: number, stats: ScanStats, out: (e: ScanEntry) => void | Promise<void>): Promise<void> {
    const n = this.outcomes.length;
    const queues: number[][] = Array.from({ length: exec.threads }, () => []);
    this.outcomes.forEach((o, id) => {
      if (o?.kind === 'elf') queues[o.thread]!.push(id);
    });
    const heads = new Array<number>(exec.threads).fill(0);
    /** per thread, how many of its ELF files have been handed out. */
    const written = new Array<number>(exec.threads).fill(0);
    const done = new Map<number, Analyzed>();
    const inflight = new Set<Promise<void>>();
    let cursor = 0;
    /**
     * batchFor takes the next ids of thread t's queue that lie within its window. (With
     * workers the calling thread holds no file, since it forwards them all: its queue is
     * empty then, and it analyses only when it is the one thread.)
     */
    const batchFor = (t: number): number[] => {
      const q = queues[t]!;
      const ids: number[] = [];
      while (ids.length < ANALYZE_BATCH && heads[t]! < q.length && heads[t]! - written[t]! < window) ids.push(q[heads[t]!++]!);
      return ids;
    };
    /** dispatchWorkers keeps every worker busy with files inside its window. */
    const dispatchWorkers = (): void => {
      for (let t = 1; t < exec.threads; t++) {
        while (exec.outstanding(t) < MAX_OUTSTANDING) {
          const ids = batchFor(t);
          if (ids.length === 0) break;
          const p = exec.analyze(t, ids, mode).then((rs) => {
            for (const r of rs) done.set(r.id, r);
            dispatchWorkers();
          });
          inflight.add(p);
          void p.finally(() => inflight.delete(p)).catch(() => undefined);
        }
      }
    };
    /** runHere analyses a batch of the calling thread's own files; false when it has none in the window. */
    const runHere = async (): Promise<boolean> => {
      const ids = batchFor(0);
      if (ids.length === 0) return false;
      for (const r of await exec.analyze(0, ids, mode)) done.set(r.id, r);
      return true;
    };
    for (; cursor < n; cursor++) {
      const o = this.outcomes[cursor];
      const path = this.path(cursor);
      if (o === undefined) throw new Error(`no outcome for ${path}`);
      if (o.kind === 'elf') {
        while (!done.has(cursor)) {
          dispatchWorkers();
          // When it is the one thread, the calling thread analyses its files here; when the
          // file at the cursor is its own, that is the next batch it takes.
          if (await runHere()) {
            if (inflight.size > 0) await turn();
            continue;
          }
          if (inflight.size === 0) throw new Error(`analysis of ${path} was never scheduled`);
          await Promise.race(inflight);
        }
        const a = done.get(cursor)!;
        done.delete(cursor);
        written[o.thread]!++;
        stats.bytesRead += a.bytesRead;
        const w = out({ path, kind: 'elf', verdict: a.verdict, unresolved: a.unresolved, report: a.report, json: a.json });
        if (w) await w;
      } else {
        const w = out(this.plainEntry(path, o, mode, suppressor, withExports));
        if (w) await w;
      }
    }
    await Promise.all(inflight);
  }

  /** plainEntry is the entry of a file the calling thread reports itself: not ELF, or not readable as ELF. */
  private plainEntry(path: string, o: Exclude<Outcome, { kind: 'elf' }>, mode: AnalyzeMode, suppressor: Suppressor | null, withExports: boolean): ScanEntry {
    if (o.kind === 'not-elf') return { path, kind: 'not-elf', verdict: null, unresolved: NO_NAMES, report: mode === 'json' ? null : notElfReport(path), json: mode === 'json' ? notElfEntryJson(path, notElfReport) : null };
    const r = reportForError(path, { kind: o.error.kind, reason: o.error.message, offset: o.error.offset, field: o.error.field }, suppressor ?? undefined);
    return { path, kind: r.kind, verdict: r.verdict, unresolved: NO_NAMES, report: mode === 'json' ? null : r, json: mode === 'json' ? fileEntryJson(r, withExports) : null };
  }

  /**
   * saveCache finishes the cache file when anything changed (a file read from disk, a
   * cached file gone, a directory listed afresh): unchanged payloads are copied from the
   * old file, then the index goes after the payloads. Otherwise, or when it cannot be
   * written (read-only home, full disk), nothing replaces the old file: that only costs
   * the next run its speed.
   */
  saveCache(stats: ScanStats, listings: DirListings | null, spec: string | null, readMode: string): boolean {
    const w = this.writer;
    if (w === null) return false;
    const unchanged = this.cache !== null && this.hits === this.updates && this.hits === this.cache.entries && this.hits === stats.cacheHits && (listings === null || listings.unchanged);
    // An unchanged file is kept unless its tree record names another walk (other globs, say).
    const sameWalk = this.cache?.tree == null || this.cache.tree.spec === spec;
    if ((unchanged && sameWalk) || (this.updates === 0 && (listings?.kept.size ?? 0) === 0)) {
      w.abandon();
      return false;
    }
    // Listings are kept as they were when this scan did not use them (links followed).
    const kept: ReadonlyMap<string, Uint8Array> = listings?.kept ?? this.cache?.listings ?? new Map();
    // Each directory's files in walk order: its subdirectories' files may split them into runs.
    const runs = new Map<number, number[]>();
    const n = this.outcomes.length;
    for (let id = 0; id < n; ) {
      const d = this.dirOf[id]!;
      const end = this.runEnd(id, false);
      if (d >= 0) {
        const r = runs.get(d);
        if (r) r.push(id, end);
        else runs.set(d, [id, end]);
      }
      id = end;
    }
    const index = new IndexBuilder();
    let entries = 0;
    const written = new Set<string>();
    const entry: KeptEntry = { kind: 0, fromOld: false, offset: 0, length: 0, check: 0 };
    for (const [d, r] of runs) {
      const dir = this.dirs[d]!;
      let open = false;
      for (let i = 0; i < r.length; i += 2) {
        for (let id = r[i]!; id < r[i + 1]!; id++) {
          if (!this.columns.entryInto(id, entry)) continue;
          let offset = entry.offset;
          if (entry.fromOld && entry.length > 0) {
            offset = this.cache === null ? -1 : w.copy(this.cache, entry);
            if (offset < 0) continue; // no longer checks out: not kept
          }
          if (!open) {
            index.dir(dir);
            open = true;
          }
          index.entry(this.names[id]!, this.columns.keyBlock(id), this.columns.keyIndex(id), entry.kind - 1, offset, entry.length, entry.check);
          entries++;
        }
      }
      if (open) {
        index.listing(kept.get(dir));
        written.add(dir);
      }
    }
    for (const [dir, bytes] of kept) {
      if (written.has(dir)) continue;
      index.dir(dir);
      index.listing(bytes);
    }
    index.end(this.treeRecord(stats, listings, spec, readMode, entries));
    return w.finish(index) >= 0;
  }

  /**
   * treeRecord is the tree record of the cache file being written, when it describes this
   * whole walk (TreeRecord): an entry for every file (so every file keyed), a listing for
   * every directory entered, nothing the walk could not take, and a fingerprint.
   */
  private treeRecord(stats: ScanStats, listings: DirListings | null, spec: string | null, readMode: string, entries: number): TreeRecord | null {
    // A path the walk could not take has no entry, so `entries` falls short of the count then.
    if (spec === null || listings === null || entries !== this.outcomes.length || listings.kept.size !== stats.directories) return null;
    const fingerprint = this.fingerprint(readMode);
    if (fingerprint === null) return null;
    return { spec, fingerprint, files: this.outcomes.length, elfFiles: stats.elfFiles, elfBytes: stats.elfBytes, directories: stats.directories };
  }

  /** dropCache gives up the cache file being written (the scan failed). */
  dropCache(): void {
    this.writer?.abandon();
  }
}
