/**
 * db: loads the bundled databases in data/, validates them (schema.ts) and exposes them as a
 * frozen, memoised Database. Loading reads seven JSON files; per-arch sets and indexes are built
 * on first use, so a scan that only asks about x86_64 never builds the others.
 *
 * The data directory defaults to the package's data/: this file lives in src/db or dist/db,
 * and both are two levels below the package root.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { resolve } from 'node:path';
import type { Arch, GcompatView, LoadedDatabase, MuslView, Provenance, TargetInfo } from './types.js';
import {
  DataError,
  SCHEMA_VERSION,
  checkGcompat,
  checkGlibc,
  checkLibstdcxx,
  checkMusl,
  checkShims,
  checkSonames,
  checkTargets,
  type RawGcompat,
  type RawLibstdcxx,
} from './schema.js';
import { MuslIndex, freezeSet } from './musl.js';
import { GlibcIndex } from './glibc.js';
import { Catalogue, SonameTable, TargetTable } from './catalogue.js';
import { ARCHES, archForElf, dataArch } from './arch.js';

export { DataError, SCHEMA_VERSION } from './schema.js';
export { archForElf, muslLoaderPath, ARCHES } from './arch.js';
export type * from './types.js';

/** DATA_FILES names every file loadDatabase reads. */
export const DATA_FILES = ['musl.json', 'glibc.json', 'libstdcxx.json', 'gcompat.json', 'targets.json', 'shims.json', 'sonames.json'] as const;

/** defaultDataDir is the package's data/ directory. */
export function defaultDataDir(): string {
  return fileURLToPath(new URL('../../data/', import.meta.url));
}

