/**
 * plan: findings -> verdict and fix plan, per file and for the whole tree, and the exit
 * code. Everything here is a pure function of its arguments.
 */
import { CATALOGUE, type Code } from '../analyze/catalogue.js';
import type { FileReport, Finding, PlanStep, Verdict } from '../analyze/types.js';
import { VERDICT_ORDER } from '../analyze/types.js';
import type { Database, TargetInfo } from '../db/types.js';
import type { ElfInfo } from '../elf/types.js';
import { muslBuildStep, rebuildStep, swapManager, type ToolchainKind } from './rebuild.js';

export type { ToolchainKind } from './rebuild.js';
export { rebuildStep, muslBuildStep, swapManager } from './rebuild.js';

/**
 * DEFAULT_FAIL_ON is `rebuild`: a gate fails when some file cannot be made to load by
 * installing packages (gcompat, a shim) or fixing its interpreter; those cheaper fixes are
 * reported but pass, since a Dockerfile line resolves them.
 */
export const DEFAULT_FAIL_ON: Verdict = 'rebuild';

/** rank gives a verdict's place in VERDICT_ORDER. */
export function rank(v: Verdict): number {
  return VERDICT_ORDER.indexOf(v);
}

/** worse returns the costlier of two verdicts. */
export function worse(a: Verdict, b: Verdict): Verdict {
  return rank(a) >= rank(b) ? a : b;
}

/**
 * findingVerdict is the verdict one finding implies. Two codes depend on their arguments: a
 * glibc-only library gcompat answers needs gcompat (others a rebuild); on an architecture
 * without symbol data a musl-linked file (or one importing nothing) stays ok, and any other
 * file has no verdict muslcheck can stand behind: `error`, never a claimed rebuild.
 */
export function findingVerdict(f: Finding): Verdict {
  const info = CATALOGUE[f.code as Code];
  if (!info) return 'ok';
  if (f.code === 'glibc-only-library') return f.args['gcompat'] === true ? 'gcompat' : 'rebuild';
  if (f.code === 'arch-not-covered') return f.args['libc'] === 'musl' || f.args['libc'] === 'none' ? 'ok' : 'error';
  return info.verdict;
}

/** verdictOf is the costliest verdict among the findings; `ok` when there are none. */
export function verdictOf(findings: readonly Finding[]): Verdict {
  let v: Verdict = 'ok';
  for (const f of findings) v = worse(v, findingVerdict(f));
  return v;
}

/** exitCodeFor is 1 when any file's verdict is at or above `failOn`, else 0. */
export function exitCodeFor(reports: readonly FileReport[], failOn: Verdict): 0 | 1 {
  const bar = rank(failOn);
  return reports.some((r) => r.verdict !== null && rank(r.verdict) >= bar) ? 1 : 0;
}

/** PlanContext is what planning needs besides the findings. */
export interface PlanContext {
  db: Database;
  target: TargetInfo;
  arch: string | null;
  toolchain: ToolchainKind;
  plugin: 'node' | 'python' | null;
  pkg: { name: string; version: string | null; libc: string[] | null; dir: string } | null;
  elf: ElfInfo;
}

/** completeReport sorts the findings, sets the verdict and writes the plan. */
export function completeReport(r: FileReport, ctx: PlanContext): FileReport {
  sortForPlan(r.findings);
  r.verdict = verdictOf(r.findings);
  r.plan = planForFile(r, ctx);
  return r;
}

/** SEVERITY_RANK orders severities: errors first. */
const SEVERITY_RANK = { error: 0, warning: 1, note: 2 } as const;

/**
 * sortForPlan orders findings in place by severity (errors first), then code, then
 * arguments (as JSON); each finding's arguments are rendered once, not once per comparison.
 */
export function sortForPlan(findings: Finding[]): void {
  const keyed = findings.map((f) => ({ f, rank: SEVERITY_RANK[f.severity], args: JSON.stringify(f.args) }));
  keyed.sort((a, b) => a.rank - b.rank || (a.f.code !== b.f.code ? (a.f.code < b.f.code ? -1 : 1) : a.args < b.args ? -1 : a.args > b.args ? 1 : 0));
  keyed.forEach((k, i) => (findings[i] = k.f));
}

