/**
 * musl: builds MuslView objects from data/musl.json, applying the loader rules of each version.
 *
 * Loader rules (musl ldso/dynlink.c):
 * - lookup is by name; a symbol binds when libc.so exports it.
 * - from 1.2.4, a failed lookup of `<name>64` (for the names in get_lfs64's list) or of
 *   `readdir64_r` retries without the suffix. In 1.2.4 and 1.2.5 get_lfs64 copies the name into a
 *   16-byte buffer first and gives up on longer names, so `posix_fallocate64` (17 characters) is
 *   never remapped; commit 53ac44ff fixed that after 1.2.5.
 * - DT_NEEDED names `lib` + `c.`, `pthread.`, `rt.`, `m.`, `dl.`, `util.`, `xnet.` are the loader itself
 *   (load_library's `reserved` list).
 */
import type { Arch, MuslView } from './types.js';
import type { RawMusl, RawMuslVersion } from './schema.js';
import { checkNames } from './schema.js';
import { muslLoaderPath } from './arch.js';

/** MuslRules is what every view of a version shares. */
interface MuslRules {
  lfs64: ReadonlySet<string>;
  selfPrefixes: readonly string[];
  remap: boolean;
  nameMax: number | null;
}

/** lfs64TargetFor applies get_lfs64: the unsuffixed name the loader retries, or null. */
export function lfs64TargetFor(name: string, rules: Pick<MuslRules, 'lfs64' | 'remap' | 'nameMax'>): string | null {
  if (!rules.remap) return null;
  if (rules.nameMax !== null && name.length > rules.nameMax) return null;
  if (name === 'readdir64_r') return 'readdir_r';
  if (name.length < 3 || !name.endsWith('64')) return null;
  const base = name.slice(0, -2);
  return rules.lfs64.has(base) ? base : null;
}

/** applyCorrections returns `base` minus `remove` plus `add`, frozen. */
function applyCorrections(base: Iterable<string>, corrections: { add: readonly string[]; remove: readonly string[] }): ReadonlySet<string> {
  const out = new Set(base);
  for (const n of corrections.remove) out.delete(n);
  for (const n of corrections.add) out.add(n);
  return freezeSet(out);
}

/** freezeSet makes a Set read-only at run time as well as in the types. */
export function freezeSet<T>(s: Set<T>): ReadonlySet<T> {
  const blocked = (): never => {
    throw new TypeError('database sets are frozen');
  };
  Object.defineProperties(s, { add: { value: blocked }, delete: { value: blocked }, clear: { value: blocked } });
  return Object.freeze(s);
}

/** makeView assembles one frozen MuslView. */
function makeView(raw: RawMuslVersion, arch: Arch, exports: ReadonlySet<string>, debianExports: ReadonlySet<string> | null, rules: MuslRules): MuslView {
  const loaderPath = muslLoaderPath(arch) ?? `/lib/ld-musl-${arch}.so.1`;
  const lfs64Target = (name: string): string | null => lfs64TargetFor(name, rules);
  const view: MuslView = {
    version: raw.version,
    arch,
    derived: raw.derived,
    derivedFrom: raw.derivedFrom,
    exports,
    debianExports,
    lfs64Remap: raw.lfs64Remap,
    loaderPath,
    lfs64Target,
    resolves(name: string, useDebianExports = false): boolean {
      const set = useDebianExports && debianExports !== null ? debianExports : exports;
      if (set.has(name)) return true;
      const target = lfs64Target(name);
      return target !== null && set.has(target);
    },
    isSelfSoname(soname: string): boolean {
      return soname.startsWith('lib') && rules.selfPrefixes.some((p) => soname.startsWith(p, 3));
    },
  };
  return Object.freeze(view);
}

/** MuslIndex answers musl(version, arch) lazily, building each view once. */
export class MuslIndex {
  private readonly views = new Map<string, MuslView | null>();
  private readonly byVersion: ReadonlyMap<string, RawMuslVersion>;
  private readonly lfs64: ReadonlySet<string>;

  constructor(private readonly raw: RawMusl) {
    this.byVersion = new Map(raw.versions.map((v) => [v.version, v]));
    this.lfs64 = freezeSet(new Set(raw.lfs64.names));
  }

  /** versions lists the musl versions, oldest first. */
  get versions(): readonly RawMuslVersion[] {
    return this.raw.versions;
  }

  /** archesOf lists the arches a version has data for (a derived version inherits its base's). */
  archesOf(version: string): readonly Arch[] {
    const v = this.byVersion.get(version);
    if (v === undefined) return [];
    const measured = v.derivedFrom === null ? v : this.byVersion.get(v.derivedFrom);
    return Object.keys(measured?.arches ?? {}).sort();
  }

  /** view returns the memoised MuslView for a version and (data) arch, null when there is no data. */
  view(version: string, arch: Arch): MuslView | null {
    const key = `${version}\0${arch}`;
    const hit = this.views.get(key);
    if (hit !== undefined) return hit;
    const built = this.build(version, arch);
    this.views.set(key, built);
    return built;
  }

  private build(version: string, arch: Arch): MuslView | null {
    const v = this.byVersion.get(version);
    if (v === undefined) return null;
    const rules: MuslRules = { lfs64: this.lfs64, selfPrefixes: this.raw.selfSonames.prefixes, remap: v.lfs64Remap, nameMax: v.lfs64NameMax };
    if (v.derivedFrom === null) {
      const a = Object.hasOwn(v.arches, arch) ? v.arches[arch] : undefined;
      if (a === undefined) return null;
      const debian = freezeSet(new Set(checkNames('musl.json', `$.versions[${version}].arches.${arch}.debianExports`, a.debianExports)));
      return makeView(v, arch, applyCorrections(debian, v.corrections), debian, rules);
    }
    const base = this.view(v.derivedFrom, arch);
    if (base === null) return null;
    return makeView(v, arch, applyCorrections(base.exports, v.corrections), null, rules);
  }
}
