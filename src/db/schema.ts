/**
 * schema: the on-disk shape of every file in data/ and the checks run when a file is loaded.
 *
 * The files are written by scripts/gen-data.mjs (musl.json, glibc.json, libstdcxx.json,
 * gcompat.json) or curated by hand (targets.json, shims.json, sonames.json); docs/data.md
 * describes each one. A file that does not match is rejected with a DataError naming the
 * file and the JSON path, never half-loaded.
 */
import type { Provenance, ShimUse } from './types.js';

/** SCHEMA_VERSION is the data format this loader reads; every file carries it. */
export const SCHEMA_VERSION = 1;

/** DataError is a data/ file that is missing, unreadable or does not match its schema. */
export class DataError extends Error {
  override name = 'DataError';
  constructor(
    readonly file: string,
    readonly path: string,
    message: string,
  ) {
    super(`${file}: ${path}: ${message}`);
  }
}

/**
 * RawMuslArch is one architecture of one Debian-built musl version: libc.so's exports as Debian
 * ships them. Big name lists are stored as one space-separated, sorted string: JSON.parse reads
 * one long string several times faster than thousands of small ones.
 */
export interface RawMuslArch {
  debianExports: string;
  /** sha256 of the .deb the set was read from (also in provenance). */
  sha256: string;
}

/** RawMuslVersion is one musl version: measured from Debian (with corrections) or derived from another version. */
export interface RawMuslVersion {
  version: string;
  derived: boolean;
  /** for a derived version: the measured version it starts from. */
  derivedFrom: string | null;
  /** Debian package version the sets come from (null when derived). */
  debianVersion: string | null;
  /** names added to / removed from the base set to reach upstream (Alpine) musl, with why. */
  corrections: { add: string[]; remove: string[]; reason: string };
  lfs64Remap: boolean;
  /** names longer than this are not retried by the LFS64 mapping (musl 1.2.4/1.2.5's 16-byte buffer); null = no limit. */
  lfs64NameMax: number | null;
  note: string;
  /** per musl arch; empty for derived versions (they take the arches of derivedFrom). */
  arches: Record<string, RawMuslArch>;
}

/** RawMusl is data/musl.json. */
export interface RawMusl {
  schemaVersion: number;
  kind: 'musl';
  provenance: Provenance[];
  lfs64: { names: string[]; source: string };
  selfSonames: { prefixes: string[]; source: string };
  versions: RawMuslVersion[];
}

/** RawGlibcArch is one architecture of glibc: per library, per first version node, the names it defines. */
export interface RawGlibcArch {
  sonames: string[];
  /** library soname -> version node (the first that defines the name in that library) -> space-separated sorted names. */
  libraries: Record<string, Record<string, string>>;
}

/** RawGlibc is data/glibc.json. */
export interface RawGlibc {
  schemaVersion: number;
  kind: 'glibc';
  provenance: Provenance[];
  releases: string[];
  arches: Record<string, RawGlibcArch>;
}

/** RawGcc is one GCC release's runtime version nodes, per musl arch. */
export interface RawGcc {
  gcc: string;
  derived: boolean;
  source: string;
  arches: Record<string, string[]>;
}

/** RawLibstdcxx is data/libstdcxx.json. */
export interface RawLibstdcxx {
  schemaVersion: number;
  kind: 'libstdcxx';
  provenance: Provenance[];
  releases: RawGcc[];
}

/** RawGcompatProfile is one gcompat version. */
export interface RawGcompatProfile {
  version: string;
  source: string;
  /** names libgcompat.so.0 defines. */
  symbols: string[];
  /** names its DT_NEEDED libraries (libucontext, musl-obstack) add, by library. */
  linked: Record<string, string[]>;
  sonames: string[];
  traps: Record<string, string>;
}

/** RawGcompat is data/gcompat.json. */
export interface RawGcompat {
  schemaVersion: number;
  kind: 'gcompat';
  provenance: Provenance[];
  loaders: Record<string, string>;
  profiles: RawGcompatProfile[];
}

