/**
 * index: analyzeElf resolves one ELF file the way musl's loader would on the target and
 * turns what fails into findings; src/plan then derives the verdict and the plan.
 * Nothing here does I/O: libraries arrive through a LibraryLookup, package.json
 * through `packageOf`.
 */
import type { ElfError } from '../elf/errors.js';
import type { ElfImport, ElfInfo } from '../elf/types.js';
import type { Database, GcompatView, MuslView, TargetInfo } from '../db/types.js';
import { CATALOGUE, type Code } from './catalogue.js';
import { buildNamespace, type LibraryLookup } from './resolve.js';
import { classifyMissing, isHostSymbol, isLibstdcxxNode, pluginKind, TIME_ABI, type MissingSymbol, type PluginKind } from './symbols.js';
import type { FileReport, Finding, Libc, SuppressedFinding } from './types.js';
import { completeReport, type ToolchainKind } from '../plan/index.js';
import { compareDotted, muslLoaderPath } from '../db/index.js';

export type { LoadedLibrary, LibraryLookup } from './resolve.js';
export { NO_LIBRARIES, ANALYSIS_READ, SCAN_READ, bindable, bindableNames, libraryFromElf, type NameLookup } from './resolve.js';
export { CATALOGUE, CODES, type Code } from './catalogue.js';
export type * from './types.js';

/** PackageInfo is the nearest package.json of a file (Node addons). */
export interface PackageInfo {
  name: string;
  version: string | null;
  libc: string[] | null;
  dir: string;
}

/** AnalyzeOptions is everything analyzeElf needs besides the file. */
export interface AnalyzeOptions {
  db: Database;
  target: TargetInfo;
  lookup: LibraryLookup;
  packageOf?: (path: string) => PackageInfo | null;
  includeExports?: boolean;
  /** use Debian's musl exports instead of upstream/Alpine's (only the oracle test wants this). */
  debianMusl?: boolean;
  /** accepted findings (config allowlist, baseline): split off before the verdict and the plan. */
  suppress?: FindingFilter;
}

/** FindingFilter splits a file's findings into those that count and those accepted (src/plan/suppress.ts compiles one). */
export interface FindingFilter {
  split(path: string, findings: readonly Finding[]): { kept: Finding[]; suppressed: SuppressedFinding[] };
}

/** finding builds a Finding with the catalogue's severity. */
export function finding(code: Code, args: Finding['args']): Finding {
  return { code, severity: CATALOGUE[code].severity, args };
}

/** emptyReport is a report with every list empty (fresh lists, which the analysis fills). */
export function emptyReport(path: string, kind: FileReport['kind']): FileReport {
  return blankReport(path, kind, () => []);
}

/** NONE is the one empty list every not-ELF report shares (frozen: pushing to it throws). */
const NONE: never[] = Object.freeze([]) as never[];

/**
 * notElfReport is the report of a file that is not ELF: nothing to say, no verdict. Its
 * lists are one shared, frozen empty array: a scan keeps the reports of a tree's files
 * for the text, SARIF and Markdown formats, and on /usr (137,000 files that are not ELF)
 * eight fresh arrays each were 40 MB of peak RSS (316 MB against 277 MB).
 */
export function notElfReport(path: string): FileReport {
  return blankReport(path, 'not-elf', () => NONE);
}

/** blankReport is a report with nothing found; `list` gives each of its lists. */
function blankReport(path: string, kind: FileReport['kind'], list: () => never[]): FileReport {
  return {
    path,
    kind,
    error: null,
    elf: null,
    libc: 'unknown',
    toolchain: null,
    unresolved: list(),
    unresolvedWithGcompat: list(),
    missingLibraries: list(),
    loaderErrors: list(),
    verdict: null,
    findings: list(),
    suppressed: list(),
    plan: list(),
  };
}

/**
 * reportForError turns a typed reader error into a report: not-elf has no verdict;
 * malformed and unreadable are errors (unless the allowlist accepts them).
 */
export function reportForError(path: string, error: Pick<ElfError, 'kind' | 'reason' | 'offset' | 'field'>, suppress?: FindingFilter): FileReport {
  if (error.kind === 'not-elf') return notElfReport(path);
  const r = emptyReport(path, error.kind);
  r.error = { kind: error.kind, message: error.reason, offset: error.offset, field: error.field };
  r.findings = [finding(error.kind, { reason: error.reason, offset: error.offset, field: error.field })];
  applySuppressions(r, suppress);
  r.verdict = r.findings.length > 0 ? 'error' : 'ok';
  return r;
}