function args<T>(f: Finding, key: string): T {
  return f.args[key] as T;
}

/**
 * ALTERNATIVE matches the text of a step that is an alternative to the steps before it
 * (`or point the file at...`, `or, keeping this glibc build: ...`). The tree plan takes
 * first choices only.
 */
const ALTERNATIVE = /^or[ ,]/;

/** isAlternative says whether a step is an alternative rather than a first choice. */
export function isAlternative(step: PlanStep): boolean {
  return ALTERNATIVE.test(step.text);
}

/** alternative rewords a step as an alternative (`or, <why>: <text>`). */
function alternative(step: PlanStep, why: string): PlanStep {
  return { ...step, text: `or, ${why}: ${step.text}` };
}

/** needsGcompat says whether some finding is fixed by gcompat's symbols or soname links. */
function needsGcompat(r: FileReport): boolean {
  return r.findings.some((f) => f.code === 'missing-symbol-gcompat' || (f.code === 'glibc-only-library' && f.args['gcompat'] === true));
}

/**
 * planForFile writes the concrete steps for one file, cheapest first. A plugin that is a
 * glibc build (a `-gnu` Node package, a `*-linux-gnu` / manylinux Python extension) gets
 * its package's musl build first whatever the verdict; gcompat and patchelf follow as the
 * alternative for keeping the glibc build.
 */