/** RawTarget is one Alpine release in data/targets.json. */
export interface RawTarget {
  release: string;
  musl: string;
  gcc: string | null;
  gcompat: string | null;
  stable: boolean;
  note: string | null;
}

/** RawTargets is data/targets.json. */
export interface RawTargets {
  schemaVersion: number;
  kind: 'targets';
  source: string;
  defaultTarget: string;
  alpine: RawTarget[];
}

/** RawShim is one shim package in data/shims.json. */
export interface RawShim {
  package: string;
  soname: string | null;
  use: ShimUse;
  devPackage: string | null;
  linkFlag: string | null;
  symbols: string[];
  patterns: string[];
  source: string;
}

/** RawAdvice is one source-patch advice entry. */
export interface RawAdvice {
  api: string;
  symbols: string[];
  patterns: string[];
  replacement: string;
  source: string;
}

/** RawHazard is one behaviour difference. */
export interface RawHazard {
  id: string;
  symbols: string[];
  patterns: string[];
  summary: string;
  source: string;
}

/** RawShims is data/shims.json. */
export interface RawShims {
  schemaVersion: number;
  kind: 'shims';
  source: string;
  shims: RawShim[];
  advice: RawAdvice[];
  hazards: RawHazard[];
}

/** RawSonames is data/sonames.json. */
export interface RawSonames {
  schemaVersion: number;
  kind: 'sonames';
  source: string;
  packages: Record<string, { package: string | null; note: string | null }>;
}

/** Checker walks a parsed JSON value and throws DataError at the first mismatch. */
export class Checker {
  constructor(readonly file: string) {}

  /** fail throws a DataError for `path`. */
  fail(path: string, message: string): never {
    throw new DataError(this.file, path, message);
  }

  /** object asserts a plain object. */
  object(v: unknown, path: string): Record<string, unknown> {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) this.fail(path, 'expected an object');
    return v as Record<string, unknown>;
  }

  /** string asserts a non-empty string. */
  string(v: unknown, path: string): string {
    if (typeof v !== 'string' || v.length === 0) this.fail(path, 'expected a non-empty string');
    return v;
  }

  /** nullableString asserts a non-empty string or null. */
  nullableString(v: unknown, path: string): string | null {
    return v === null ? null : this.string(v, path);
  }

  /** boolean asserts a boolean. */
  boolean(v: unknown, path: string): boolean {
    if (typeof v !== 'boolean') this.fail(path, 'expected a boolean');
    return v;
  }

  /** nullableInteger asserts a non-negative integer or null. */
  nullableInteger(v: unknown, path: string): number | null {
    if (v === null) return null;
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0) this.fail(path, 'expected a non-negative integer or null');
    return v;
  }

  /** array asserts an array. */
  array(v: unknown, path: string): unknown[] {
    if (!Array.isArray(v)) this.fail(path, 'expected an array');
    return v;
  }

  /** names asserts an array of distinct, sorted, non-empty strings (the generator's determinism guarantee). */
  names(v: unknown, path: string): string[] {
    const a = this.array(v, path);
    for (let i = 0; i < a.length; i++) {
      const s = this.string(a[i], `${path}[${i}]`);
      if (i > 0 && !((a[i - 1] as string) < s)) this.fail(`${path}[${i}]`, `not sorted or duplicated ('${String(a[i - 1])}' before '${s}')`);
    }
    return a as string[];
  }

  /** header checks schemaVersion and kind. */
  header(v: unknown, kind: string): Record<string, unknown> {
    const o = this.object(v, '$');
    if (o.schemaVersion !== SCHEMA_VERSION) this.fail('$.schemaVersion', `expected ${SCHEMA_VERSION}, found ${JSON.stringify(o.schemaVersion)}`);
    if (o.kind !== kind) this.fail('$.kind', `expected '${kind}', found ${JSON.stringify(o.kind)}`);
    return o;
  }

  /** provenance checks a provenance list. */
  provenance(v: unknown, path: string): Provenance[] {
    return this.array(v, path).map((p, i) => {
      const o = this.object(p, `${path}[${i}]`);
      const sha256 = this.string(o.sha256, `${path}[${i}].sha256`);
      if (!/^[0-9a-f]{64}$/.test(sha256)) this.fail(`${path}[${i}].sha256`, 'expected 64 lowercase hex digits');
      return {
        package: this.string(o.package, `${path}[${i}].package`),
        version: this.string(o.version, `${path}[${i}].version`),
        arch: this.string(o.arch, `${path}[${i}].arch`),
        sha256,
        file: this.string(o.file, `${path}[${i}].file`),
      };
    });
  }
}

