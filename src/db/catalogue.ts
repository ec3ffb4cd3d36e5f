/**
 * catalogue: the curated lookups — shims, source-patch advice and hazards by symbol
 * (data/shims.json), Alpine packages by soname (data/sonames.json), and targets
 * (data/targets.json).
 */
import type { Advice, AlpinePackage, Hazard, ShimEntry, TargetInfo } from './types.js';
import type { RawShims, RawSonames, RawTargets } from './schema.js';

/** NONE is the shared answer for a name no entry mentions (the common case: it is asked for every import). */
const NONE: readonly never[] = Object.freeze([]);

/** Matcher finds the entries that name a symbol exactly or through a `*` pattern. */
export class Matcher<T> {
  private readonly exact = new Map<string, T[]>();
  private readonly patterns: Array<{ re: RegExp; entry: T }> = [];
  /** any matches a name that some pattern matches: one test rejects most names. */
  private any: RegExp | null = null;

  /** add registers an entry under its exact names and glob patterns (`__isoc23_*`, `__*_chk`). */
  add(entry: T, symbols: readonly string[], patterns: readonly string[]): void {
    for (const s of symbols) {
      const list = this.exact.get(s);
      if (list === undefined) this.exact.set(s, [entry]);
      else if (!list.includes(entry)) list.push(entry);
    }
    for (const p of patterns) this.patterns.push({ re: globToRegExp(p), entry });
    this.any = this.patterns.length === 0 ? null : new RegExp(this.patterns.map((x) => `(?:${x.re.source})`).join('|'));
  }

  /** match returns the entries for `name`, in catalogue order, each once (a shared empty list when none). */
  match(name: string): readonly T[] {
    const exact = this.exact.get(name);
    if (this.any === null || !this.any.test(name)) return exact ?? NONE;
    const out = [...(exact ?? [])];
    for (const { re, entry } of this.patterns) if (re.test(name) && !out.includes(entry)) out.push(entry);
    return out;
  }
}

/** globToRegExp turns a symbol pattern where `*` matches any run of characters into an anchored RegExp. */
export function globToRegExp(pattern: string): RegExp {
  const body = pattern
    .split('*')
    .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
    .join('.*');
  return new RegExp(`^${body}$`);
}

/** Catalogue answers shims(), advice() and hazards(). */
export class Catalogue {
  private readonly shimMatcher = new Matcher<ShimEntry>();
  private readonly adviceMatcher = new Matcher<Advice>();
  private readonly hazardMatcher = new Matcher<Hazard>();

  constructor(raw: RawShims) {
    for (const s of raw.shims) {
      const entry: ShimEntry = Object.freeze({ package: s.package, soname: s.soname, use: s.use, devPackage: s.devPackage, linkFlag: s.linkFlag, source: s.source });
      this.shimMatcher.add(entry, s.symbols, s.patterns);
    }
    for (const a of raw.advice) this.adviceMatcher.add(Object.freeze({ api: a.api, replacement: a.replacement, source: a.source }), a.symbols, a.patterns);
    for (const h of raw.hazards) this.hazardMatcher.add(Object.freeze({ id: h.id, summary: h.summary, source: h.source }), h.symbols, h.patterns);
  }

  /** shims lists the Alpine packages that provide `name`. */
  shims(name: string): readonly ShimEntry[] {
    return frozen(this.shimMatcher.match(name));
  }

  /** advice gives the first (most specific: exact names before patterns) advice entry for `name`. */
  advice(name: string): Advice | null {
    return this.adviceMatcher.match(name)[0] ?? null;
  }

  /** hazards lists the behaviour differences recorded for `name`. */
  hazards(name: string): readonly Hazard[] {
    return frozen(this.hazardMatcher.match(name));
  }
}

/** frozen freezes a list once (the exact-name lists are shared, so they are frozen in place). */
function frozen<T>(list: readonly T[]): readonly T[] {
  return Object.isFrozen(list) ? list : Object.freeze(list);
}

/** SonameTable maps sonames to Alpine packages. */
export class SonameTable {
  private readonly table: ReadonlyMap<string, { package: string | null; note: string | null }>;

  constructor(raw: RawSonames) {
    this.table = new Map(Object.entries(raw.packages));
  }

  /** info answers for one soname, falling back to apk's `so:` provider syntax. */
  info(soname: string): AlpinePackage {
    const hit = this.table.get(soname);
    if (hit === undefined) return { soname, package: null, apk: `so:${soname}`, note: null, known: false };
    return { soname, package: hit.package, apk: hit.package, note: hit.note, known: true };
  }

  /** packageFor is the `apk add` argument: the package, or `so:NAME` (also when Alpine has none: apk then says so). */
  packageFor(soname: string): string {
    return this.info(soname).apk ?? `so:${soname}`;
  }
}

/** TargetTable resolves `--target` specs. */
export class TargetTable {
  readonly targets: readonly TargetInfo[];
  readonly defaultId: string;
  private readonly muslVersions: readonly string[];

  constructor(raw: RawTargets, muslVersions: readonly string[]) {
    this.muslVersions = muslVersions;
    const alpine = raw.alpine.map((t) =>
      Object.freeze({ id: `alpine:${t.release}`, alpine: t.release, musl: t.musl, gcc: t.gcc, gcompat: t.gcompat }),
    );
    const bare = [...muslVersions].reverse().map((v) => Object.freeze({ id: `musl:${v}`, alpine: null, musl: v, gcc: null, gcompat: null }));
    this.targets = Object.freeze([...alpine, ...bare]);
    this.defaultId = raw.defaultTarget;
    for (const t of alpine) {
      if (!muslVersions.includes(t.musl)) throw new Error(`targets.json: ${t.id} names musl ${t.musl}, which musl.json does not have`);
    }
    if (!this.targets.some((t) => t.id === raw.defaultTarget)) throw new Error(`targets.json: defaultTarget ${raw.defaultTarget} is not a target`);
  }

  /** resolve parses `alpine:3.22`, `3.22`, `edge`, `musl:1.2.5` or undefined (the default). Throws on unknown targets. */
  resolve(spec?: string): TargetInfo {
    const s = (spec ?? this.defaultId).trim().toLowerCase();
    const id = s.startsWith('alpine:') || s.startsWith('musl:') ? s : /^\d+\.\d+\.\d+$/.test(s) ? `musl:${s}` : `alpine:${s}`;
    const hit = this.targets.find((t) => t.id === id);
    if (hit === undefined) {
      throw new Error(`unknown target '${spec ?? ''}' (known: ${this.targets.map((t) => t.id).join(', ')}; musl versions: ${this.muslVersions.join(', ')})`);
    }
    return hit;
  }
}