/** readJson reads and parses one data file, turning I/O and syntax errors into DataError. */
function readJson(dir: string, file: string): unknown {
  let text: string;
  try {
    text = readFileSync(resolve(dir, file), 'utf8');
  } catch (e) {
    throw new DataError(file, '$', `cannot read ${resolve(dir, file)}: ${(e as Error).message}`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (e) {
    throw new DataError(file, '$', `invalid JSON: ${(e as Error).message}`);
  }
}

/** dataFingerprint is a SHA-256 over every data file's bytes, in DATA_FILES order: it changes when any database changes. */
function dataFingerprint(dir: string): string {
  const h = createHash('sha256');
  for (const file of DATA_FILES) {
    try {
      h.update(file).update('\0').update(readFileSync(resolve(dir, file))).update('\0');
    } catch {
      h.update(file).update('\0missing\0');
    }
  }
  return h.digest('hex');
}

/** compareDotted orders dotted version strings numerically (1.2.10 after 1.2.9). */
export function compareDotted(a: string, b: string): number {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** compareNode orders version nodes of one family (`GLIBCXX_3.4.9` before `GLIBCXX_3.4.10`); null across families. */
export function compareNode(a: string, b: string): number | null {
  const ma = /^([A-Z]+(?:_[A-Z]+)*)_(\d+(?:\.\d+)*)$/.exec(a);
  const mb = /^([A-Z]+(?:_[A-Z]+)*)_(\d+(?:\.\d+)*)$/.exec(b);
  if (ma?.[1] === undefined || mb?.[1] === undefined || ma[1] !== mb[1] || ma[2] === undefined || mb[2] === undefined) return null;
  return compareDotted(ma[2], mb[2]);
}

/** gcompatViews builds the frozen GcompatView per (version, arch) from gcompat.json. */
function gcompatViews(raw: RawGcompat): (version: string, arch: Arch) => GcompatView | null {
  const cache = new Map<string, GcompatView | null>();
  return (version, arch) => {
    const key = `${version}\0${arch}`;
    const hit = cache.get(key);
    if (hit !== undefined) return hit;
    const profile = raw.profiles.find((p) => p.version === version);
    const loaderPath = Object.hasOwn(raw.loaders, arch) ? raw.loaders[arch] : undefined;
    let view: GcompatView | null = null;
    if (profile !== undefined && loaderPath !== undefined) {
      view = Object.freeze({
        version,
        symbols: freezeSet(new Set([...profile.symbols, ...Object.values(profile.linked).flat()])),
        sonames: freezeSet(new Set(profile.sonames)),
        loaderPath,
        traps: Object.freeze(new Map(Object.entries(profile.traps))),
      });
    }
    cache.set(key, view);
    return view;
  };
}

/** gccLookup finds a GCC release by `14.2`, `14.2.0` or `14` (the newest 14.x we have). */
function gccLookup(raw: RawLibstdcxx, gcc: string): RawLibstdcxx['releases'][number] | undefined {
  const exact = raw.releases.find((r) => r.gcc === gcc || `${r.gcc}.0` === gcc);
  if (exact !== undefined) return exact;
  const major = raw.releases.filter((r) => r.gcc.split('.')[0] === gcc);
  return major.sort((a, b) => compareDotted(b.gcc, a.gcc))[0];
}

const memo = new Map<string, LoadedDatabase>();

/**
 * loadDatabase loads, validates and freezes data/ (or `dataDir`). It is memoised per directory,
 * so every caller shares one instance. Throws DataError when a file is missing or malformed.
 */
export function loadDatabase(dataDir?: string): LoadedDatabase {
  const dir = resolve(dataDir ?? defaultDataDir());
  const hit = memo.get(dir);
  if (hit !== undefined) return hit;
  const db = buildDatabase(dir);
  memo.set(dir, db);
  return db;
}

/** loadDatabaseUncached loads data/ without the memo: for measuring load time and for tests that mutate copies of data/. */
export function loadDatabaseUncached(dataDir?: string): LoadedDatabase {
  return buildDatabase(resolve(dataDir ?? defaultDataDir()));
}

/** lazy memoises a thunk. */
function lazy<T>(make: () => T): () => T {
  let made = false;
  let value: T | undefined;
  return () => {
    if (!made) {
      value = make();
      made = true;
    }
    return value as T;
  };
}

/**
 * buildDatabase does the work of loadDatabase for one directory. glibc.json (the largest file) is
 * read and validated on the first glibc question, so commands that never ask one (and scans of
 * musl-native trees) do not pay for it; validateDatabase() forces everything.
 */
function buildDatabase(dir: string): LoadedDatabase {
  const musl = checkMusl(readJson(dir, 'musl.json'));
  const glibcFile = lazy(() => {
    const raw = checkGlibc(readJson(dir, 'glibc.json'));
    return { raw, index: new GlibcIndex(raw) };
  });
  const cxx = checkLibstdcxx(readJson(dir, 'libstdcxx.json'));
  const gcompat = checkGcompat(readJson(dir, 'gcompat.json'));
  const targetsRaw = checkTargets(readJson(dir, 'targets.json'));
  const catalogue = new Catalogue(checkShims(readJson(dir, 'shims.json')));
  const sonames = new SonameTable(checkSonames(readJson(dir, 'sonames.json')));

  const muslIndex = new MuslIndex(musl);
  const muslVersions = musl.versions.map((v) => v.version).sort(compareDotted);
  const targets = new TargetTable(targetsRaw, muslVersions);
  const glibcIndex = (): GlibcIndex => glibcFile().index;
  const gcompatView = gcompatViews(gcompat);
  const gccReleases = [...cxx.releases].sort((a, b) => compareDotted(a.gcc, b.gcc));
  const gccNodes = new Map<string, ReadonlySet<string>>();
  const nodesOf = (gcc: string, arch: Arch): ReadonlySet<string> | null => {
    const key = `${gcc}\0${arch}`;
    const hit = gccNodes.get(key);
    if (hit !== undefined) return hit;
    const r = gccReleases.find((x) => x.gcc === gcc);
    const list = r !== undefined && Object.hasOwn(r.arches, arch) ? r.arches[arch] : undefined;
    if (list === undefined) return null;
    const set = freezeSet(new Set(list));
    gccNodes.set(key, set);
    return set;
  };

  const dataArches = new Set(muslVersions.flatMap((v) => muslIndex.archesOf(v)));
  const arches = Object.keys(ARCHES)
    .filter((a) => dataArches.has(dataArch(a)))
    .sort();
  const fingerprint = lazy(() => dataFingerprint(dir));
  const provenance = lazy(() =>
    Object.freeze(
      [...musl.provenance, ...glibcFile().raw.provenance, ...cxx.provenance, ...gcompat.provenance]
        .map((p): Provenance => Object.freeze({ ...p }))
        .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0)),
    ),
  );

  const glibcArch = (arch: Arch | undefined): Arch => dataArch(arch ?? 'x86_64');
  const aliasViews = new Map<string, MuslView>();

  const db: LoadedDatabase = {
    schemaVersion: SCHEMA_VERSION,
    targets: targets.targets,
    defaultTarget: targets.defaultId,
    resolveTarget: (spec?: string): TargetInfo => targets.resolve(spec),
    arches: Object.freeze(arches),
    archForElf,
    musl: (version: string, arch: Arch): MuslView | null => {
      const view = muslIndex.view(version, dataArch(arch));
      if (view === null || view.arch === arch) return view;
      // an alias arch (armv7 -> armhf): the same sets under the alias's name, built once
      const key = `${version}\0${arch}`;
      const hit = aliasViews.get(key);
      if (hit !== undefined) return hit;
      const aliased = Object.freeze({ ...view, arch });
      aliasViews.set(key, aliased);
      return aliased;
    },
    gcompat: (version: string, arch: Arch): GcompatView | null => gcompatView(version, arch),
    glibcSince: (name, arch) => glibcIndex().lookup(name, glibcArch(arch))?.since ?? null,
    isGlibcPrivate: (name, arch) => glibcIndex().lookup(name, glibcArch(arch))?.private ?? false,
    glibcLibraryOf: (name, arch) => glibcIndex().lookup(name, glibcArch(arch))?.library ?? null,
    isGlibcSoname: (soname) => glibcIndex().isSoname(soname),
    libstdcxxNodes: (gcc, arch) => {
      const r = gccLookup(cxx, gcc);
      return r === undefined ? null : nodesOf(r.gcc, dataArch(arch ?? 'x86_64'));
    },
    firstGccWithNode: (node, arch) => gccReleases.find((r) => nodesOf(r.gcc, dataArch(arch ?? 'x86_64'))?.has(node) === true)?.gcc ?? null,
    muslSince: (name, arch) => {
      const a = dataArch(arch ?? 'x86_64');
      return muslVersions.find((v) => muslIndex.view(v, a)?.exports.has(name) === true) ?? null;
    },
    shims: (name) => catalogue.shims(name),
    advice: (name) => catalogue.advice(name),
    hazards: (name) => catalogue.hazards(name),
    alpinePackageForSoname: (soname) => sonames.packageFor(soname),
    alpinePackageInfo: (soname) => sonames.info(soname),
    get fingerprint(): string {
      return fingerprint();
    },
    get provenance(): readonly Provenance[] {
      return provenance();
    },
    muslVersions: Object.freeze(
      muslVersions.map((v) => {
        const r = musl.versions.find((x) => x.version === v);
        return Object.freeze({
          version: v,
          derived: r?.derived ?? false,
          derivedFrom: r?.derivedFrom ?? null,
          debianVersion: r?.debianVersion ?? null,
          lfs64Remap: r?.lfs64Remap ?? false,
          arches: Object.freeze([...muslIndex.archesOf(v)]),
          note: r?.note ?? '',
        });
      }),
    ),
    gcompatVersions: Object.freeze(gcompat.profiles.map((p) => p.version)),
    get glibcReleases(): readonly string[] {
      return Object.freeze([...glibcFile().raw.releases]);
    },
    get glibcArches(): readonly Arch[] {
      return glibcIndex().arches;
    },
    gccReleases: Object.freeze(
      gccReleases.map((r) =>
        Object.freeze({ gcc: r.gcc, derived: r.derived, source: r.source, nodes: r.arches.x86_64?.length ?? 0, arches: Object.freeze(Object.keys(r.arches).sort()) }),
      ),
    ),
    glibcNames: (arch) => glibcIndex().names(dataArch(arch)),
    glibcSymbolCount: (arch) => glibcIndex().count(dataArch(arch)),
  };
  return Object.freeze(db);
}

/**
 * validateDatabase loads data/ (or `dataDir`) and forces every deferred check: each musl set on
 * each arch, each glibc arch, every target's musl and gcompat. CI runs it through test/db; it
 * throws DataError (or Error for a cross-file inconsistency) at the first problem.
 */
export function validateDatabase(dataDir?: string): LoadedDatabase {
  const db = loadDatabase(dataDir);
  for (const v of db.muslVersions) for (const arch of v.arches) if (db.musl(v.version, arch) === null) throw new Error(`musl ${v.version} ${arch}: no view`);
  for (const arch of db.glibcArches) db.glibcSymbolCount(arch);
  for (const t of db.targets) {
    if (t.gcc !== null && db.libstdcxxNodes(t.gcc) === null) throw new Error(`target ${t.id}: no libstdc++ data for GCC ${t.gcc}`);
    if (t.gcompat !== null && db.gcompat(t.gcompat, 'x86_64') === null) throw new Error(`target ${t.id}: no gcompat ${t.gcompat}`);
  }
  if (db.provenance.length === 0) throw new Error('no provenance');
  return db;
}