/**
 * checkNames validates a big symbol list (distinct, sorted, non-empty strings). The loader calls it
 * when it first builds the set that uses the list, so start-up only pays for what a run asks about.
 */
export function checkNames(file: string, path: string, joined: string): readonly string[] {
  const v = joined.split(' ');
  let prev = '';
  for (let i = 0; i < v.length; i++) {
    const s = v[i];
    if (typeof s !== 'string' || s.length === 0) throw new DataError(file, `${path}[${i}]`, 'expected a non-empty string');
    if (i > 0 && !(prev < s)) throw new DataError(file, `${path}[${i}]`, `not sorted or duplicated ('${prev}' before '${s}')`);
    prev = s;
  }
  return v;
}

/** checkMusl validates data/musl.json. */
export function checkMusl(v: unknown): RawMusl {
  const c = new Checker('musl.json');
  const o = c.header(v, 'musl');
  const lfs = c.object(o.lfs64, '$.lfs64');
  const self = c.object(o.selfSonames, '$.selfSonames');
  const versions = c.array(o.versions, '$.versions').map((x, i): RawMuslVersion => {
    const p = `$.versions[${i}]`;
    const r = c.object(x, p);
    const corr = c.object(r.corrections, `${p}.corrections`);
    const arches = c.object(r.arches, `${p}.arches`);
    const derived = c.boolean(r.derived, `${p}.derived`);
    const out: RawMuslVersion = {
      version: c.string(r.version, `${p}.version`),
      derived,
      derivedFrom: c.nullableString(r.derivedFrom, `${p}.derivedFrom`),
      debianVersion: c.nullableString(r.debianVersion, `${p}.debianVersion`),
      corrections: { add: c.names(corr.add, `${p}.corrections.add`), remove: c.names(corr.remove, `${p}.corrections.remove`), reason: c.string(corr.reason, `${p}.corrections.reason`) },
      lfs64Remap: c.boolean(r.lfs64Remap, `${p}.lfs64Remap`),
      lfs64NameMax: c.nullableInteger(r.lfs64NameMax, `${p}.lfs64NameMax`),
      note: c.string(r.note, `${p}.note`),
      arches: {},
    };
    if (derived !== (out.derivedFrom !== null)) c.fail(`${p}.derivedFrom`, 'a derived version needs derivedFrom, a measured one must not have it');
    if (!derived && Object.keys(arches).length === 0) c.fail(`${p}.arches`, 'a measured version needs at least one arch');
    for (const [arch, a] of Object.entries(arches)) {
      const ao = c.object(a, `${p}.arches.${arch}`);
      // element checks of the big list are deferred to MuslIndex (checkNames)
      out.arches[arch] = { debianExports: c.string(ao.debianExports, `${p}.arches.${arch}.debianExports`), sha256: c.string(ao.sha256, `${p}.arches.${arch}.sha256`) };
    }
    return out;
  });
  const known = new Set(versions.map((x) => x.version));
  versions.forEach((x, i) => {
    if (x.derivedFrom !== null && (!known.has(x.derivedFrom) || versions.find((y) => y.version === x.derivedFrom)?.derived !== false)) {
      c.fail(`$.versions[${i}].derivedFrom`, `'${x.derivedFrom}' is not a measured version in this file`);
    }
  });
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'musl',
    provenance: c.provenance(o.provenance, '$.provenance'),
    lfs64: { names: c.names(lfs.names, '$.lfs64.names'), source: c.string(lfs.source, '$.lfs64.source') },
    selfSonames: { prefixes: c.names(self.prefixes, '$.selfSonames.prefixes'), source: c.string(self.source, '$.selfSonames.source') },
    versions,
  };
}