export function planForFile(r: FileReport, ctx: PlanContext): PlanStep[] {
  const steps: PlanStep[] = [];
  const verdict = r.verdict ?? 'ok';
  const q = shellQuote(r.path);
  const system = r.findings.filter((f) => f.code === 'system-library').map((f) => args<string>(f, 'package'));
  if (system.length > 0) {
    const pkgs = [...new Set(system)].sort();
    steps.push({ kind: 'apk', command: `apk add --no-cache ${pkgs.join(' ')}`, packages: pkgs, text: 'install the libraries it needs from Alpine' });
  }
  const swap = verdict === 'ok' || verdict === 'error' ? null : muslBuildStep(ctx.plugin, { target: ctx.target, arch: ctx.arch, pkg: ctx.pkg, path: r.path, libc: r.libc });
  if (swap !== null) steps.push(swap);
  const fallback = (step: PlanStep): PlanStep => (swap === null ? step : alternative(step, 'keeping this glibc build'));
  if (verdict === 'loader') {
    const loader = ctx.arch ? ctx.db.musl(ctx.target.musl, ctx.arch)?.loaderPath ?? null : null;
    steps.push(fallback({ kind: 'apk', command: 'apk add --no-cache gcompat', packages: ['gcompat'], text: 'gcompat installs a loader under the glibc name' }));
    if (loader) {
      steps.push({ kind: 'patchelf', command: `patchelf --set-interpreter ${loader} ${q}`, packages: ['patchelf'], text: 'or point the file at musl\'s loader (every symbol it needs exists in musl)' });
    }
  }
  const shims = r.findings.filter((x) => x.code === 'missing-symbol-shim');
  const stubbed = shims.filter((f) => (args<string[] | undefined>(f, 'gcompatStubs') ?? []).length > 0);
  if ((verdict === 'gcompat' || verdict === 'shim') && stubbed.length > 0) {
    steps.push(...shimsAheadOfGcompat(r, ctx, shims).map(fallback));
  } else {
    if (verdict === 'gcompat' || verdict === 'shim') {
      steps.push(fallback({ kind: 'apk', command: 'apk add --no-cache gcompat', packages: ['gcompat'], text: 'gcompat provides the glibc symbols musl lacks' }));
      if (r.elf?.interp === null && r.findings.some((f) => f.code === 'missing-symbol-gcompat' || f.code === 'glibc-only-library')) {
        steps.push(
          fallback({
            kind: 'patchelf',
            command: `patchelf --add-needed libgcompat.so.0 ${q}`,
            packages: ['patchelf'],
            text: 'a library loaded by a musl program never passes through gcompat\'s loader stub: add libgcompat to its DT_NEEDED (or LD_PRELOAD it)',
          }),
        );
      }
    }
    if (verdict === 'shim' || verdict === 'gcompat' || verdict === 'loader' || verdict === 'ok') {
      for (const f of shims) {
        const pkg = args<string>(f, 'package');
        const soname = args<string | null>(f, 'soname');
        steps.push(fallback({ kind: 'apk', command: `apk add --no-cache ${pkg}`, packages: [pkg], text: `${pkg} provides ${args<string[]>(f, 'symbols').join(', ')}` }));
        if (soname) {
          steps.push(fallback({ kind: 'patchelf', command: `patchelf --add-needed ${soname} ${q}`, packages: ['patchelf'], text: `load ${soname} with the file (or LD_PRELOAD=${soname})` }));
        }
      }
    }
  }
  if (verdict === 'rebuild' || verdict === 'patch') {
    if (swap === null) steps.push(rebuildStep(ctx.toolchain, { target: ctx.target, arch: ctx.arch, pkg: ctx.pkg, path: r.path }));
    for (const f of r.findings) {
      if (f.code === 'libstdcxx-too-new' && args<string | null>(f, 'alpine')) {
        steps.push({ kind: 'note', command: null, packages: [], text: `or target ${args<string>(f, 'alpine')}, whose GCC provides ${args<string[]>(f, 'nodes').join(', ')}` });
      }
      if (f.code === 'musl-too-old' && args<string | null>(f, 'alpine')) {
        steps.push({ kind: 'note', command: null, packages: [], text: `or target ${args<string>(f, 'alpine')} (musl ${args<string>(f, 'musl')}), the first with ${args<string[]>(f, 'symbols').join(', ')}` });
      }
      if (f.code === 'relr-unsupported' && args<string | null>(f, 'alpine')) {
        steps.push({ kind: 'note', command: null, packages: [], text: `or target ${args<string>(f, 'alpine')} (musl ${args<string>(f, 'musl')}), the first whose loader applies DT_RELR; or relink without -z pack-relative-relocs` });
      }
    }
  }
  if (verdict === 'patch') {
    const patchNames = r.findings.filter((f) => f.code === 'missing-symbol-patch').flatMap((f) => args<string[]>(f, 'symbols'));
    const byApi = new Map<string, { replacement: string; symbols: string[] }>();
    for (const n of patchNames) {
      const a = ctx.db.advice(n);
      const key = a?.api ?? n;
      const entry = byApi.get(key) ?? { replacement: a?.replacement ?? 'replace with a portable equivalent or guard with a feature check', symbols: [] };
      entry.symbols.push(n);
      byApi.set(key, entry);
    }
    for (const [api, e] of [...byApi].sort(([a], [b]) => (a < b ? -1 : 1))) {
      steps.push({ kind: 'patch', command: null, packages: [], text: `${api} (${e.symbols.join(', ')}): ${e.replacement}` });
    }
  }
  for (const f of verdict === 'error' ? r.findings : []) {
    if (f.code === 'arch-not-covered' && args<string | null>(f, 'loader')) {
      steps.push({
        kind: 'note',
        command: `${args<string>(f, 'loader')} --list ${q}`,
        packages: [],
        text: `muslcheck has no symbol data for ${args<string>(f, 'arch')}: on a musl system of that architecture, musl's loader lists what fails (every "symbol not found" and missing library)`,
      });
    }
  }
  return steps;
}

/**
 * shimsAheadOfGcompat plans a file that needs a shim whose name gcompat only stubs
 * (getcontext: gcompat 1.1.0 compiles its ENOSYS stub even when built with libucontext).
 * gcompat's loader stub preloads libgcompat.so.0 ahead of every other object, so the stub
 * would win: the file runs under musl's loader directly instead, with the shim added to
 * DT_NEEDED after libgcompat.so.0 (patchelf --add-needed inserts at the front, so the
 * shim ends up first in lookup order). Verified with musl's loader: a preloaded library's
 * definition beats a DT_NEEDED one; the first DT_NEEDED beats a later one.
 */
