/**
 * pipeline: scanPaths finds the files, reads every ELF file with positioned reads, finds
 * the libraries each one needs (in the scanned tree, then on --library-path), and runs the
 * analysis. Discovery streams into reading; nothing scanned is ever executed.
 */
import { open, lstat, stat } from 'node:fs/promises';
import { readFileSync, openSync, readSync, closeSync, fstatSync } from 'node:fs';
import { dirname, join, resolve, sep } from 'node:path';
import fg from 'fast-glob';
import { readElfFromHandle, isElfMagic, ElfError, type ElfInfo } from '../elf/index.js';
import { analyzeElf, reportForError, type LibraryLookup, type LoadedLibrary, type PackageInfo } from '../analyze/index.js';
import type { FileReport } from '../analyze/types.js';
import type { Database, TargetInfo } from '../db/types.js';

/** ScanOptions are the knobs of one scan. */
export interface ScanOptions {
  include?: string[];
  exclude?: string[];
  followSymlinks?: boolean;
  libraryPath?: string[];
  target: TargetInfo;
  db: Database;
  cache?: boolean;
  jobs?: number;
  includeExports?: boolean;
  staged?: boolean;
  onProgress?: (files: number) => void;
}

/** ScanStats are the figures a benchmark wants. */
export interface ScanStats {
  files: number;
  elfFiles: number;
  bytesRead: number;
  elfBytes: number;
  ms: number;
  cacheHits: number;
  maxRssBytes: number;
}

/** ScanResult is every file's report, sorted by path, and the figures. */
export interface ScanResult {
  reports: FileReport[];
  stats: ScanStats;
}

/** READ_CONCURRENCY bounds the files open at once. */
const READ_CONCURRENCY = 32;
/** FOLLOW_DEPTH bounds directory depth when following symlinks (a loop ends there). */
const FOLLOW_DEPTH = 40;

interface Scanned {
  path: string;
  elf: ElfInfo | null;
  error: ElfError | null;
  size: number;
}

/** scanPaths scans files and directories and returns one report per file considered. */
export async function scanPaths(paths: string[], opts: ScanOptions): Promise<ScanResult> {
  const t0 = performance.now();
  if (opts.staged) throw new Error('--staged is not supported by this build yet');
  const scanned: Scanned[] = [];
  let seen = 0;
  const inFlight = new Set<Promise<void>>();
  const visit = async (path: string): Promise<void> => {
    scanned.push(await readOne(path));
    seen++;
    if (seen % 256 === 0) opts.onProgress?.(seen);
  };
  for await (const path of discover(paths.length > 0 ? paths : ['.'], opts)) {
    const p = visit(path).finally(() => inFlight.delete(p));
    inFlight.add(p);
    if (inFlight.size >= READ_CONCURRENCY) await Promise.race(inFlight);
  }
  await Promise.all(inFlight);

  const tree = new Map<string, Scanned>();
  for (const s of scanned) if (s.elf) tree.set(resolve(s.path), s);
  const extra = await preloadLibraryPath(scanned, opts.libraryPath ?? []);
  const lookup = treeLookup(tree, extra, opts.libraryPath ?? []);
  const packageOf = packageFinder();

  const reports: FileReport[] = [];
  let bytesRead = 0;
  let elfBytes = 0;
  for (const s of scanned) {
    if (s.elf) {
      bytesRead += s.elf.bytesRead;
      elfBytes += s.size;
      reports.push(analyzeElf(s.path, s.elf, { db: opts.db, target: opts.target, lookup, packageOf, includeExports: opts.includeExports === true }));
    } else if (s.error) {
      reports.push(reportForError(s.path, s.error));
    }
  }
  reports.sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return {
    reports,
    stats: {
      files: scanned.length,
      elfFiles: tree.size,
      bytesRead,
      elfBytes,
      ms: Math.round(performance.now() - t0),
      cacheHits: 0,
      maxRssBytes: process.resourceUsage().maxRSS * 1024,
    },
  };
}

/**
 * discover yields every regular file under the paths. A path given explicitly is taken
 * even when it is a symlink; inside directories symlinks are skipped unless followed.
 * FIFOs, sockets and devices are never yielded (fast-glob's onlyFiles keeps regular files).
 */
async function* discover(paths: string[], opts: ScanOptions): AsyncGenerator<string> {
  for (const p of paths) {
    const st = await stat(p).catch(() => null);
    if (st === null) {
      const l = await lstat(p).catch(() => null);
      // A dangling symlink or a missing path is still a file the user asked about.
      yield p;
      if (l === null) continue;
      continue;
    }
    if (st.isFile()) {
      yield p;
      continue;
    }
    if (!st.isDirectory()) continue;
    const stream = fg.stream(opts.include && opts.include.length > 0 ? opts.include : ['**'], {
      cwd: p,
      dot: true,
      onlyFiles: true,
      followSymbolicLinks: opts.followSymlinks === true,
      deep: opts.followSymlinks === true ? FOLLOW_DEPTH : Infinity,
      ignore: opts.exclude ?? [],
      suppressErrors: true,
      unique: true,
    });
    for await (const entry of stream) yield p === '.' ? String(entry) : join(p, String(entry));
  }
}

/** MAGIC_BUF is reused by every sniff (the sniff is synchronous, so it is never shared). */
const MAGIC_BUF = Buffer.alloc(4);

/**
 * sniff reads the first four bytes synchronously: most files in a tree are not ELF, and
 * for them three plain syscalls cost far less than a promise-based FileHandle round trip.
 * Returns null for an ELF file (read it properly), or the report material otherwise.
 */
