/**
 * walk: finds the files of a scan, in the order the report lists them.
 *
 * A depth-first walk whose directory entries are sorted by name, with a `/` appended to
 * directory names, visits paths in exactly the order a plain string sort of the full
 * paths gives ("a-b" < "a/x" because '-' < '/'). So the walk itself yields the report's
 * order, and the report can be written while the scan runs, with flat memory.
 *
 * Directories are read with readdirSync (d_type from the kernel, no stat per entry).
 * Non-regular files (FIFOs, sockets, devices) are never opened: inside a directory they
 * are skipped; named on the command line they are reported. Symbolic links are skipped
 * unless followed; when followed, each real directory (device, inode) is walked once, so
 * a link loop or a link farm cannot make the walk run away.
 *
 * The walker is a pull iterator (`drain(max, sink)`) so the caller can interleave walking with
 * handing work to threads.
 */
import { lstatSync, readdirSync, statSync, type Dirent, type Stats } from 'node:fs';
import { basename, dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { globMatcher } from '../plan/glob.js';

/** WalkOptions filter and steer the walk. */
export interface WalkOptions {
  /** globs (relative to each directory given) a file must match; default: every file. */
  include?: readonly string[];
  /** globs (relative to each directory given) that skip files, and whole directories. */
  exclude?: readonly string[];
  /** follow symbolic links to files and directories. */
  followSymlinks?: boolean;
  /** where listings of unchanged directories are kept between scans (not used when links are followed: their targets can change unseen). */
  listings?: ListingStore | null;
}

/**
 * WalkEntry is one thing the report will list: a file to inspect (with its directory and
 * name, the scan cache's key), or a path that could not be walked.
 */
export type WalkEntry = { kind: 'file'; path: string; dir: string; name: string; source?: string } | { kind: 'unreadable'; path: string; reason: string };

/** EntrySource is what the pipeline pulls entries from: a Walker, or a fixed list. */
export interface EntrySource {
  /** drain hands up to `max` entries to the sink; false when there are no more. */
  drain(max: number, sink: WalkSink): boolean;
  directories: number;
}

/**
 * Cursor is a directory being walked: its entries, sorted, and how far the walk has got.
 * One object per directory, not per file.
 */
interface Cursor {
  /** display path (as the report prints it). */
  path: string;
  /** path relative to the root, with '/' separators (for globs); '' for the root. */
  rel: string;
  names: string[];
  /** per entry: FILE, DIRECTORY (or a followed link to one) or SPECIAL. */
  dirs: Uint8Array;
  at: number;
}

/** WalkSink receives the entries of a walk, in report order. */
export interface WalkSink {
  /** a file to inspect; `source` is where its bytes are when not at `path` (a staged copy). */
  file(path: string, dir: string, name: string, source?: string): void;
  /**
   * a file found in a walked directory: its path is `displayPath(dir, name)`, which the
   * sink may build when it needs it rather than keep (140,000 paths of /usr are 20 MB of
   * strings; the walk's own directory and name strings are kept anyway).
   */
  child(dir: string, name: string): void;
  unreadable(path: string, reason: string): void;
}

/** Root is one normalised command-line path. */
interface Root {
  path: string;
  stats: Stats | null;
  error: string | null;
}

/** Cursor.dirs values: a file, a directory, a special file named on the command line. */
const FILE = 0;
const DIRECTORY = 1;
const SPECIAL = 2;

/** Listing types: what a directory entry is, as readdir says (links are not resolved). */
export const ENTRY_FILE = 0;
export const ENTRY_DIR = 1;
export const ENTRY_LINK = 2;
/** ENTRY_OTHER: a FIFO, socket or device. */
export const ENTRY_OTHER = 3;

/**
 * Listing is a directory's entries as read: their names sorted for the walk (a
 * directory's name sorts with a trailing '/'), and each one's type (ENTRY_*).
 */
export interface Listing {
  names: string[];
  types: Uint8Array;
}

/**
 * ListingStore keeps directory listings between scans (the scan cache). A directory
 * whose device, inode, mtime and ctime are those a listing was kept under has the same
 * entries: adding, removing or renaming an entry sets both times, and setting the mtime
 * back sets the ctime.
 */
export interface ListingStore {
  /** stored is the listing kept for the directory at `path`, if `st` (taken now) is the key it was kept under; else null. */
  stored(path: string, st: Stats): Listing | null;
  /** keep offers a listing just read, with the directory's stat taken before reading it. */
  keep(path: string, st: Stats, listing: Listing): void;
}

/** direntType is a directory entry's ENTRY_* type. */
function direntType(d: Dirent): number {
  if (d.isDirectory()) return ENTRY_DIR;
  if (d.isFile()) return ENTRY_FILE;
  return d.isSymbolicLink() ? ENTRY_LINK : ENTRY_OTHER;
}

/** readListing reads a directory's entries as the walk lists them (sorted, typed); null when it cannot be read. */
export function readListing(path: string): Listing | null {
  try {
    return sortListing(readdirSync(path, { withFileTypes: true }));
  } catch {
    return null;
  }
}

/** sortListing sorts a directory's entries for the walk. */
function sortListing(dirents: readonly Dirent[]): Listing {
  const types = dirents.map(direntType);
  const keys = dirents.map((d, i) => sortKey(d.name, types[i] === ENTRY_DIR));
  const order = keys.map((_, i) => i).sort((a, b) => compareText(keys[a]!, keys[b]!));
  return { names: order.map((i) => dirents[i]!.name), types: Uint8Array.from(order, (i) => types[i]!) };
}

/**
 * relativeToCwd is how globs see a file named on the command line: its path relative to
 * the working directory, with '/' separators; outside the working directory, its absolute
 * path without the leading '/' (`**` does not match `..`).
 */
function relativeToCwd(path: string): string {
  const abs = resolve(path);
  const rel = relative(process.cwd(), abs);
  return (rel.startsWith('..') || isAbsolute(rel) ? abs.slice(1) : rel).split(sep).join('/');
}

/** compareText orders strings by UTF-16 code units (locale independent). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** sortKey is the name a directory entry sorts by: directories get a trailing '/'. */
function sortKey(name: string, dir: boolean): string {
  return dir ? `${name}/` : name;
}

/**
 * displayPath joins a (normalised) root and a relative path the way the report prints it:
 * '.' disappears, '/' is not doubled. Plain concatenation: path.join per file cost more
 * than the directory reads.
 */
export function displayPath(root: string, rel: string): string {
  if (root === '.') return rel;
  return root.endsWith('/') ? root + rel : `${root}/${rel}`;
}

/**
 * absolutePath makes a walk's display path absolute. An absolute one is already
 * normalised (a root passed through path.join, then names joined with '/'), so it is
 * returned as it is; resolving 17,000 of them cost 40 ms on /usr.
 */
export function absolutePath(cwd: string, path: string): string {
  return path.startsWith('/') ? path : resolve(cwd, path);
}

/** isDirectory says whether a path names a directory (following links); false when it cannot be read. */
export function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/** errnoCode renders a system error briefly (`EACCES`), or its message. */
function errnoCode(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  return err?.code ?? String(err?.message ?? e);
}

/** describeSpecial names a non-regular, non-directory file type. */
function describeSpecial(st: Stats): string {
  if (st.isFIFO()) return 'a FIFO';
  if (st.isSocket()) return 'a socket';
  if (st.isCharacterDevice()) return 'a character device';
  if (st.isBlockDevice()) return 'a block device';
  return 'not a regular file';
}

/** rootPath is how the walk spells a command-line path: normalised, '.' for '', no trailing '/' (the report's paths start with it). */
export function rootPath(p: string): string {
  const path = p === '' ? '.' : join(p);
  return path.endsWith('/') && path.length > 1 ? path.slice(0, -1) : path;
}

/**
 * normaliseRoots joins, sorts and de-duplicates the command-line paths: a path inside
 * another given directory is dropped (the walk of that directory reaches it), so no file
 * is listed twice and the concatenated walks stay in path order. Non-regular files named
 * that way are returned apart, for the walk to report where it meets them.
 */
function normaliseRoots(paths: readonly string[]): { roots: Root[]; namedSpecials: Map<string, string> } {
  const roots: Root[] = [];
  for (const p of paths) {
    const path = rootPath(p);
    let stats: Stats | null = null;
    let error: string | null = null;
    try {
      stats = statSync(path);
    } catch (e) {
      error = errnoCode(e);
    }
    roots.push({ path, stats, error });
  }
  const key = (r: Root): string => sortKey(r.path, r.stats?.isDirectory() === true);
  roots.sort((a, b) => compareText(key(a), key(b)));
  const out: Root[] = [];
  const dirs: string[] = [];
  const namedSpecials = new Map<string, string>();
  for (const r of roots) {
    const abs = resolve(r.path);
    if (out.some((o) => o.path === r.path)) continue;
    if (dirs.some((d) => abs === d || abs.startsWith(d === sep ? d : d + sep))) {
      // The walk of that directory reaches it; a FIFO or device named on the command
      // line is reported there, in its place, instead of being skipped like the others.
      if (r.stats !== null && !r.stats.isFile() && !r.stats.isDirectory()) namedSpecials.set(abs, describeSpecial(r.stats));
      continue;
    }
    out.push(r);
    if (r.stats?.isDirectory()) dirs.push(abs);
  }
  return { roots: out, namedSpecials };
}

/** Walker yields the entries of a scan in report order. */
export class Walker implements EntrySource {
  private readonly roots: Root[];
  private rootIndex = 0;
  /** the directories being walked, innermost last. */
  private readonly stack: Cursor[] = [];
  private readonly include: ((p: string) => boolean) | null;
  private readonly exclude: ((p: string) => boolean) | null;
  private readonly follow: boolean;
  private readonly listings: ListingStore | null;
  /** real directories already walked (dev:ino), when following links. */
  private readonly visited = new Set<string>();
  /** directories entered, for the figures. */
  directories = 0;
  /** symbolic links skipped (not followed) or dropped (dangling, or a directory already walked). */
  linksSkipped = 0;
  /** non-regular files met inside directories (never opened). */
  specialSkipped = 0;

  /** special files named on the command line inside a walked directory: reported where the walk meets them. */
  private readonly specials: Map<string, string>;

  constructor(paths: readonly string[], opts: WalkOptions = {}) {
    const { roots, namedSpecials } = normaliseRoots(paths.length > 0 ? paths : ['.']);
    this.roots = roots;
    this.specials = namedSpecials;
    this.include = opts.include && opts.include.length > 0 ? globMatcher(opts.include) : null;
    this.exclude = opts.exclude && opts.exclude.length > 0 ? globMatcher(opts.exclude) : null;
    this.follow = opts.followSymlinks === true;
    this.listings = this.follow ? null : (opts.listings ?? null);
  }

  /** drain hands up to `max` entries to the sink; false when the walk is over. */
  drain(max: number, sink: WalkSink): boolean {
    let n = 0;
    while (n < max) {
      const top = this.stack[this.stack.length - 1];
      if (top === undefined) {
        const started = this.startNextRoot(sink);
        if (started === null) return false;
        n += started;
        continue;
      }
      if (top.at >= top.names.length) {
        this.stack.pop();
        continue;
      }
      const i = top.at++;
      const name = top.names[i]!;
      if (top.dirs[i] === DIRECTORY) {
        if (this.expand(displayPath(top.path, name), top.rel === '' ? name : `${top.rel}/${name}`, sink)) n++;
      } else if (top.dirs[i] === SPECIAL) {
        const path = displayPath(top.path, name);
        sink.unreadable(path, this.specials.get(resolve(path)) ?? 'not a regular file');
        n++;
      } else {
        sink.child(top.path, name);
        n++;
      }
    }
    return true;
  }

  /** startNextRoot begins the next command-line path: the number of entries it gave, or null when there is none. */
  private startNextRoot(sink: WalkSink): number | null {
    const root = this.roots[this.rootIndex++];
    if (root === undefined) return null;
    if (root.stats === null) {
      sink.unreadable(root.path, root.error ?? 'ENOENT');
      return 1;
    }
    if (root.stats.isFile()) {
      if (!this.accepts(relativeToCwd(root.path), false)) return 0;
      sink.file(root.path, dirname(root.path), basename(root.path));
      return 1;
    }
    if (root.stats.isDirectory()) {
      if (this.follow) this.visited.add(`${root.stats.dev}:${root.stats.ino}`);
      return this.expand(root.path, '', sink) ? 1 : 0;
    }
    sink.unreadable(root.path, describeSpecial(root.stats));
    return 1;
  }

  /**
   * expand lists a directory and pushes a cursor over its entries, sorted for the
   * depth-first walk; true when it reported the directory as unreadable instead.
   */
  private expand(path: string, rel: string, sink: WalkSink): boolean {
    const listing = this.list(path);
    if (typeof listing === 'string') {
      sink.unreadable(path, `cannot list directory: ${listing}`);
      return true;
    }
    this.directories++;
    this.stack.push(this.select(path, rel, listing));
    return false;
  }

  /**
   * list reads a directory's entries, or takes them from the listing store when the
   * directory is unchanged since they were kept; a string is why it cannot be listed. The
   * directory's stat is taken before it is read, so a change made while it is read shows
   * as a new key next time.
   */
  private list(path: string): Listing | string {
    let st: Stats | null = null;
    if (this.listings !== null) {
      try {
        st = statSync(path);
      } catch {
        st = null; // readdir says why
      }
      if (st !== null && !st.isDirectory()) st = null;
      const kept = st === null ? null : this.listings.stored(path, st);
      if (kept !== null) return kept;
    }
    let dirents: Dirent[];
    try {
      dirents = readdirSync(path, { withFileTypes: true });
    } catch (e) {
      return errnoCode(e);
    }
    const listing = sortListing(dirents);
    if (st !== null) this.listings!.keep(path, st, listing);
    return listing;
  }

  /**
   * select turns a listing into the walk's cursor: links followed or skipped, special
   * files skipped (or reported, when named on the command line), the globs applied.
   * Entries are taken in path order, so when links are followed the first path that
   * reaches a real directory is the one walked.
   */
  private select(path: string, rel: string, listing: Listing): Cursor {
    const names: string[] = [];
    const kinds: number[] = [];
    let resort = false;
    for (let i = 0; i < listing.names.length; i++) {
      const name = listing.names[i]!;
      const type = listing.types[i]!;
      let dir: boolean;
      if (type === ENTRY_DIR) {
        if (this.follow && !this.firstVisit(displayPath(path, name))) continue;
        dir = true;
      } else if (type === ENTRY_FILE) dir = false;
      else if (type === ENTRY_LINK) {
        const target = this.follow ? this.followLink(displayPath(path, name)) : null;
        if (target === null) {
          this.linksSkipped++;
          continue;
        }
        dir = target === 'dir';
        resort ||= dir; // it was sorted as a file name
      } else {
        if (this.specials.size > 0 && this.specials.has(resolve(path, name))) {
          names.push(name);
          kinds.push(SPECIAL);
          continue;
        }
        this.specialSkipped++;
        continue;
      }
      if ((this.exclude !== null || (!dir && this.include !== null)) && !this.accepts(rel === '' ? name : `${rel}/${name}`, dir)) continue;
      names.push(name);
      kinds.push(dir ? DIRECTORY : FILE);
    }
    if (!resort) return { path, rel, names, dirs: Uint8Array.from(kinds), at: 0 };
    const order = names.map((_, i) => i).sort((a, b) => compareText(sortKey(names[a]!, kinds[a] === DIRECTORY), sortKey(names[b]!, kinds[b] === DIRECTORY)));
    return { path, rel, names: order.map((i) => names[i]!), dirs: Uint8Array.from(order, (i) => kinds[i]!), at: 0 };
  }

  /** accepts applies --include (files only) and --exclude to a path relative to its root (or to the working directory). */
  accepts(rel: string, dir: boolean): boolean {
    if (this.exclude !== null && this.exclude(rel)) return false;
    return dir || this.include === null || this.include(rel);
  }

  /** firstVisit marks a real directory as walked; false when a link already led there. */
  private firstVisit(path: string): boolean {
    let st: Stats;
    try {
      st = statSync(path);
    } catch {
      return true; // let readdir report it
    }
    const id = `${st.dev}:${st.ino}`;
    if (this.visited.has(id)) {
      this.linksSkipped++;
      return false;
    }
    this.visited.add(id);
    return true;
  }

  /** followLink says what a link leads to: 'file', 'dir' (not walked before), or null (skip). */
  private followLink(path: string): 'file' | 'dir' | null {
    let st: Stats;
    try {
      st = statSync(path);
    } catch {
      return null; // dangling, or a loop the kernel refuses (ELOOP)
    }
    if (st.isFile()) return 'file';
    if (!st.isDirectory()) return null;
    const id = `${st.dev}:${st.ino}`;
    if (this.visited.has(id)) return null;
    this.visited.add(id);
    return 'dir';
  }
}

/** nextEntries pulls up to `max` entries from `source` as objects, or null when it is over. */
export function nextEntries(source: EntrySource, max: number): WalkEntry[] | null {
  const out: WalkEntry[] = [];
  const more = source.drain(max, {
    file: (path, dir, name, from) => out.push({ kind: 'file', path, dir, name, ...(from !== undefined ? { source: from } : {}) }),
    child: (dir, name) => out.push({ kind: 'file', path: displayPath(dir, name), dir, name }),
    unreadable: (path, reason) => out.push({ kind: 'unreadable', path, reason }),
  });
  return out.length === 0 && !more ? null : out;
}

/**
 * ListWalker hands out a fixed list of files (the staged files of `scan --staged`): each
 * is reported under `path` and read from `source`. Symbolic links and non-regular files
 * are skipped, as a directory walk skips them.
 */
export class ListWalker implements EntrySource {
  private at = 0;
  directories = 0;
  private readonly files: ReadonlyArray<{ path: string; source: string }>;

  private readonly filter: Walker;

  constructor(files: ReadonlyArray<{ path: string; source: string }>, opts: WalkOptions = {}) {
    this.files = [...files].sort((a, b) => compareText(a.path, b.path));
    this.filter = new Walker([], { include: opts.include, exclude: opts.exclude });
  }

  drain(max: number, sink: WalkSink): boolean {
    let n = 0;
    while (n < max && this.at < this.files.length) {
      const f = this.files[this.at++]!;
      let st: Stats;
      try {
        st = lstatSync(f.source);
      } catch (e) {
        sink.unreadable(f.path, errnoCode(e));
        n++;
        continue;
      }
      if (!st.isFile() || !this.filter.accepts(relativeToCwd(f.path), false)) continue;
      sink.file(f.path, dirname(f.path), basename(f.path), f.source);
      n++;
    }
    return this.at < this.files.length;
  }
}
