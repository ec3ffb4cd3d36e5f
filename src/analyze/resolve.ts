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
import type { ElfExport, ElfInfo } from '../elf/types.js';
import type { GcompatView, MuslView } from '../db/types.js';

/** LoadedLibrary is a library the scan layer found for a DT_NEEDED name. */
export interface LoadedLibrary {
  path: string;
  soname: string | null;
  needed: string[];
  rpath: string[] | null;
  runpath: string[] | null;
  exports: ReadonlyArray<ElfExport>;
}

/** LibraryLookup finds DT_NEEDED libraries: in the scanned tree (RPATH/RUNPATH, $ORIGIN, same folder), then on --library-path. */
export interface LibraryLookup {
  find(name: string, requester: { path: string; rpath: string[] | null; runpath: string[] | null }): LoadedLibrary | null;
}

/** NO_LIBRARIES is a lookup that finds nothing (scanning single files with no tree). */
export const NO_LIBRARIES: LibraryLookup = { find: () => null };

/** bindable says whether musl's lookup accepts a definition (OK_TYPES, OK_BINDS, not hidden). */
export function bindable(e: ElfExport): boolean {
  if (e.hidden) return false;
  if (e.type === 'ifunc' || e.type === 'section' || e.type === 'file') return false;
  return e.binding === 'global' || e.binding === 'weak' || e.binding === 'unique';
}

/** exportNames caches the bindable names of a library's exports. */
const exportCache = new WeakMap<ReadonlyArray<ElfExport>, ReadonlySet<string>>();
export function exportNames(exports: ReadonlyArray<ElfExport>): ReadonlySet<string> {
  let s = exportCache.get(exports);
  if (!s) {
    s = new Set(exports.filter(bindable).map((e) => e.name));
    exportCache.set(exports, s);
  }
  return s;
}

/**
 * NameSet is the union of several objects' export sets, asked one name at a time: no
 * per-file copy of a large library's exports (a tree of thousands of files sharing
 * libLLVM would otherwise copy its 50,000 names once per file).
 */
export class NameSet {
  constructor(readonly sets: ReadonlySet<string>[]) {}

  has(name: string): boolean {
    for (const s of this.sets) if (s.has(name)) return true;
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
    names: new NameSet([exportNames(elf.exports)]),
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
    ns.names.sets.push(exportNames(lib.exports));
    ns.libraryNames.sets.push(exportNames(lib.exports));
    for (const dep of lib.needed) queue.push({ name: dep, requester: { path: lib.path, rpath: lib.rpath, runpath: lib.runpath } });
  }
  return ns;
}

/**
 * copyRelocated lists the file's definitions that are copies of another object's data
 * (R_*_COPY): defined symbols carrying a version the file *needs* (Elf_Vernaux) rather
 * than defines. musl resolves each against the other loaded objects, skipping the main
 * program, and reports it as `symbol not found` when none defines it.
 */
export function copyRelocated(elf: ElfInfo): Array<{ name: string; version: string; library: string }> {
  const libraryOf = new Map<string, string>();
  for (const n of elf.versionNeeds) for (const v of n.versions) libraryOf.set(v.name, n.file);
  const defined = new Set(elf.versionDefinitions);
  const out: Array<{ name: string; version: string; library: string }> = [];
  for (const e of elf.exports) {
    if (e.version === null || defined.has(e.version)) continue;
    const library = libraryOf.get(e.version);
    if (library !== undefined) out.push({ name: e.name, version: e.version, library });
  }
  return out;
}

/** muslResolves says whether musl itself binds `name` (exports, then the LFS64 retry), by Alpine's or Debian's build. */
export function muslResolves(musl: MuslView, name: string, debian: boolean): boolean {
  return musl.resolves(name, debian);
}
