/**
 * suppress: accepted findings (the config file's allowlist) and known findings (a
 * baseline file), split off before the verdict is computed.
 *
 * Everything here is pure. The scan analyses files inside worker threads, so the policy
 * travels to them as a SuppressionSpec (plain data, structured-clone safe) and each worker
 * compiles it once with compileSuppressions. Reading and writing the files is
 * src/config's job.
 */
import { isAbsolute, relative, resolve, sep } from 'node:path';
import type { FileReport, Finding, SuppressedFinding } from '../analyze/types.js';
import { globMatcher } from './glob.js';

/**
 * AllowRule accepts findings for some paths. It is the `allow[]` entry of the config file,
 * validated by src/config/schema.ts.
 */
export interface AllowRule {
  /** globs (picomatch, dot files included) relative to the config file's directory. */
  path: string | string[];
  /** finding codes this rule accepts; omitted = every code. */
  codes?: string[];
  /**
   * when given, a finding is accepted only if it names symbols (`args.symbols`,
   * `args.symbol`) and every one of them is listed here.
   */
  symbols?: string[];
  /** why the findings are accepted (required, shown beside every suppressed finding). */
  reason: string;
}

/** SuppressionSpec is the whole suppression policy as plain data, safe to post to a worker thread. */
export interface SuppressionSpec {
  /** the directory report paths are relative to (the CLI's working directory); absolute. */
  cwd: string;
  /** the directory allow globs are relative to (the config file's); absolute. */
  allowBase: string;
  allow: AllowRule[];
  /** the directory baseline paths are relative to (the baseline file's); absolute. */
  baselineBase: string;
  /** fingerprints (findingFingerprint) of the findings the baseline records. */
  baseline: string[];
}

/** SuppressedBy says what suppressed a finding. */
export type SuppressedBy = SuppressedFinding['by'];

export type { SuppressedFinding };

/** SplitFindings is a file's findings divided into those that count and those that do not. */
export interface SplitFindings {
  kept: Finding[];
  suppressed: SuppressedFinding[];
}

/** Suppressor is a compiled SuppressionSpec. */
export interface Suppressor {
  /**
   * split divides one file's findings. `path` is the report path as displayed (relative
   * to the spec's cwd, or absolute). Order is preserved within each list.
   */
  split(path: string, findings: readonly Finding[]): SplitFindings;
}

/** BASELINE_SCHEMA_VERSION is the `schemaVersion` this muslcheck writes and reads. */
export const BASELINE_SCHEMA_VERSION = 1;

/** BaselineEntry is one recorded finding: where, which code, which arguments (keys sorted). */
export interface BaselineEntry {
  /** relative to the baseline file's directory, `/`-separated. */
  path: string;
  code: string;
  args: Finding['args'];
}

/** Baseline is the content of a baseline file. */
export interface Baseline {
  schemaVersion: typeof BASELINE_SCHEMA_VERSION;
  tool: { name: string; version: string };
  findings: BaselineEntry[];
}

/** compareText orders strings by UTF-16 code units (locale-independent, as src/report does). */
function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * argsKey renders finding arguments with sorted keys; the same semantics as
 * src/report/common.ts stableArgs (src/plan does not import src/report).
 */
export function argsKey(args: Finding['args']): string {
  return JSON.stringify(Object.keys(args).sort(compareText).map((k) => [k, args[k]]));
}

/** sortedArgs copies arguments with their keys in code-unit order, so that JSON output is deterministic. */
function sortedArgs(args: Finding['args']): Finding['args'] {
  const out: Finding['args'] = {};
  for (const k of Object.keys(args).sort(compareText)) out[k] = args[k] ?? null;
  return out;
}

/**
 * findingFingerprint identifies a finding across runs: its path (relative to the
 * baseline's directory, `/`-separated), its code and its arguments, keys sorted.
 * Severity is not part of it. Array arguments keep their order (the analyser sorts them).
 */
export function findingFingerprint(relPath: string, finding: Pick<Finding, 'code' | 'args'>): string {
  return JSON.stringify([relPath, finding.code, argsKey(finding.args)]);
}