/** internalErrorReport is the report of a file whose analysis threw: the scan goes on, the file is an error. */
export function internalErrorReport(path: string, e: unknown): FileReport {
  const r = emptyReport(path, 'elf');
  const message = e instanceof Error ? e.message : String(e);
  r.findings = [finding('internal-error', { message })];
  r.verdict = 'error';
  return r;
}

/** applySuppressions moves accepted findings to `suppressed` (before the verdict and the plan are derived). */
function applySuppressions(r: FileReport, suppress: FindingFilter | undefined): void {
  if (suppress === undefined || r.findings.length === 0) return;
  const { kept, suppressed } = suppress.split(r.path, r.findings);
  r.findings = kept;
  r.suppressed = suppressed;
}

const GLIBC_INTERP = /(^|\/)(ld-linux[^/]*\.so\.\d+|ld64\.so\.[12]|ld\.so\.1)$/;
const MUSL_INTERP = /(^|\/)ld-musl-[^/]+\.so\.1$/;

/** isGlibcInterp recognises glibc's loader names (ld-linux-*.so.*, ld64.so.*, NixOS store paths too). */
export function isGlibcInterp(interp: string | null): boolean {
  return interp !== null && GLIBC_INTERP.test(interp) && !MUSL_INTERP.test(interp);
}

/** classifyLibc says which libc the file was linked against, from interp, DT_NEEDED and version names. */
export function classifyLibc(elf: ElfInfo): Libc {
  if (elf.static) return 'none';
  const muslSide = (elf.interp !== null && MUSL_INTERP.test(elf.interp)) || elf.needed.some((n) => n === 'libc.so' || n.startsWith('libc.musl-'));
  const glibcSide =
    isGlibcInterp(elf.interp) || elf.needed.includes('libc.so.6') || elf.imports.some((i) => i.version?.startsWith('GLIBC_') === true);
  if (muslSide && glibcSide) return 'mixed';
  if (muslSide) return 'musl';
  if (glibcSide) return 'glibc';
  if (elf.imports.length === 0) return 'none';
  return 'unknown';
}

/** toolchainKind picks the rebuild recipe: Go, Rust, Node addon, Python extension, C++ or C. */
export function toolchainKind(elf: ElfInfo, plugin: PluginKind): ToolchainKind {
  if (elf.toolchain.go) return 'go';
  if (elf.toolchain.rust) return 'rust';
  if (plugin) return plugin;
  if (elf.needed.some((n) => n.startsWith('libstdc++'))) return 'cxx';
  return 'c';
}