/** checkGlibc validates data/glibc.json. */
export function checkGlibc(v: unknown): RawGlibc {
  const c = new Checker('glibc.json');
  const o = c.header(v, 'glibc');
  const arches: Record<string, RawGlibcArch> = {};
  for (const [arch, a] of Object.entries(c.object(o.arches, '$.arches'))) {
    const p = `$.arches.${arch}`;
    const ao = c.object(a, p);
    const libraries: Record<string, Record<string, string>> = {};
    for (const [lib, byVersion] of Object.entries(c.object(ao.libraries, `${p}.libraries`))) {
      libraries[lib] = {};
      for (const [ver, names] of Object.entries(c.object(byVersion, `${p}.libraries.${lib}`))) {
        if (!/^GLIBC_(PRIVATE|\d+(\.\d+)*)$/.test(ver)) c.fail(`${p}.libraries.${lib}`, `unexpected version node '${ver}'`);
        // element checks are deferred to GlibcIndex (checkNames) when the arch is first used
        libraries[lib][ver] = c.string(names, `${p}.libraries.${lib}.${ver}`);
      }
    }
    arches[arch] = { sonames: c.names(ao.sonames, `${p}.sonames`), libraries };
  }
  if (Object.keys(arches).length === 0) c.fail('$.arches', 'no arches');
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'glibc',
    provenance: c.provenance(o.provenance, '$.provenance'),
    releases: c.array(o.releases, '$.releases').map((r, i) => c.string(r, `$.releases[${i}]`)),
    arches,
  };
}

/** checkLibstdcxx validates data/libstdcxx.json. */
export function checkLibstdcxx(v: unknown): RawLibstdcxx {
  const c = new Checker('libstdcxx.json');
  const o = c.header(v, 'libstdcxx');
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'libstdcxx',
    provenance: c.provenance(o.provenance, '$.provenance'),
    releases: c.array(o.releases, '$.releases').map((x, i) => {
      const p = `$.releases[${i}]`;
      const r = c.object(x, p);
      const arches: Record<string, string[]> = {};
      for (const [arch, nodes] of Object.entries(c.object(r.arches, `${p}.arches`))) arches[arch] = c.names(nodes, `${p}.arches.${arch}`);
      if (!Object.hasOwn(arches, 'x86_64')) c.fail(`${p}.arches`, 'x86_64 is required');
      return {
        gcc: c.string(r.gcc, `${p}.gcc`),
        derived: c.boolean(r.derived, `${p}.derived`),
        source: c.string(r.source, `${p}.source`),
        arches,
      };
    }),
  };
}

/** checkGcompat validates data/gcompat.json. */
export function checkGcompat(v: unknown): RawGcompat {
  const c = new Checker('gcompat.json');
  const o = c.header(v, 'gcompat');
  const loaders: Record<string, string> = {};
  for (const [arch, path] of Object.entries(c.object(o.loaders, '$.loaders'))) loaders[arch] = c.string(path, `$.loaders.${arch}`);
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'gcompat',
    provenance: c.provenance(o.provenance, '$.provenance'),
    loaders,
    profiles: c.array(o.profiles, '$.profiles').map((x, i) => {
      const p = `$.profiles[${i}]`;
      const r = c.object(x, p);
      const linked: Record<string, string[]> = {};
      for (const [lib, names] of Object.entries(c.object(r.linked, `${p}.linked`))) linked[lib] = c.names(names, `${p}.linked.${lib}`);
      const traps: Record<string, string> = {};
      for (const [name, text] of Object.entries(c.object(r.traps, `${p}.traps`))) traps[name] = c.string(text, `${p}.traps.${name}`);
      return {
        version: c.string(r.version, `${p}.version`),
        source: c.string(r.source, `${p}.source`),
        symbols: c.names(r.symbols, `${p}.symbols`),
        linked,
        sonames: c.names(r.sonames, `${p}.sonames`),
        traps,
      };
    }),
  };
}

