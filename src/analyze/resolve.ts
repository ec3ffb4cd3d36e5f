/**
 * resolve: which imports musl's dynamic loader would fail to bind, and which needed
 * libraries it would fail to load.
 *
 * musl's loader (ldso/dynlink.c, v1.2.5) looks symbols up by name across the global
 * namespace: the main program, then every DT_NEEDED library breadth-first, with libc
 * (musl itself) among them. Version requirements are ignored; a definition whose
 * versym has the hidden bit is skipped; undefined entries, STT_GNU_IFUNC and local
 * bindings never satisfy a lookup (OK_TYPES / OK_BINDS). A missing weak reference
 * resolves to 0. DT_NEEDED names starting `libc.`, `libpthread.`, `librt.`, `libm.`,
 * `libdl.`, `libutil.`, `libxnet.` are musl itself. A library that cannot be found is
 * reported ("Error loading shared library") and loading goes on without it.
 */
import { NameIndex, hashName } from '../elf/names.js';
import type { ElfExport, ElfInfo, ReadOptions, SymbolTraits } from '../elf/types.js';
import type { GcompatView, MuslView } from '../db/types.js';

/** NameLookup is a set of names asked one at a time (a NameIndex, or a Set in tests). */
export interface NameLookup {
  has(name: string): boolean;
}

/** LoadedLibrary is a library the scan layer found for a DT_NEEDED name. */
export interface LoadedLibrary {
  path: string;
  soname: string | null;
  needed: string[];
  rpath: string[] | null;
  runpath: string[] | null;
  /** the names musl's lookup binds in this library (see `bindable`). */
  names: NameLookup;
}

/** LibraryLookup finds DT_NEEDED libraries: in the scanned tree (RPATH/RUNPATH, $ORIGIN, same folder), then on --library-path. */
export interface LibraryLookup {
  find(name: string, requester: { path: string; rpath: string[] | null; runpath: string[] | null }): LoadedLibrary | null;
}

/** NO_LIBRARIES is a lookup that finds nothing (scanning single files with no tree). */
export const NO_LIBRARIES: LibraryLookup = { find: () => null };

/**
 * bindable says whether musl's lookup accepts a definition (OK_TYPES, OK_BINDS, not
 * hidden). It is the reader's `exportFilter` for a scan, so the export index holds
 * exactly the names a lookup can bind.
 */
export function bindable(e: SymbolTraits): boolean {
  if (e.hidden) return false;
  if (e.type === 'ifunc' || e.type === 'section' || e.type === 'file') return false;
  return e.binding === 'global' || e.binding === 'weak' || e.binding === 'unique';
}

/**
 * ANALYSIS_READ is how a scan reads files: no export objects, only the index of the names
 * a lookup can bind. The oracle tests read with the same options.
 */
export const ANALYSIS_READ: Readonly<ReadOptions> = Object.freeze({ exports: false, exportFilter: bindable });

/**
 * SCAN_READ is how a scan reads the files of its tree: ANALYSIS_READ, with the exports of
 * files without DT_SONAME deferred until another file turns out to load them.
 */
export const SCAN_READ: Readonly<ReadOptions> = Object.freeze({ ...ANALYSIS_READ, deferExports: true });

/** indexCache keeps one NameIndex per export list or hash array, so a library shared by many files is indexed once. */
const indexCache = new WeakMap<object, NameIndex>();

/**
 * bindableNames is the NameIndex of what a lookup can bind in `elf`: its export index
 * when the reader built one with `bindable`, else built (once) from its export list.
 */
export function bindableNames(elf: Pick<ElfInfo, 'exportIndex' | 'exports'>): NameIndex {
  const key: object = elf.exportIndex ?? elf.exports;
  let idx = indexCache.get(key);
  if (!idx) {
    idx = elf.exportIndex ? new NameIndex(elf.exportIndex) : NameIndex.fromNames(elf.exports.filter(bindable).map((e: ElfExport) => e.name));
    indexCache.set(key, idx);
  }
  return idx;
}