function shimsAheadOfGcompat(r: FileReport, ctx: PlanContext, shims: readonly Finding[]): PlanStep[] {
  const q = shellQuote(r.path);
  const gcompat = needsGcompat(r);
  const pkgs = [...new Set([...(gcompat ? ['gcompat'] : []), ...shims.map((f) => args<string>(f, 'package'))])].sort();
  const stubs = shims.flatMap((f) => args<string[] | undefined>(f, 'gcompatStubs') ?? []);
  const steps: PlanStep[] = [{ kind: 'apk', command: `apk add --no-cache ${pkgs.join(' ')}`, packages: pkgs, text: `${shims.map((f) => `${args<string>(f, 'package')} provides ${args<string[]>(f, 'symbols').join(', ')}`).join('; ')}` }];
  const loader = ctx.arch ? (ctx.db.musl(ctx.target.musl, ctx.arch)?.loaderPath ?? null) : null;
  if (r.elf?.interp !== null && r.elf?.interp !== undefined && loader !== null && r.elf.interp !== loader) {
    steps.push({
      kind: 'patchelf',
      command: `patchelf --set-interpreter ${loader} ${q}`,
      packages: ['patchelf'],
      text: `run it with musl's loader, not gcompat's loader stub: the stub preloads libgcompat.so.0 ahead of everything, and gcompat's ${stubs.join(', ')} is a stub that fails with ENOSYS`,
    });
  }
  if (gcompat) {
    steps.push({ kind: 'patchelf', command: `patchelf --add-needed libgcompat.so.0 ${q}`, packages: ['patchelf'], text: 'load gcompat as an ordinary dependency, for the glibc symbols musl lacks' });
  }
  for (const f of shims) {
    const soname = args<string | null>(f, 'soname');
    if (soname === null) continue;
    steps.push({
      kind: 'patchelf',
      command: `patchelf --add-needed ${soname} ${q}`,
      packages: ['patchelf'],
      text: gcompat
        ? `run after the libgcompat.so.0 step: patchelf puts a new DT_NEEDED entry first, so ${soname} comes before libgcompat.so.0 in lookup order and its ${args<string[]>(f, 'symbols').join(', ')} win`
        : `load ${soname} with the file (its ${args<string[]>(f, 'symbols').join(', ')})`,
    });
  }
  return steps;
}

/** shellQuote quotes a path for a copy-pasteable command. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_./@%+=:,-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

/** TreePlan is the whole tree's plan. */
export interface TreePlan {
  target: TargetInfo;
  counts: Record<Verdict, number>;
  /** every Alpine package the plan installs, sorted. */
  apk: string[];
  /** one `apk add --no-cache ...` line, null when nothing is to be installed. */
  apkCommand: string | null;
  /** a Dockerfile snippet for the target. */
  dockerfile: string;
  /** patchelf commands, in file order. */
  patchelf: string[];
  /** plugins to replace with the musl build their package manager publishes (npm `-musl` siblings, musllinux wheels), grouped by command. */
  swaps: Array<{ manager: string; command: string | null; text: string; files: string[] }>;
  /** files to rebuild, grouped by toolchain, with the recipe. */
  rebuilds: Array<{ toolchain: string; command: string | null; text: string; files: string[] }>;
  /** source changes, grouped by API. */
  patches: Array<{ api: string; text: string; files: string[] }>;
  /** files that could not be read, or whose architecture muslcheck has no data for (verdict `error`). */
  errors: string[];
}

/**
 * treePlan merges every file's first choices into one plan: alternatives (steps worded
 * `or ...`) are left to the per-file plans.
 */
