/**
 * common: helpers every formatter shares: ordering, the summary, how a finding reads.
 *
 * Everything in src/report is pure: reports in, strings (or plain objects) out.
 * Output must be deterministic, so every list that comes from a worker pool or a
 * Map is put in a fixed order here before it is rendered.
 */
import type { FileReport, Finding, Severity, Verdict } from '../analyze/types.js';
import { VERDICT_ORDER } from '../analyze/types.js';

/**
 * CodeInfo is what a formatter needs to know about a finding code. The catalogue in
 * src/analyze/catalogue.ts satisfies this shape; formatters take it as a parameter
 * so that they stay pure and testable with any catalogue.
 */
export interface CodeInfo {
  title: string;
  severity: Severity;
  description: string;
  fix: string;
  /** the code's documentation page, e.g. `docs/codes/MISSING_SYMBOL.md`. */
  docs: string;
}

/** Catalogue maps each finding code to its CodeInfo. */
export type Catalogue = Readonly<Record<string, CodeInfo>>;

/** TargetLabel is the part of a target a report prints (the database's TargetInfo fits). */
export interface TargetLabel {
  id: string;
  alpine: string | null;
  musl: string;
  gcc: string | null;
  gcompat: string | null;
}

/** ToolInfo names the program that produced a report. */
export interface ToolInfo {
  name: string;
  version: string;
}

/** MissingCount is one symbol and the number of files whose plain-musl load it breaks. */
export interface MissingCount {
  name: string;
  files: number;
}

/** Summary is the tree-level count every format starts with. */
export interface Summary {
  /** every file considered. */
  files: number;
  /** files that are ELF (kind `elf`). */
  elf: number;
  /** files per verdict, every verdict present (0 when none), in VERDICT_ORDER. */
  perVerdict: Record<Verdict, number>;
  /** the most common symbols plain musl lacks, most files first, then by name. */
  topMissing: MissingCount[];
}

/** TOP_MISSING_LIMIT is how many symbols `summary.topMissing` lists. */
export const TOP_MISSING_LIMIT = 10;

/**
 * compareText orders strings by UTF-16 code units, independent of the locale, so
 * that output is byte-identical on every machine (localeCompare is not).
 */