/**
 * ownNames is what a lookup can bind in the file being analysed: its export index, or,
 * when its exports were deferred, the imported names it defines itself (nothing else is
 * ever asked of it: its own analysis only looks up its imports).
 */
export function ownNames(elf: Pick<ElfInfo, 'exportIndex' | 'exports' | 'exportsDeferred' | 'selfDefined'>): NameLookup {
  return elf.exportsDeferred ? new Set(elf.selfDefined) : bindableNames(elf);
}

/** libraryFromElf is the LoadedLibrary view of a file read from disk. */
export function libraryFromElf(path: string, elf: Pick<ElfInfo, 'soname' | 'needed' | 'rpath' | 'runpath' | 'exportIndex' | 'exports'>): LoadedLibrary {
  return { path, soname: elf.soname, needed: elf.needed, rpath: elf.rpath, runpath: elf.runpath, names: bindableNames(elf) };
}

/**
 * NameSet is the union of several objects' name sets, asked one name at a time: no
 * per-file copy of a large library's exports (a tree of thousands of files sharing
 * libLLVM would otherwise copy its 50,000 names once per file). A name is hashed once
 * for all the NameIndexes.
 */
export class NameSet {
  constructor(readonly sets: NameLookup[]) {}

  has(name: string): boolean {
    let h = -1;
    for (const s of this.sets) {
      if (s instanceof NameIndex) {
        if (h < 0) h = hashName(name);
        if (s.hasHash(h)) return true;
      } else if (s.has(name)) return true;
    }
    return false;
  }
}

/** Namespace is what the loader would have loaded for one file. */
export interface Namespace {
  /** bindable names of every loaded non-musl object, the file itself included. */
  names: NameSet;
  /** bindable names of the loaded libraries only (what a copy relocation may bind to). */
  libraryNames: NameSet;
  /** libraries found, in load order. */
  found: LoadedLibrary[];
  /** needed names nobody answers (neither musl nor the lookup), in order of discovery. */
  missing: string[];
  /** missing names that gcompat's soname links answer. */
  missingCoveredByGcompat: string[];
  /** true when a needed library is musl itself (libc.*, libm.* ...). */
  usesMuslSelf: boolean;
}

/**
 * buildNamespace walks DT_NEEDED breadth-first from the file, as the loader does,
 * collecting every loaded object's bindable exports.
 */
export function buildNamespace(
  path: string,
  elf: ElfInfo,
  musl: MuslView,
  gcompat: GcompatView | null,
  lookup: LibraryLookup,
): Namespace {
  const ns: Namespace = {
    names: new NameSet([ownNames(elf)]),
    libraryNames: new NameSet([]),
    found: [],
    missing: [],
    missingCoveredByGcompat: [],
    usesMuslSelf: false,
  };
  const seen = new Set<string>();
  const queue: Array<{ name: string; requester: { path: string; rpath: string[] | null; runpath: string[] | null } }> = elf.needed.map(
    (name) => ({ name, requester: { path, rpath: elf.rpath, runpath: elf.runpath } }),
  );
  for (let i = 0; i < queue.length && i < 10_000; i++) {
    const { name, requester } = queue[i]!;
    if (seen.has(name)) continue;
    seen.add(name);
    if (musl.isSelfSoname(name)) {
      ns.usesMuslSelf = true;
      continue;
    }
    const lib = lookup.find(name, requester);
    if (!lib) {
      ns.missing.push(name);
      if (gcompat?.sonames.has(name)) ns.missingCoveredByGcompat.push(name);
      continue;
    }
    ns.found.push(lib);
    ns.names.sets.push(lib.names);
    ns.libraryNames.sets.push(lib.names);
    for (const dep of lib.needed) queue.push({ name: dep, requester: { path: lib.path, rpath: lib.rpath, runpath: lib.runpath } });
  }
  return ns;
}