/** analyzeElf resolves a file against the target and returns its complete report. */
export function analyzeElf(path: string, elf: ElfInfo, opts: AnalyzeOptions): FileReport {
  const { db, target } = opts;
  const r = emptyReport(path, 'elf');
  const arch = db.archForElf(elf.machine, elf.class, elf.endian, elf.flags);
  r.elf = {
    class: elf.class,
    endian: elf.endian,
    machine: elf.machine,
    arch,
    type: elf.type,
    interp: elf.interp,
    needed: elf.needed,
    soname: elf.soname,
    rpath: elf.rpath,
    runpath: elf.runpath,
    static: elf.static,
    pie: elf.pie,
    gnuStack: elf.gnuStack,
    buildId: elf.buildId,
    imports: elf.imports,
    ...(opts.includeExports ? { exports: elf.exports } : {}),
  };
  r.toolchain = elf.toolchain;
  r.libc = classifyLibc(elf);
  const plugin = pluginKind(path, elf.type, elf.interp, elf.imports);
  const kind = toolchainKind(elf, plugin);
  const pkg = opts.packageOf?.(path) ?? null;
  /** finish splits off accepted findings, then derives the verdict and the plan from the rest. */
  const finish = (): FileReport => {
    applySuppressions(r, opts.suppress);
    return completeReport(r, { db, target, arch, toolchain: kind, plugin, pkg, elf });
  };

  const loadable = elf.type === 'exec' || elf.type === 'dyn';
  if (arch === null) {
    if (loadable) r.findings.push(finding('unsupported-arch', { machine: elf.machine, class: elf.class, endian: elf.endian }));
    return finish();
  }
  // A static file needs nothing from the loader: no symbol data is involved.
  if (elf.static) {
    addStaticFindings(r, elf);
    return finish();
  }
  const musl = db.musl(target.musl, arch);
  if (musl === null) {
    if (loadable) {
      r.findings.push(finding('arch-not-covered', { machine: elf.machine, arch, class: elf.class, endian: elf.endian, libc: r.libc, loader: muslLoaderPath(arch) }));
    }
    return finish();
  }
  const gcompat = db.gcompat(target.gcompat ?? newestGcompat(db, arch), arch);

  if (isGlibcInterp(elf.interp)) {
    r.findings.push(finding('glibc-interpreter', { interp: elf.interp, musl: musl.loaderPath, gcompat: gcompat?.loaderPath ?? null }));
  }
  if (elf.relocations.relr && compareDotted(target.musl, RELR_SINCE) < 0) {
    r.findings.push(finding('relr-unsupported', { musl: RELR_SINCE, targetMusl: target.musl, alpine: firstAlpineWith(db, (t) => compareDotted(t.musl, RELR_SINCE) >= 0) }));
  }

  const ns = buildNamespace(path, elf, musl, gcompat, opts.lookup);
  const debian = opts.debianMusl === true;
  const missingNonLibc = ns.missing.filter((n) => !db.isGlibcSoname(n) && !isGlibcInterp(n));
  const missingGlibc = ns.missing.filter((n) => db.isGlibcSoname(n) || isGlibcInterp(n));

  // The loader's view: strong imports nobody binds.
  const unresolved: string[] = [];
  const host: string[] = [];
  const assumed: string[] = [];
  // musl's own symbols join the namespace only when some loaded object needs libc.* (or gcompat, which does).
  const inMusl = (name: string): boolean => ns.usesMuslSelf && musl.resolves(name, debian);
  const unreferenced = new Set(elf.relocations.unreferencedImports);
  for (const imp of elf.imports) {
    if (imp.weak || unreferenced.has(imp.name)) continue;
    if (ns.names.has(imp.name) || inMusl(imp.name)) continue;
    if (plugin && isHostSymbol(plugin, imp.name)) {
      host.push(imp.name);
      continue;
    }
    if (providedByMissingLibrary(imp, missingNonLibc)) {
      assumed.push(imp.name);
      continue;
    }
    unresolved.push(imp.name);
  }
  // Copy-relocated definitions: musl resolves each against the other loaded objects
  // (skipping the main program) and reports `symbol not found` when none defines it.
  for (const copy of elf.copyRelocations) {
    if (ns.libraryNames.has(copy.name) || inMusl(copy.name)) continue;
    if (providedByMissingLibrary(copy, missingNonLibc)) assumed.push(copy.name);
    else unresolved.push(copy.name);
  }
  for (const name of elf.relocations.selfReferencedUnbindable) {
    if (!ns.libraryNames.has(name) && !inMusl(name)) unresolved.push(name);
  }
  r.unresolved = uniqueSorted(unresolved);
  // gcompat (preloaded by its loader stub, or added as DT_NEEDED) brings musl into the namespace too.
  r.unresolvedWithGcompat = gcompat ? r.unresolved.filter((n) => !gcompat.symbols.has(n) && !musl.resolves(n, debian)) : [...r.unresolved];
  r.missingLibraries = uniqueSorted(missingGlibc);
  if (elf.relocations.irelative > 0) r.loaderErrors.push(`unsupported relocation type ${elf.relocations.irelativeType}`);

  if (host.length > 0) r.findings.push(finding('host-symbols', { host: plugin, count: host.length, symbols: uniqueSorted(host).slice(0, 20) }));
  for (const lib of uniqueSorted(missingNonLibc)) {
    r.findings.push(finding('system-library', { library: lib, package: db.alpinePackageForSoname(lib) }));
  }
  for (const lib of r.missingLibraries) {
    r.findings.push(finding('glibc-only-library', { library: lib, gcompat: gcompat?.sonames.has(lib) === true || isGlibcInterp(lib) }));
  }
  if (r.loaderErrors.length > 0) {
    r.findings.push(finding('unsupported-relocation', { type: elf.relocations.irelativeType, count: elf.relocations.irelative, message: r.loaderErrors[0]! }));
  }

  addMissingFindings(r, elf, db, target, arch, musl, gcompat);
  addVersionNodeFindings(r, elf, db, target, arch, ns.found.map((l) => l.soname ?? ''));
  addHazardFindings(r, elf, db, gcompat);
  if (elf.class === 32 && r.libc === 'glibc') {
    const calls = uniqueSorted(elf.imports.filter((i) => TIME_ABI.has(i.name)).map((i) => i.name));
    if (calls.length > 0) r.findings.push(finding('time64-abi', { symbols: calls }));
  }
  return finish();
}

/**
 * RELR_SINCE is the first musl whose loader applies DT_RELR (musl WHATSNEW, 1.2.4 release
 * notes: support for the RELR compressed format for relative relocations; commit d32dadd6
 * "ldso: support DT_RELR relative relocation format"). 1.2.3 ignores the tag. A static-pie
 * relocates itself with the startup code it was linked with, whatever musl the target has.
 */