export function compareText(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/** sortReports returns the reports ordered by path (the pool returns them in completion order). */
export function sortReports(reports: readonly FileReport[]): FileReport[] {
  return [...reports].sort((a, b) => compareText(a.path, b.path));
}

/** stableArgs renders finding arguments with sorted keys, for ordering and fingerprints. */
export function stableArgs(args: Finding['args']): string {
  return JSON.stringify(Object.keys(args).sort(compareText).map((k) => [k, args[k]]));
}

/** sortFindings orders findings (or accepted ones) by code, then by their arguments; each finding's arguments are rendered once, not once per comparison. */
export function sortFindings<T extends Finding>(findings: readonly T[]): T[] {
  const keyed = findings.map((f) => ({ f, args: stableArgs(f.args) }));
  keyed.sort((a, b) => compareText(a.f.code, b.f.code) || compareText(a.args, b.args));
  return keyed.map((k) => k.f);
}

/** SummaryInput is the part of a file report the summary counts. */
export interface SummaryInput {
  kind: FileReport['kind'];
  verdict: FileReport['verdict'];
  unresolved: readonly string[];
}

/**
 * SummaryBuilder counts files one at a time, so a report written while the scan runs
 * can end with the same summary `summarize` gives for the whole list.
 */
export class SummaryBuilder {
  private files = 0;
  private elf = 0;
  private readonly perVerdict = Object.fromEntries(VERDICT_ORDER.map((v) => [v, 0])) as Record<Verdict, number>;
  private readonly missing = new Map<string, number>();

  /** add counts one file. */
  add(r: SummaryInput): void {
    this.files++;
    if (r.kind === 'elf') this.elf++;
    if (r.verdict !== null) this.perVerdict[r.verdict]++;
    for (const name of new Set(r.unresolved)) this.missing.set(name, (this.missing.get(name) ?? 0) + 1);
  }

  /** build returns the summary of everything added so far. */
  build(limit = TOP_MISSING_LIMIT): Summary {
    const topMissing = [...this.missing]
      .map(([name, files]) => ({ name, files }))
      .sort((a, b) => b.files - a.files || compareText(a.name, b.name))
      .slice(0, limit);
    return { files: this.files, elf: this.elf, perVerdict: { ...this.perVerdict }, topMissing };
  }
}

/**
 * treeCounts is the summary and the count per kind of a tree whose not-ELF files may be
 * left out of `reports` (`notElf` of them: counted, never listed). A scan for a format
 * written at the end keeps only the reports it may list: on /usr, 137,000 not-ELF reports
 * were 10 MB of the peak.
 */
export function treeCounts(reports: readonly FileReport[], notElf = 0): { summary: Summary; kinds: Record<FileReport['kind'], number> } {
  const summary = summarize(reports);
  const kinds = kindCounts(reports);
  summary.files += notElf;
  kinds['not-elf'] += notElf;
  return { summary, kinds };
}

/** summarize counts files, ELF files, verdicts and the most common missing symbols. */
export function summarize(reports: readonly SummaryInput[], limit = TOP_MISSING_LIMIT): Summary {
  const b = new SummaryBuilder();
  for (const r of reports) b.add(r);
  return b.build(limit);
}

/** needsAttention is true for a file that will not simply work: a verdict above `ok`, or an unreadable/malformed file. */
export function needsAttention(r: FileReport): boolean {
  // An unreadable or malformed file whose finding was accepted (allowlist, baseline) has verdict ok.
  return r.verdict !== null && r.verdict !== 'ok';
}

/** formatArgValue renders one finding argument: arrays joined with `, `, null as `-`. */
export function formatArgValue(v: Finding['args'][string]): string {
  if (v === null || v === undefined) return '-';
  if (Array.isArray(v)) return v.join(', ');
  return String(v);
}

/** formatArgs renders arguments as `key=value` pairs in key order, skipping nulls. */
export function formatArgs(args: Finding['args']): string {
  return Object.keys(args)
    .sort(compareText)
    .filter((k) => args[k] !== null && args[k] !== undefined && !(Array.isArray(args[k]) && (args[k] as string[]).length === 0))
    .map((k) => `${k}=${formatArgValue(args[k] ?? null)}`)
    .join(' ');
}

/** findingTitle is the catalogue title of a finding, or its code when the catalogue has no entry. */
export function findingTitle(f: Finding, catalogue: Catalogue): string {
  return catalogue[f.code]?.title ?? f.code;
}

/** describeFinding renders a finding as one line of prose: `title (key=value ...)`. */
export function describeFinding(f: Finding, catalogue: Catalogue): string {
  const args = formatArgs(f.args);
  const title = findingTitle(f, catalogue);
  return args === '' ? title : `${title} (${args})`;
}

/** describeTarget renders `alpine:3.22 (musl 1.2.5, gcompat 1.1.0)`. */
export function describeTarget(t: TargetLabel): string {
  const parts = [`musl ${t.musl}`];
  if (t.gcompat !== null) parts.push(`gcompat ${t.gcompat}`);
  if (t.gcc !== null) parts.push(`gcc ${t.gcc}`);
  return `${t.id} (${parts.join(', ')})`;
}

/** worstVerdict is the highest-ranked verdict among the reports, null when none has one. */
export function worstVerdict(reports: readonly FileReport[]): Verdict | null {
  let worst: Verdict | null = null;
  for (const r of reports) {
    if (r.verdict !== null && (worst === null || VERDICT_ORDER.indexOf(r.verdict) > VERDICT_ORDER.indexOf(worst))) worst = r.verdict;
  }
  return worst;
}

/** kindCounts counts the files per kind (elf, not-elf, malformed, unreadable). */
export function kindCounts(reports: readonly FileReport[]): Record<FileReport['kind'], number> {
  const counts: Record<FileReport['kind'], number> = { elf: 0, 'not-elf': 0, malformed: 0, unreadable: 0 };
  for (const r of reports) counts[r.kind]++;
  return counts;
}

/** uniqueSorted returns the distinct values in code-unit order. */
export function uniqueSorted(values: Iterable<string>): string[] {
  return [...new Set(values)].sort(compareText);
}