function sniff(path: string): Scanned | null {
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    return { path, elf: null, size: 0, error: new ElfError('unreadable', path, (e as NodeJS.ErrnoException).code ?? String(e)) };
  }
  try {
    if (!fstatSync(fd).isFile()) return { path, elf: null, size: 0, error: new ElfError('unreadable', path, 'not a regular file') };
    const n = readSync(fd, MAGIC_BUF, 0, 4, 0);
    return n === 4 && isElfMagic(MAGIC_BUF) ? null : { path, elf: null, size: 0, error: NOT_ELF };
  } catch (e) {
    return { path, elf: null, size: 0, error: new ElfError('unreadable', path, (e as NodeJS.ErrnoException).code ?? String(e)) };
  } finally {
    closeSync(fd);
  }
}

/** NOT_ELF is the one shared not-elf outcome (building an Error per file costs a stack trace). */
const NOT_ELF = new ElfError('not-elf', '', 'no ELF magic');

/** readOne sniffs the magic and reads an ELF file; every failure becomes a typed error. */
async function readOne(path: string): Promise<Scanned> {
  const sniffed = sniff(path);
  if (sniffed !== null) return sniffed;
  let fh;
  try {
    fh = await open(path, 'r');
  } catch (e) {
    return { path, elf: null, size: 0, error: new ElfError('unreadable', path, (e as NodeJS.ErrnoException).code ?? String(e)) };
  }
  try {
    const st = await fh.stat();
    if (!st.isFile()) return { path, elf: null, size: 0, error: new ElfError('unreadable', path, 'not a regular file') };
    const head = Buffer.alloc(4);
    const { bytesRead } = await fh.read(head, 0, 4, 0);
    if (bytesRead < 4 || !isElfMagic(head)) return { path, elf: null, size: st.size, error: new ElfError('not-elf', path, 'no ELF magic') };
    const elf = await readElfFromHandle(fh, st.size, path);
    return { path, elf, size: st.size, error: null };
  } catch (e) {
    if (e instanceof ElfError) return { path, elf: null, size: 0, error: e };
    return { path, elf: null, size: 0, error: new ElfError('unreadable', path, String(e)) };
  } finally {
    await fh.close().catch(() => undefined);
  }
}

function toLibrary(path: string, elf: ElfInfo): LoadedLibrary {
  return { path, soname: elf.soname, needed: elf.needed, rpath: elf.rpath, runpath: elf.runpath, exports: elf.exports };
}

/** searchDirs lists where the loader looks for a requester's DT_NEEDED: RUNPATH (else RPATH) with $ORIGIN, then its own folder. */
function searchDirs(req: { path: string; rpath: string[] | null; runpath: string[] | null }): string[] {
  const origin = dirname(resolve(req.path));
  const dirs = (req.runpath ?? req.rpath ?? []).filter((d) => d !== '').map((d) => resolve(origin, d.replace(/\$(ORIGIN|\{ORIGIN\})/g, origin)));
  return [...dirs, origin];
}

/** preloadLibraryPath reads, once, the --library-path libraries the scanned files need (transitively). */
async function preloadLibraryPath(scanned: Scanned[], libraryPath: string[]): Promise<Map<string, LoadedLibrary>> {
  const out = new Map<string, LoadedLibrary>();
  if (libraryPath.length === 0) return out;
  const queue = [...new Set(scanned.flatMap((s) => s.elf?.needed ?? []))];
  const tried = new Set<string>();
  for (let i = 0; i < queue.length; i++) {
    const name = queue[i]!;
    for (const dir of libraryPath) {
      const p = resolve(dir, name);
      if (tried.has(p)) continue;
      tried.add(p);
      const s = await readOne(p);
      if (s.elf) {
        out.set(p, toLibrary(p, s.elf));
        for (const n of s.elf.needed) if (!queue.includes(n)) queue.push(n);
        break;
      }
    }
  }
  return out;
}

/** treeLookup finds libraries in the scanned tree (by the loader's search dirs), then on --library-path. */
function treeLookup(tree: Map<string, Scanned>, extra: Map<string, LoadedLibrary>, libraryPath: string[]): LibraryLookup {
  const memo = new Map<string, LoadedLibrary>();
  const fromTree = (p: string): LoadedLibrary | null => {
    const hit = memo.get(p);
    if (hit) return hit;
    const s = tree.get(p);
    if (!s?.elf) return null;
    const lib = toLibrary(s.path, s.elf);
    memo.set(p, lib);
    return lib;
  };
  return {
    find(name, req) {
      if (name.includes(sep)) return fromTree(resolve(name)) ?? extra.get(resolve(name)) ?? null;
      for (const d of libraryPath) {
        const p = resolve(d, name);
        const lib = fromTree(p) ?? extra.get(p);
        if (lib) return lib;
      }
      for (const d of searchDirs(req)) {
        const lib = fromTree(join(d, name));
        if (lib) return lib;
      }
      return null;
    },
  };
}

/** packageFinder returns the nearest package.json above a file (cached per folder). */
function packageFinder(): (path: string) => PackageInfo | null {
  const cache = new Map<string, PackageInfo | null>();
  const find = (dir: string): PackageInfo | null => {
    if (cache.has(dir)) return cache.get(dir)!;
    let info: PackageInfo | null = null;
    try {
      const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown; libc?: unknown };
      if (typeof pkg.name === 'string') {
        info = {
          name: pkg.name,
          version: typeof pkg.version === 'string' ? pkg.version : null,
          libc: Array.isArray(pkg.libc) ? pkg.libc.filter((x): x is string => typeof x === 'string') : null,
          dir,
        };
      }
    } catch {
      const parent = dirname(dir);
      info = parent === dir ? null : find(parent);
    }
    cache.set(dir, info);
    return info;
  };
  return (path: string) => find(dirname(resolve(path)));
}
