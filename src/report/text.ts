/**
 * text: the human-readable `scan` report.
 *
 * A summary first (files, verdict counts, the most common missing symbols), then
 * one line per file that needs anything; with `verbose`, each of those lines is
 * followed by the file's findings and plan steps. No colour: the text is the
 * same on a terminal, in a pipe and in a golden file.
 */
import type { FileReport, Verdict } from '../analyze/types.js';
import { VERDICT_ORDER } from '../analyze/types.js';
import type { Catalogue, TargetLabel, ToolInfo } from './common.js';
import { describeFinding, describeTarget, needsAttention, sortFindings, sortReports, treeCounts } from './common.js';

/** PlanSummary is the part of the whole tree's plan the text report prints (src/plan's TreePlan fits). */
export interface PlanSummary {
  /** plugins to replace with their musl builds (npm -musl sibling, musllinux wheel). */
  swaps: ReadonlyArray<{ manager: string; files: readonly string[] }>;
  apkCommand: string | null;
  patchelf: readonly string[];
  rebuilds: ReadonlyArray<{ toolchain: string; files: readonly string[] }>;
  patches: ReadonlyArray<{ api: string; files: readonly string[] }>;
}

/** TextOptions controls the text report. */
export interface TextOptions {
  tool: ToolInfo;
  target: TargetLabel;
  catalogue: Catalogue;
  verbose?: boolean;
  /** the whole tree's plan, summarised at the end (omitted: no plan section). */
  plan?: PlanSummary;
  /** the gate: a last line says whether any file is at or above it (omitted: no gate line). */
  failOn?: Verdict;
  /** not-ELF files left out of the reports: counted, never listed (treeCounts). */
  notElf?: number;
}

/** LIST_LIMIT is how many symbols or libraries a one-line reason names before `+N more`. */
export const LIST_LIMIT = 4;

/** VERDICT_WIDTH pads the verdict column (the longest verdict is `gcompat`/`rebuild`). */
const VERDICT_WIDTH = 8;

/** abbreviateList renders `a, b, c, d +3 more`. */
export function abbreviateList(items: readonly string[], limit = LIST_LIMIT): string {
  const shown = items.slice(0, limit).join(', ');
  return items.length > limit ? `${shown} +${items.length - limit} more` : shown;
}

/** plural renders `1 file` / `2 files`. */
export function plural(n: number, word: string, many = `${word}s`): string {
  return `${n} ${n === 1 ? word : many}`;
}

/** fileReason says in one line why a file needs attention, from the report's own fields (and what was accepted). */
export function fileReason(r: FileReport): string {
  const reason = loaderReason(r);
  if (r.suppressed.length === 0) return reason;
  const accepted = `accepted: ${abbreviateList([...new Set(r.suppressed.map((f) => f.code))])}`;
  return reason === '' ? accepted : `${reason} (${accepted})`;
}

/** loaderReason says what the loader would do with the file, or what the findings say. */
function loaderReason(r: FileReport): string {
  if (r.error !== null) return r.error.message;
  const parts: string[] = [];
  if (r.missingLibraries.length > 0) parts.push(`needs ${abbreviateList(r.missingLibraries)}`);
  if (r.unresolvedWithGcompat.length > 0) {
    parts.push(`missing even with gcompat: ${abbreviateList(r.unresolvedWithGcompat)}`);
  } else if (r.unresolved.length > 0) {
    parts.push(`missing from musl: ${abbreviateList(r.unresolved)}`);
  }
  if (r.loaderErrors.length > 0) parts.push(abbreviateList(r.loaderErrors, 2));
  if (parts.length > 0) return parts.join('; ');
  // Nothing fails to bind: name what the findings say (the interpreter only when that is the finding).
  const interp = r.findings.find((f) => f.code === 'glibc-interpreter');
  if (interp !== undefined && r.elf?.interp) parts.push(`interpreter ${r.elf.interp}`);
  const others = r.findings.filter((f) => f.code !== 'glibc-interpreter' && f.severity !== 'note').map((f) => f.code);
  if (others.length > 0) parts.push(abbreviateList([...new Set(others)]));
  return parts.join('; ');
}

/** verdictLabel is the verdict column: the verdict, or the file kind for unreadable/malformed files. */
function verdictLabel(r: FileReport): string {
  return r.verdict ?? r.kind;
}

/** summaryLines renders the header, the verdict counts and the most common missing symbols. */
export function summaryLines(reports: readonly FileReport[], opts: Pick<TextOptions, 'tool' | 'target' | 'notElf'>): string[] {
  const { summary: s, kinds } = treeCounts(reports, opts.notElf);
  const kindParts = [`${kinds.elf} ELF`];
  if (kinds['not-elf'] > 0) kindParts.push(`${kinds['not-elf']} not ELF`);
  if (kinds.malformed > 0) kindParts.push(`${kinds.malformed} malformed`);
  if (kinds.unreadable > 0) kindParts.push(`${kinds.unreadable} unreadable`);
  const lines = [
    `${opts.tool.name} ${opts.tool.version}: target ${describeTarget(opts.target)}`,
    `Scanned ${plural(s.files, 'file')} (${kindParts.join(', ')})`,
  ];
  const verdicts = VERDICT_ORDER.filter((v) => s.perVerdict[v] > 0);
  if (verdicts.length > 0) {
    lines.push('', 'Verdicts:');
    for (const v of verdicts) lines.push(`  ${v.padEnd(VERDICT_WIDTH)} ${String(s.perVerdict[v]).padStart(5)}`);
  }
  if (s.topMissing.length > 0) {
    const width = Math.max(...s.topMissing.map((m) => m.name.length));
    lines.push('', 'Most common symbols missing from musl:');
    for (const m of s.topMissing) lines.push(`  ${m.name.padEnd(width)}  ${plural(m.files, 'file')}`);
  }
  return lines;
}