/** checkTargets validates data/targets.json. */
export function checkTargets(v: unknown): RawTargets {
  const c = new Checker('targets.json');
  const o = c.header(v, 'targets');
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'targets',
    source: c.string(o.source, '$.source'),
    defaultTarget: c.string(o.defaultTarget, '$.defaultTarget'),
    alpine: c.array(o.alpine, '$.alpine').map((x, i) => {
      const p = `$.alpine[${i}]`;
      const r = c.object(x, p);
      return {
        release: c.string(r.release, `${p}.release`),
        musl: c.string(r.musl, `${p}.musl`),
        gcc: c.nullableString(r.gcc, `${p}.gcc`),
        gcompat: c.nullableString(r.gcompat, `${p}.gcompat`),
        stable: c.boolean(r.stable, `${p}.stable`),
        note: c.nullableString(r.note, `${p}.note`),
      };
    }),
  };
}

const SHIM_USES: readonly ShimUse[] = ['preload', 'add-needed', 'link', 'static-link'];

/** checkShims validates data/shims.json. */
export function checkShims(v: unknown): RawShims {
  const c = new Checker('shims.json');
  const o = c.header(v, 'shims');
  const strings = (x: unknown, p: string): string[] => c.array(x, p).map((s, i) => c.string(s, `${p}[${i}]`));
  return {
    schemaVersion: SCHEMA_VERSION,
    kind: 'shims',
    source: c.string(o.source, '$.source'),
    shims: c.array(o.shims, '$.shims').map((x, i) => {
      const p = `$.shims[${i}]`;
      const r = c.object(x, p);
      if (!SHIM_USES.includes(r.use as ShimUse)) c.fail(`${p}.use`, `expected one of ${SHIM_USES.join(', ')}`);
      return {
        package: c.string(r.package, `${p}.package`),
        soname: c.nullableString(r.soname, `${p}.soname`),
        use: r.use as ShimUse,
        devPackage: c.nullableString(r.devPackage, `${p}.devPackage`),
        linkFlag: c.nullableString(r.linkFlag, `${p}.linkFlag`),
        symbols: strings(r.symbols, `${p}.symbols`),
        patterns: strings(r.patterns, `${p}.patterns`),
        source: c.string(r.source, `${p}.source`),
      };
    }),
    advice: c.array(o.advice, '$.advice').map((x, i) => {
      const p = `$.advice[${i}]`;
      const r = c.object(x, p);
      return {
        api: c.string(r.api, `${p}.api`),
        symbols: strings(r.symbols, `${p}.symbols`),
        patterns: strings(r.patterns, `${p}.patterns`),
        replacement: c.string(r.replacement, `${p}.replacement`),
        source: c.string(r.source, `${p}.source`),
      };
    }),
    hazards: c.array(o.hazards, '$.hazards').map((x, i) => {
      const p = `$.hazards[${i}]`;
      const r = c.object(x, p);
      return {
        id: c.string(r.id, `${p}.id`),
        symbols: strings(r.symbols, `${p}.symbols`),
        patterns: strings(r.patterns, `${p}.patterns`),
        summary: c.string(r.summary, `${p}.summary`),
        source: c.string(r.source, `${p}.source`),
      };
    }),
  };
}

/** checkSonames validates data/sonames.json. */
export function checkSonames(v: unknown): RawSonames {
  const c = new Checker('sonames.json');
  const o = c.header(v, 'sonames');
  const packages: RawSonames['packages'] = {};
  for (const [soname, x] of Object.entries(c.object(o.packages, '$.packages'))) {
    const r = c.object(x, `$.packages.${soname}`);
    const pkg = c.nullableString(r.package, `$.packages.${soname}.package`);
    const note = c.nullableString(r.note, `$.packages.${soname}.note`);
    if (pkg === null && note === null) c.fail(`$.packages.${soname}`, 'a soname without a package needs a note saying why');
    packages[soname] = { package: pkg, note };
  }
  return { schemaVersion: SCHEMA_VERSION, kind: 'sonames', source: c.string(o.source, '$.source'), packages };
}
