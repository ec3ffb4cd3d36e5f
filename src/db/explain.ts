/**
 * explain: the data behind `muslcheck explain SYMBOL...` and `muslcheck db list`.
 * Pure functions of the database; the CLI's report layer formats them.
 */
import type { Advice, Arch, Database, GccInfo, Hazard, LoadedDatabase, MuslVersionInfo, Provenance, ShimEntry, TargetInfo } from './types.js';

/** ExplainEntry is what muslcheck knows about one symbol for one target and arch. */
export interface ExplainEntry {
  name: string;
  /** true when the target's musl loader binds it (exports, then the LFS64 retry); null when there is no musl data for the arch. */
  musl: boolean | null;
  /** true when it binds once gcompat is installed (musl or gcompat provides it); null when the target has no gcompat. */
  gcompat: boolean | null;
  /** the oldest glibc version node defining it on this arch (`GLIBC_2.28`), `GLIBC_PRIVATE` for private-only names, null when glibc never had it. */
  glibc: string | null;
  /** the first musl version (of those we know) that exports it on this arch. */
  muslSince: string | null;
  /** Alpine packages that provide it, when the target's musl does not. */
  shims: ShimEntry[];
  /** behaviour differences: catalogue hazards, plus gcompat's caveat when gcompat is what provides it. */
  hazards: Hazard[];
  /** what to change in the source, when the target's musl does not provide it. */
  advice: Advice | null;
}

/** gcompatTrapHazard turns a gcompat caveat into a Hazard with a stable id. */
function gcompatTrapHazard(name: string, summary: string, version: string): Hazard {
  return { id: `gcompat-${name}`, summary, source: `gcompat ${version} (data/gcompat.json traps)` };
}

/** explainOne answers for one symbol. */
function explainOne(db: Database, name: string, target: TargetInfo, arch: Arch): ExplainEntry {
  const view = db.musl(target.musl, arch);
  const musl = view === null ? null : view.resolves(name);
  const gc = target.gcompat === null ? null : db.gcompat(target.gcompat, arch);
  const byGcompat = gc !== null && gc.symbols.has(name);
  const gcompat = gc === null ? null : musl === true || byGcompat;
  const since = db.glibcSince(name, arch);
  const glibc = since ?? (db.isGlibcPrivate(name, arch) ? 'GLIBC_PRIVATE' : null);
  const hazards = [...db.hazards(name)];
  const trap = gc?.traps.get(name);
  if (gc !== null && trap !== undefined && musl !== true) hazards.push(gcompatTrapHazard(name, trap, gc.version));
  const missing = musl !== true;
  return {
    name,
    musl,
    gcompat,
    glibc,
    muslSince: db.muslSince(name, arch),
    shims: missing ? [...db.shims(name)] : [],
    hazards,
    advice: missing ? db.advice(name) : null,
  };
}

/** explainSymbols answers for each name, in the order asked. */
export function explainSymbols(db: Database, names: string[], target: TargetInfo, arch: string): ExplainEntry[] {
  return names.map((n) => explainOne(db, n, target, arch));
}

/** DbListingTarget is a target with the flags `db list` shows. */
export interface DbListingTarget extends TargetInfo {
  default: boolean;
  /** true when the target's musl version is derived rather than measured. */
  derived: boolean;
}

/** DbListingMuslArch is one musl set's size. */
export interface DbListingMuslArch {
  arch: Arch;
  exports: number;
  /** size of Debian's raw set, null for derived versions. */
  debianExports: number | null;
}

/** DbListing is the data behind `muslcheck db list`. */
export interface DbListing {
  schemaVersion: number;
  defaultTarget: string;
  targets: DbListingTarget[];
  arches: Arch[];
  musl: Array<Omit<MuslVersionInfo, 'arches'> & { arches: DbListingMuslArch[] }>;
  /**
   * gcompat versions. `measuredOn`: the architecture whose libgcompat.so.0 exports were
   * measured; the same list serves every architecture (gcompat's source is arch-independent C,
   * but no other build was measured).
   */
  gcompat: Array<{ version: string; symbols: number; sonames: string[]; measuredOn: string }>;
  glibc: { releases: string[]; arches: Array<{ arch: Arch; public: number; private: number }> };
  gcc: GccInfo[];
  provenance: Provenance[];
}

/** listDatabase summarises the loaded database: targets, arches, versions with set sizes, provenance. */
export function listDatabase(db: LoadedDatabase): DbListing {
  const derived = new Map(db.muslVersions.map((v) => [v.version, v.derived]));
  // The provenance names the one architecture whose gcompat exports were measured.
  const gcompatArch = db.provenance.find((p) => p.package === 'gcompat' && p.arch !== 'any')?.arch ?? 'x86_64';
  return {
    schemaVersion: db.schemaVersion,
    defaultTarget: db.defaultTarget,
    targets: db.targets.map((t) => ({ ...t, default: t.id === db.defaultTarget, derived: derived.get(t.musl) ?? false })),
    arches: [...db.arches],
    musl: db.muslVersions.map((v) => ({
      ...v,
      arches: v.arches.map((arch) => {
        const view = db.musl(v.version, arch);
        return { arch, exports: view?.exports.size ?? 0, debianExports: view?.debianExports?.size ?? null };
      }),
    })),
    gcompat: db.gcompatVersions.map((version) => {
      const view = db.gcompat(version, gcompatArch);
      return { version, symbols: view?.symbols.size ?? 0, sonames: [...(view?.sonames ?? [])].sort(), measuredOn: gcompatArch };
    }),
    glibc: {
      releases: [...db.glibcReleases],
      arches: db.glibcArches.map((arch) => ({ arch, ...(db.glibcSymbolCount(arch) ?? { public: 0, private: 0 }) })),
    },
    gcc: db.gccReleases.map((g) => ({ ...g })),
    provenance: db.provenance.map((p) => ({ ...p })),
  };
}