const RELR_SINCE = '1.2.4';

/**
 * addStaticFindings: a static file loads anywhere (static-binary); a glibc one that links
 * glibc's NSS or calls dlopen needs glibc's shared libraries at run time (static-nss).
 */
function addStaticFindings(r: FileReport, elf: ElfInfo): void {
  r.findings.push(finding('static-binary', { pie: elf.pie }));
  // A record cached by an older reader has no staticLibc: nothing to add.
  const s = elf.staticLibc ?? null;
  if (s !== null && s.glibcAbiTag && (s.nss.length > 0 || s.dlopen.length > 0)) {
    r.findings.push(finding('static-nss', { nss: s.nss, dlopen: s.dlopen, evidence: s.source }));
  }
}

/** newestGcompat gives the gcompat version used for bare musl targets: the one Alpine ships. */
function newestGcompat(db: Database, _arch: string): string {
  const versions = db.targets.map((t) => t.gcompat).filter((v): v is string => v !== null);
  return versions[0] ?? '1.1.0';
}

/**
 * providedByMissingLibrary: a library that is not in the tree (nor on --library-path) comes
 * from an Alpine package, so its symbols are assumed available: an import versioned to it,
 * or any unversioned import while such a library is missing.
 */
function providedByMissingLibrary(imp: Pick<ElfImport, 'library' | 'version'>, missingNonLibc: readonly string[]): boolean {
  if (missingNonLibc.length === 0) return false;
  if (imp.library !== null) return missingNonLibc.includes(imp.library);
  return imp.version === null;
}

/** addMissingFindings groups what plain musl lacks by fix, or flags musl-too-old / mixed-libc for musl-built files. */
function addMissingFindings(
  r: FileReport,
  elf: ElfInfo,
  db: Database,
  target: TargetInfo,
  arch: string,
  musl: MuslView,
  gcompat: GcompatView | null,
): void {
  const privateNames = new Set(elf.imports.filter((i) => i.version === 'GLIBC_PRIVATE').map((i) => i.name));
  const missing = r.unresolved.filter((n) => !privateNames.has(n));
  const privates = r.unresolved.filter((n) => privateNames.has(n));
  if (privates.length > 0) r.findings.push(finding('glibc-private', { symbols: privates }));
  if (missing.length === 0) return;

  if (r.libc === 'musl' || r.libc === 'mixed') {
    const newer: Array<{ name: string; since: string }> = [];
    const glibcOnly: string[] = [];
    const other: string[] = [];
    for (const n of missing) {
      const since = db.muslSince(n, arch);
      if (since !== null && compareDotted(since, target.musl) > 0) newer.push({ name: n, since });
      else if (db.glibcSince(n, arch) !== null) glibcOnly.push(n);
      else other.push(n);
    }
    if (newer.length > 0) {
      const needs = newer.map((x) => x.since).sort(compareDotted).at(-1)!;
      r.findings.push(finding('musl-too-old', { symbols: newer.map((x) => x.name), musl: needs, alpine: firstAlpineWith(db, (t) => compareDotted(t.musl, needs) >= 0) }));
    }
    if (glibcOnly.length > 0) {
      r.libc = 'mixed';
      r.findings.push(finding('mixed-libc', { symbols: glibcOnly }));
    }
    if (other.length === 0) return;
    missing.splice(0, missing.length, ...other);
  }

  const classified = groupWithForcedShims(
    missing.map((n) => classifyMissing(n, db, musl, gcompat)),
    db,
  );
  const by = (fix: MissingSymbol['fix']): string[] => classified.filter((m) => m.fix === fix).map((m) => m.name);
  if (by('gcompat').length > 0) r.findings.push(finding('missing-symbol-gcompat', { symbols: by('gcompat') }));
  const shims = new Map<string, MissingSymbol[]>();
  for (const m of classified) if (m.fix === 'shim' && m.shim) shims.set(m.shim.package, [...(shims.get(m.shim.package) ?? []), m]);
  for (const [pkg, list] of [...shims].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))) {
    r.findings.push(
      finding('missing-symbol-shim', {
        package: pkg,
        soname: list[0]!.shim!.soname,
        symbols: list.map((m) => m.name),
        gcompatStubs: list.filter((m) => m.gcompatStub).map((m) => m.name),
      }),
    );
  }
  if (by('rebuild').length > 0) r.findings.push(finding('missing-symbol-rebuild', { symbols: by('rebuild') }));
  const patch = by('patch');
  if (patch.length > 0) {
    const apis = uniqueSorted(patch.map((n) => db.advice(n)?.api ?? n));
    r.findings.push(finding('missing-symbol-patch', { symbols: patch, apis }));
  }
}

