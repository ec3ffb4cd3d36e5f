/**
 * plan: findings -> verdict and fix plan, per file and for the whole tree, and the exit
 * code. Everything here is a pure function of its arguments.
 */
import { CATALOGUE, type Code } from '../analyze/catalogue.js';
import type { FileReport, Finding, PlanStep, Verdict } from '../analyze/types.js';
import { VERDICT_ORDER } from '../analyze/types.js';
import type { Database, TargetInfo } from '../db/types.js';
import type { ElfInfo } from '../elf/types.js';
import { rebuildStep, type ToolchainKind } from './rebuild.js';

export type { ToolchainKind } from './rebuild.js';
export { rebuildStep } from './rebuild.js';

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

/** findingVerdict is the verdict one finding implies (a glibc-only library gcompat answers needs gcompat; others a rebuild). */
export function findingVerdict(f: Finding): Verdict {
  const info = CATALOGUE[f.code as Code];
  if (!info) return 'ok';
  if (f.code === 'glibc-only-library') return f.args['gcompat'] === true ? 'gcompat' : 'rebuild';
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
  r.findings.sort(compareFindings);
  r.verdict = verdictOf(r.findings);
  r.plan = planForFile(r, ctx);
  return r;
}

/** compareFindings orders findings by severity (errors first), then code, then arguments. */
export function compareFindings(a: Finding, b: Finding): number {
  const sev = { error: 0, warning: 1, note: 2 } as const;
  if (sev[a.severity] !== sev[b.severity]) return sev[a.severity] - sev[b.severity];
  if (a.code !== b.code) return a.code < b.code ? -1 : 1;
  const x = JSON.stringify(a.args);
  const y = JSON.stringify(b.args);
  return x < y ? -1 : x > y ? 1 : 0;
}

function args<T>(f: Finding, key: string): T {
  return f.args[key] as T;
}

/** planForFile writes the concrete steps for one file, cheapest first. */
export function planForFile(r: FileReport, ctx: PlanContext): PlanStep[] {
  const steps: PlanStep[] = [];
  const verdict = r.verdict ?? 'ok';
  const q = shellQuote(r.path);
  const system = r.findings.filter((f) => f.code === 'system-library').map((f) => args<string>(f, 'package'));
  if (system.length > 0) {
    const pkgs = [...new Set(system)].sort();
    steps.push({ kind: 'apk', command: `apk add --no-cache ${pkgs.join(' ')}`, packages: pkgs, text: 'install the libraries it needs from Alpine' });
  }
  if (verdict === 'loader') {
    const loader = ctx.arch ? ctx.db.musl(ctx.target.musl, ctx.arch)?.loaderPath ?? null : null;
    steps.push({ kind: 'apk', command: 'apk add --no-cache gcompat', packages: ['gcompat'], text: 'gcompat installs a loader under the glibc name' });
    if (loader) {
      steps.push({ kind: 'patchelf', command: `patchelf --set-interpreter ${loader} ${q}`, packages: ['patchelf'], text: 'or point the file at musl\'s loader (every symbol it needs exists in musl)' });
    }
  }
  if (verdict === 'gcompat' || verdict === 'shim') {
    steps.push({ kind: 'apk', command: 'apk add --no-cache gcompat', packages: ['gcompat'], text: 'gcompat provides the glibc symbols musl lacks' });
    if (r.elf?.interp === null && r.findings.some((f) => f.code === 'missing-symbol-gcompat' || f.code === 'glibc-only-library')) {
      steps.push({
        kind: 'patchelf',
        command: `patchelf --add-needed libgcompat.so.0 ${q}`,
        packages: ['patchelf'],
        text: 'a library loaded by a musl program never passes through gcompat\'s loader stub: add libgcompat to its DT_NEEDED (or LD_PRELOAD it)',
      });
    }
  }
  if (verdict === 'shim' || verdict === 'gcompat' || verdict === 'loader' || verdict === 'ok') {
    for (const f of r.findings.filter((x) => x.code === 'missing-symbol-shim')) {
      const pkg = args<string>(f, 'package');
      const soname = args<string | null>(f, 'soname');
      steps.push({ kind: 'apk', command: `apk add --no-cache ${pkg}`, packages: [pkg], text: `${pkg} provides ${args<string[]>(f, 'symbols').join(', ')}` });
      if (soname) {
        steps.push({ kind: 'patchelf', command: `patchelf --add-needed ${soname} ${q}`, packages: ['patchelf'], text: `load ${soname} with the file (or LD_PRELOAD=${soname})` });
      }
    }
  }
  if (verdict === 'rebuild' || verdict === 'patch') {
    steps.push(rebuildStep(ctx.toolchain, { target: ctx.target, arch: ctx.arch, pkg: ctx.pkg, path: r.path }));
    for (const f of r.findings) {
      if (f.code === 'libstdcxx-too-new' && args<string | null>(f, 'alpine')) {
        steps.push({ kind: 'note', command: null, packages: [], text: `or target ${args<string>(f, 'alpine')}, whose GCC provides ${args<string[]>(f, 'nodes').join(', ')}` });
      }
      if (f.code === 'musl-too-old' && args<string | null>(f, 'alpine')) {
        steps.push({ kind: 'note', command: null, packages: [], text: `or target ${args<string>(f, 'alpine')} (musl ${args<string>(f, 'musl')}), the first with ${args<string[]>(f, 'symbols').join(', ')}` });
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
  /** files to rebuild, grouped by toolchain, with the recipe. */
  rebuilds: Array<{ toolchain: string; command: string | null; text: string; files: string[] }>;
  /** source changes, grouped by API. */
  patches: Array<{ api: string; text: string; files: string[] }>;
  /** files that could not be read. */
  errors: string[];
}

/** treePlan merges every file's plan into one. */
export function treePlan(reports: readonly FileReport[], target: TargetInfo, _db: Database): TreePlan {
  const counts = Object.fromEntries(VERDICT_ORDER.map((v) => [v, 0])) as Record<Verdict, number>;
  const apk = new Set<string>();
  const patchelf: string[] = [];
  const rebuilds = new Map<string, { toolchain: string; command: string | null; text: string; files: string[] }>();
  const patches = new Map<string, { api: string; text: string; files: string[] }>();
  const errors: string[] = [];
  const sorted = [...reports].sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  for (const r of sorted) {
    if (r.verdict === null) continue;
    counts[r.verdict]++;
    if (r.verdict === 'error') errors.push(r.path);
    for (const s of r.plan) {
      if (s.kind === 'apk') for (const p of s.packages) apk.add(p);
      if (s.kind === 'patchelf' && s.command) {
        // Prefer gcompat over patching the interpreter when both are offered.
        if (s.command.includes('--set-interpreter')) continue;
        patchelf.push(s.command);
        apk.add('patchelf');
      }
      if (s.kind === 'rebuild') {
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
  const docker = [`FROM ${image}`];
  if (apkCommand) docker.push(`RUN ${apkCommand}`);
  if (patchelf.length > 0) docker.push(`RUN ${patchelf.join(' \\\n && ')}`);
  return {
    target,
    counts,
    apk: pkgs,
    apkCommand,
    dockerfile: docker.join('\n') + '\n',
    patchelf,
    rebuilds: [...rebuilds.values()].sort((a, b) => (a.toolchain < b.toolchain ? -1 : a.toolchain > b.toolchain ? 1 : a.text < b.text ? -1 : 1)),
    patches: [...patches.values()].sort((a, b) => (a.api < b.api ? -1 : 1)),
    errors,
  };
}