/** detailLines renders a file's findings and plan steps for `--verbose`. */
export function detailLines(r: FileReport, catalogue: Catalogue): string[] {
  const lines: string[] = [];
  for (const f of sortFindings(r.findings)) lines.push(`      ${f.severity}: ${f.code}: ${describeFinding(f, catalogue)}`);
  for (const step of r.plan) {
    lines.push(`      fix (${step.kind}): ${step.text}`);
    if (step.command !== null) lines.push(`        $ ${step.command}`);
  }
  return lines;
}

/** formatText renders the whole text report with a trailing newline. */
export function formatText(reports: readonly FileReport[], opts: TextOptions): string {
  const sorted = sortReports(reports);
  const lines = summaryLines(sorted, opts);
  const attention = sorted.filter(needsAttention);
  lines.push('');
  if (attention.length === 0) {
    lines.push(sorted.length === 0 && (opts.notElf ?? 0) === 0 ? 'No files found.' : 'Every file loads on the target as it is.');
  } else {
    lines.push(`${plural(attention.length, 'file')} need${attention.length === 1 ? 's' : ''} attention:`);
    for (const r of attention) {
      lines.push(`  ${verdictLabel(r).padEnd(VERDICT_WIDTH)}  ${r.path}: ${fileReason(r)}`);
      if (opts.verbose === true) lines.push(...detailLines(r, opts.catalogue));
    }
    if (opts.verbose !== true) lines.push('', 'Run with --verbose for findings and fixes per file, or `muslcheck plan` for the whole tree.');
  }
  if (opts.plan !== undefined) lines.push(...planLines(opts.plan));
  const accepted = acceptedLine(sorted);
  if (accepted !== null) lines.push('', accepted);
  if (opts.failOn !== undefined) lines.push('', gateLine(sorted, opts.failOn));
  return `${lines.join('\n')}\n`;
}

/** countBy renders `c: 2, cxx: 1`. */
function countBy<T>(items: readonly T[], key: (t: T) => string, count: (t: T) => number): string {
  return items.map((i) => `${key(i)}: ${count(i)}`).join(', ');
}

/** planLines summarises the whole tree's plan in a few lines (empty when there is nothing to do). */
export function planLines(plan: PlanSummary): string[] {
  const lines: string[] = [];
  const swapped = new Set(plan.swaps.flatMap((x) => x.files)).size;
  if (swapped > 0) lines.push(`  replace with the musl build: ${plural(swapped, 'plugin')} (${countBy(plan.swaps, (x) => x.manager, (x) => x.files.length)})`);
  if (plan.apkCommand !== null) lines.push(`  ${plan.apkCommand}`);
  if (plan.patchelf.length > 0) lines.push(`  patchelf: ${plural(plan.patchelf.length, 'command')} (interpreter or DT_NEEDED)`);
  const rebuilt = new Set(plan.rebuilds.flatMap((r) => r.files)).size;
  if (rebuilt > 0) lines.push(`  rebuild against musl: ${plural(rebuilt, 'file')} (${countBy(plan.rebuilds, (r) => r.toolchain, (r) => r.files.length)})`);
  const patched = new Set(plan.patches.flatMap((p) => p.files)).size;
  if (patched > 0) lines.push(`  change the source: ${plural(patched, 'file')} (${abbreviateList(plan.patches.map((p) => p.api))})`);
  return lines.length === 0 ? [] : ['', 'Fix (the whole tree; `muslcheck plan` lists every step):', ...lines];
}

/** acceptedLine counts findings accepted by the allowlist or the baseline; null when none. */
export function acceptedLine(reports: readonly FileReport[]): string | null {
  let allow = 0;
  let baseline = 0;
  for (const r of reports) for (const f of r.suppressed) f.by === 'allowlist' ? allow++ : baseline++;
  if (allow + baseline === 0) return null;
  const parts = [allow > 0 ? `${allow} by the allowlist` : '', baseline > 0 ? `${baseline} by the baseline` : ''].filter((p) => p !== '');
  return `Accepted: ${plural(allow + baseline, 'finding')} (${parts.join(', ')}); they do not count toward the verdicts.`;
}

/** gateLine says whether the scan passes `--fail-on`, and if not, which files hold it back. */
export function gateLine(reports: readonly FileReport[], failOn: Verdict): string {
  const bar = VERDICT_ORDER.indexOf(failOn);
  const failing = reports.filter((r) => r.verdict !== null && VERDICT_ORDER.indexOf(r.verdict) >= bar);
  if (failing.length === 0) return `PASS: no file at or above --fail-on ${failOn}.`;
  return `FAIL: ${plural(failing.length, 'file')} at or above --fail-on ${failOn}: ${abbreviateList(failing.map((r) => r.path))}. Fix ${failing.length === 1 ? 'it' : 'them'}, or accept known findings with an allowlist or a baseline (docs/config.md).`;
}
