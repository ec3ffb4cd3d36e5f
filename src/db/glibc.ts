/**
 * glibc: answers "since which GLIBC_x.y node does glibc define this name, and in which library"
 * from data/glibc.json (Debian libc6 2.36 and 2.41, read by our ELF reader).
 *
 * A name can be defined in several libraries and under several nodes (memcpy@GLIBC_2.2.5 and
 * memcpy@@GLIBC_2.14; pthread_create in libpthread.so.0 before 2.34 and libc.so.6 after). The
 * answer is the oldest public node over all of them; GLIBC_PRIVATE counts only when nothing
 * public exists.
 */
import type { Arch } from './types.js';
import type { RawGlibc, RawGlibcArch } from './schema.js';
import { checkNames } from './schema.js';
import { freezeSet } from './musl.js';

/** GlibcSymbol is what glibc says about one name on one arch. */
export interface GlibcSymbol {
  /** oldest public version node, null when the name is only GLIBC_PRIVATE. */
  since: string | null;
  library: string;
  private: boolean;
}

/** compareGlibcVersions orders `GLIBC_2.2.5` < `GLIBC_2.3` < `GLIBC_2.17`; GLIBC_PRIVATE sorts last. */
export function compareGlibcVersions(a: string, b: string): number {
  const pa = versionParts(a);
  const pb = versionParts(b);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const partsCache = new Map<string, readonly number[]>();

/** versionParts splits `GLIBC_2.2.5` into [2, 2, 5] (memoised); non-numeric nodes (GLIBC_PRIVATE) become [Infinity]. */
function versionParts(v: string): readonly number[] {
  const hit = partsCache.get(v);
  if (hit !== undefined) return hit;
  const m = /^[A-Z]+_(\d+(?:\.\d+)*)$/.exec(v);
  const parts = m?.[1] === undefined ? [Infinity] : m[1].split('.').map(Number);
  partsCache.set(v, parts);
  return parts;
}

/** Entry is the mutable record indexArch builds per name before freezing it. */
interface Entry {
  since: string | null;
  oldestLib: string | null;
  firstLib: string;
  inLibc: boolean;
}

/**
 * indexArch folds one arch's per-library lists into name -> GlibcSymbol in one pass: the oldest
 * public node over all libraries (ties: the first library in sorted order); the library is
 * libc.so.6 when libc.so.6 defines the name publicly (since 2.34 most of libpthread, libdl and
 * librt live there), else the library of the oldest public definition; GLIBC_PRIVATE-only names
 * keep the first library in sorted order.
 */
function indexArch(raw: RawGlibcArch, arch: Arch): ReadonlyMap<string, GlibcSymbol> {
  const entries = new Map<string, Entry>();
  for (const lib of Object.keys(raw.libraries).sort()) {
    for (const [version, list] of Object.entries(raw.libraries[lib] ?? {})) {
      const isPrivate = version === 'GLIBC_PRIVATE';
      for (const name of checkNames('glibc.json', `$.arches.${arch}.libraries.${lib}.${version}`, list)) {
        const e = entries.get(name);
        if (e === undefined) {
          entries.set(name, { since: isPrivate ? null : version, oldestLib: isPrivate ? null : lib, firstLib: lib, inLibc: !isPrivate && lib === 'libc.so.6' });
          continue;
        }
        if (isPrivate) continue;
        if (e.since === null || compareGlibcVersions(version, e.since) < 0) {
          e.since = version;
          e.oldestLib = lib;
        }
        if (lib === 'libc.so.6') e.inLibc = true;
      }
    }
  }
  const out = new Map<string, GlibcSymbol>();
  for (const [name, e] of entries) {
    const library = e.inLibc ? 'libc.so.6' : (e.oldestLib ?? e.firstLib);
    out.set(name, { since: e.since, library, private: e.since === null });
  }
  return out;
}

/** GlibcIndex answers per-arch questions, indexing each arch on first use. */
export class GlibcIndex {
  private readonly indexes = new Map<Arch, ReadonlyMap<string, GlibcSymbol>>();
  private readonly sonames: ReadonlySet<string>;

  constructor(private readonly raw: RawGlibc) {
    this.sonames = freezeSet(new Set(Object.values(raw.arches).flatMap((a) => a.sonames)));
  }

  /** arches lists the arches with glibc data. */
  get arches(): readonly Arch[] {
    return Object.keys(this.raw.arches).sort();
  }

  /** lookup gives what glibc says about `name` on `arch`, null when it never defined it there. */
  lookup(name: string, arch: Arch): GlibcSymbol | null {
    return this.index(arch)?.get(name) ?? null;
  }

  /** isSoname is true for a soname shipped by libc6 on any arch. */
  isSoname(soname: string): boolean {
    return this.sonames.has(soname);
  }

  /** names lists every name defined on an arch, sorted. */
  names(arch: Arch): readonly string[] {
    const idx = this.index(arch);
    return idx === null ? [] : Object.freeze([...idx.keys()].sort());
  }

  /** count tallies public and private-only names on an arch. */
  count(arch: Arch): { public: number; private: number } | null {
    const idx = this.index(arch);
    if (idx === null) return null;
    let priv = 0;
    for (const s of idx.values()) if (s.private) priv++;
    return { public: idx.size - priv, private: priv };
  }

  private index(arch: Arch): ReadonlyMap<string, GlibcSymbol> | null {
    const hit = this.indexes.get(arch);
    if (hit !== undefined) return hit;
    const raw = Object.hasOwn(this.raw.arches, arch) ? this.raw.arches[arch] : undefined;
    if (raw === undefined) return null;
    const built = indexArch(raw, arch);
    this.indexes.set(arch, built);
    return built;
  }
}