export function treePlan(reports: readonly FileReport[], target: TargetInfo, _db: Database): TreePlan {
  const counts = Object.fromEntries(VERDICT_ORDER.map((v) => [v, 0])) as Record<Verdict, number>;
  const apk = new Set<string>();
  const patchelf: string[] = [];
  const patched: string[] = [];
  const swaps = new Map<string, { manager: string; command: string | null; text: string; files: string[] }>();
  const rebuilds = new Map<string, { toolchain: string; command: string | null; text: string; files: string[] }>();
  const patches = new Map<string, { api: string; text: string; files: string[] }>();
  const errors: string[] = [];
  const sorted = [...reports].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const r of sorted) {
    if (r.verdict === null) continue;
    counts[r.verdict]++;
    if (r.verdict === 'error') errors.push(r.path);
    for (const s of r.plan) {
      if (isAlternative(s)) continue;
      if (s.kind === 'apk') for (const p of s.packages) apk.add(p);
      if (s.kind === 'patchelf' && s.command) {
        patchelf.push(s.command);
        if (!patched.includes(r.path)) patched.push(r.path);
        apk.add('patchelf');
      }
      const manager = swapManager(s);
      if (manager !== null) {
        const key = `${s.command ?? ''}\n${s.text}`;
        const e = swaps.get(key) ?? { manager, command: s.command, text: s.text, files: [] };
        e.files.push(r.path);
        swaps.set(key, e);
      } else if (s.kind === 'rebuild') {
        const key = `${s.command ?? ''}\n${s.text}`;
        const e = rebuilds.get(key) ?? { toolchain: s.packages[0] ?? 'c', command: s.command, text: s.text, files: [] };
        e.files.push(r.path);
        rebuilds.set(key, e);
      }
      if (s.kind === 'patch') {
        const api = s.text.split(' (')[0] ?? s.text;
        const e = patches.get(api) ?? { api, text: s.text.slice(s.text.indexOf(': ') + 2), files: [] };
        e.files.push(r.path);
        patches.set(api, e);
      }
    }
  }
  const pkgs = [...apk].sort();
  const apkCommand = pkgs.length > 0 ? `apk add --no-cache ${pkgs.join(' ')}` : null;
  const image = target.alpine ? `alpine:${target.alpine === 'edge' ? 'edge' : target.alpine}` : 'alpine:latest';
  const byKey = <T extends { text: string }>(key: (x: T) => string) => (a: T, b: T): number => (key(a) < key(b) ? -1 : key(a) > key(b) ? 1 : a.text < b.text ? -1 : a.text > b.text ? 1 : 0);
  return {
    target,
    counts,
    apk: pkgs,
    apkCommand,
    dockerfile: dockerfileFor(image, apkCommand, patchelf, patched),
    patchelf,
    swaps: [...swaps.values()].sort(byKey((x) => x.manager)),
    rebuilds: [...rebuilds.values()].sort(byKey((x) => x.toolchain)),
    patches: [...patches.values()].sort((a, b) => (a.api < b.api ? -1 : 1)),
    errors,
  };
}

/**
 * dockerfileFor writes the snippet. patchelf edits files inside the image, so they must be
 * copied in first: paths relative to where muslcheck ran become a `COPY . .` into a work
 * folder (build with that folder as the context); absolute host paths get a comment saying
 * to copy them in, since COPY cannot reach outside the build context.
 */
export function dockerfileFor(image: string, apkCommand: string | null, patchelf: readonly string[], patched: readonly string[]): string {
  const lines = [`FROM ${image}`];
  if (apkCommand) lines.push(`RUN ${apkCommand}`);
  if (patchelf.length > 0) {
    if (patched.some((p) => !p.startsWith('/'))) {
      lines.push('# patchelf edits the files inside the image: copy them in (build with the folder muslcheck ran in as the context)');
      lines.push('WORKDIR /app');
      lines.push('COPY . .');
    }
    if (patched.some((p) => p.startsWith('/'))) {
      lines.push('# patchelf edits the files inside the image: COPY each absolute path below into the image at that path first');
    }
    lines.push(`RUN ${patchelf.join(' \\\n && ')}`);
  }
  return lines.join('\n') + '\n';
}