/**
 * groupWithForcedShims: a shim that must be loaded anyway, because gcompat has only a stub
 * of one of its names (getcontext), also serves the names gcompat would otherwise take from
 * it (makecontext and swapcontext come from the same libucontext): they join the shim's
 * group, so the plan does not need gcompat for them.
 */
function groupWithForcedShims(classified: MissingSymbol[], db: Database): MissingSymbol[] {
  const forced = new Set(classified.filter((m) => m.fix === 'shim' && m.gcompatStub).map((m) => m.shim!.package));
  if (forced.size === 0) return classified;
  return classified.map((m) => {
    if (m.fix !== 'gcompat') return m;
    const shim = db.shims(m.name).find((s) => forced.has(s.package) && s.soname !== null);
    return shim === undefined ? m : { ...m, fix: 'shim', shim };
  });
}

/** addVersionNodeFindings flags GLIBCXX_/CXXABI_/GCC_ nodes the target's libstdc++/libgcc lack (unless the file's tree bundles them). */
function addVersionNodeFindings(r: FileReport, elf: ElfInfo, db: Database, target: TargetInfo, arch: string, bundled: string[]): void {
  if (target.gcc === null) return;
  const nodes = db.libstdcxxNodes(target.gcc, arch);
  if (nodes === null) return;
  const tooNew = new Set<string>();
  for (const need of elf.versionNeeds) {
    if (bundled.includes(need.file)) continue;
    for (const v of need.versions) if (isLibstdcxxNode(v.name) && !nodes.has(v.name)) tooNew.add(v.name);
  }
  if (tooNew.size === 0) return;
  const list = [...tooNew].sort();
  const gccs = list.map((n) => db.firstGccWithNode(n, arch)).filter((g): g is string => g !== null).sort(compareDotted);
  const gcc = gccs.at(-1) ?? null;
  r.findings.push(
    finding('libstdcxx-too-new', {
      nodes: list,
      gcc,
      targetGcc: target.gcc,
      alpine: gcc === null ? null : firstAlpineWith(db, (t) => t.gcc !== null && compareDotted(t.gcc, gcc) >= 0),
    }),
  );
}

/**
 * HAZARDS_WITH_OWN_CODE are hazards a finding code of their own reports, with a condition
 * the generic note lacks: musl's 128 KiB thread stack matters only when PT_GNU_STACK sets no
 * size (small-thread-stack).
 */
const HAZARDS_WITH_OWN_CODE: ReadonlySet<string> = new Set(['thread-stack-128k']);

/** addHazardFindings reports imports that resolve but behave differently, gcompat stubs, and the thread stack size. */
function addHazardFindings(r: FileReport, elf: ElfInfo, db: Database, gcompat: GcompatView | null): void {
  // A Set, not a sorted list: completeReport orders the findings.
  const names = new Set(elf.imports.map((i) => i.name));
  const usesGcompat = r.findings.some((f) => f.code === 'missing-symbol-gcompat' || f.code === 'glibc-interpreter');
  for (const n of names) {
    for (const h of db.hazards(n)) {
      if (h.id.startsWith('gcompat-') || HAZARDS_WITH_OWN_CODE.has(h.id)) continue;
      r.findings.push(finding('behaviour-difference', { symbol: n, hazard: h.id, summary: h.summary }));
    }
    const trap = gcompat?.traps.get(n);
    if (trap !== undefined && usesGcompat && r.unresolved.includes(n)) r.findings.push(finding('gcompat-stub', { symbol: n, caveat: trap }));
  }
  if (names.has('pthread_create') && (elf.gnuStack === null || elf.gnuStack.size === 0)) {
    r.findings.push(finding('small-thread-stack', { defaultBytes: 131072 }));
  }
}

/** firstAlpineWith names the oldest Alpine release (not edge) whose target satisfies `ok`. */
function firstAlpineWith(db: Database, ok: (t: TargetInfo) => boolean): string | null {
  const releases = db.targets.filter((t) => t.alpine !== null && t.alpine !== 'edge' && ok(t));
  releases.sort((a, b) => compareDotted(a.alpine!, b.alpine!));
  return releases[0]?.id ?? (db.targets.some((t) => t.alpine === 'edge' && ok(t)) ? 'alpine:edge' : null);
}

function uniqueSorted(xs: readonly string[]): string[] {
  return [...new Set(xs)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}