/** toSlashes turns platform separators into `/`. */
function toSlashes(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/**
 * relativeTo resolves a report path against `cwd` and makes it relative to `base`, with
 * `/` separators: the form allow globs and baseline paths are written in. A file outside
 * `base` starts with `../`.
 */
export function relativeTo(cwd: string, base: string, path: string): string {
  return toSlashes(relative(base, resolve(cwd, path)));
}

/** findingSymbols is every symbol name a finding names: `args.symbols` and `args.symbol` together. */
export function findingSymbols(f: Pick<Finding, 'args'>): string[] {
  const names: string[] = [];
  const many = f.args['symbols'];
  const one = f.args['symbol'];
  if (Array.isArray(many)) names.push(...many);
  if (typeof one === 'string') names.push(one);
  return names;
}

/**
 * globPatterns turns an allow rule's `path` into picomatch patterns. A pattern that ends in
 * `/` names a directory and matches everything below it (`vendor/` = `vendor/**`).
 */
export function globPatterns(path: string | readonly string[]): string[] {
  const list = typeof path === 'string' ? [path] : [...path];
  return list.map((p) => (p.endsWith('/') ? `${p}**` : p));
}

/** CompiledRule is an AllowRule ready for matching. */
interface CompiledRule {
  matches: (relPath: string) => boolean;
  codes: ReadonlySet<string> | null;
  symbols: ReadonlySet<string> | null;
  reason: string;
}

/** compileRule builds the matcher and sets of one rule. */
function compileRule(rule: AllowRule): CompiledRule {
  return {
    matches: globMatcher(globPatterns(rule.path)),
    codes: rule.codes === undefined ? null : new Set(rule.codes),
    symbols: rule.symbols === undefined ? null : new Set(rule.symbols),
    reason: rule.reason,
  };
}

/**
 * ruleAccepts is true when a rule accepts a finding of a file whose path (relative to the
 * allow base) already matched. A rule with `symbols` never accepts a finding that names no
 * symbol (so it cannot silence, say, a glibc-interpreter finding by accident).
 */
function ruleAccepts(rule: CompiledRule, f: Finding): boolean {
  if (rule.codes !== null && !rule.codes.has(f.code)) return false;
  if (rule.symbols === null) return true;
  const names = findingSymbols(f);
  const listed = rule.symbols;
  return names.length > 0 && names.every((n) => listed.has(n));
}

/** requireAbsolute rejects a relative directory in a spec (it would resolve against whichever thread's cwd). */
function requireAbsolute(name: string, dir: string): void {
  if (!isAbsolute(dir)) throw new TypeError(`SuppressionSpec.${name} must be an absolute path, got '${dir}'`);
}

/**
 * compileSuppressions compiles a spec once (per worker). The allowlist wins over the
 * baseline when both would suppress a finding; the first matching allow rule gives the reason.
 */
export function compileSuppressions(spec: SuppressionSpec): Suppressor {
  requireAbsolute('cwd', spec.cwd);
  requireAbsolute('allowBase', spec.allowBase);
  requireAbsolute('baselineBase', spec.baselineBase);
  const rules = spec.allow.map(compileRule);
  const baseline: ReadonlySet<string> = new Set(spec.baseline);
  // Nothing to accept (no allow rule, no baseline: the common case): no path to work out
  // per file (path.relative for each of /usr's ELF files took 40 ms of phase 2).
  if (rules.length === 0 && baseline.size === 0) return { split: (_path, findings) => ({ kept: [...findings], suppressed: [] }) };
  return {
    split(path, findings) {
      const kept: Finding[] = [];
      const suppressed: SuppressedFinding[] = [];
      if (findings.length === 0) return { kept, suppressed };
      const allowPath = relativeTo(spec.cwd, spec.allowBase, path);
      const applicable = rules.filter((r) => r.matches(allowPath));
      const baselinePath = baseline.size > 0 ? relativeTo(spec.cwd, spec.baselineBase, path) : '';
      for (const f of findings) {
        const rule = applicable.find((r) => ruleAccepts(r, f));
        if (rule !== undefined) suppressed.push({ ...f, by: 'allowlist', reason: rule.reason });
        else if (baseline.size > 0 && baseline.has(findingFingerprint(baselinePath, f))) suppressed.push({ ...f, by: 'baseline', reason: null });
        else kept.push(f);
      }
      return { kept, suppressed };
    },
  };
}

/** gates is true for the severities a baseline records (error, warning); notes never gate. */
function gates(f: Finding): boolean {
  return f.severity === 'error' || f.severity === 'warning';
}

/** compareEntries orders baseline entries by path, code, then arguments. */
function compareEntries(a: BaselineEntry, b: BaselineEntry): number {
  return compareText(a.path, b.path) || compareText(a.code, b.code) || compareText(argsKey(a.args), argsKey(b.args));
}

/**
 * baselineFromReports records every error and warning finding of the reports, paths made
 * relative to `base` (the baseline file's directory), sorted and without duplicates.
 * Pass the reports as split by an allowlist-only suppressor, so that allowlisted findings
 * stay out of the baseline.
 */
export function baselineFromReports(
  reports: readonly FileReport[],
  opts: { cwd: string; base: string; tool: { name: string; version: string } },
): Baseline {
  const byPrint = new Map<string, BaselineEntry>();
  for (const r of reports) {
    const path = relativeTo(opts.cwd, opts.base, r.path);
    for (const f of r.findings) {
      if (!gates(f)) continue;
      byPrint.set(findingFingerprint(path, f), { path, code: f.code, args: sortedArgs(f.args) });
    }
  }
  return {
    schemaVersion: BASELINE_SCHEMA_VERSION,
    tool: { name: opts.tool.name, version: opts.tool.version },
    findings: [...byPrint.values()].sort(compareEntries),
  };
}

/** baselineFingerprints is the fingerprint of every entry, for SuppressionSpec.baseline. */
export function baselineFingerprints(b: Baseline): string[] {
  return b.findings.map((e) => findingFingerprint(e.path, e));
}

/** stringifyBaseline renders a baseline as the file stores it: two-space JSON, keys in a fixed order, a final newline. */
export function stringifyBaseline(b: Baseline): string {
  const doc: Baseline = {
    schemaVersion: b.schemaVersion,
    tool: { name: b.tool.name, version: b.tool.version },
    findings: [...b.findings].sort(compareEntries).map((e) => ({ path: e.path, code: e.code, args: sortedArgs(e.args) })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}
