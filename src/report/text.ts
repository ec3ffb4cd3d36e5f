/**
 * text: the human-readable `scan` report.
 *
 * A summary first (files, verdict counts, the most common missing symbols), then
 * one line per file that needs anything; with `verbose`, each of those lines is
 * followed by the file's findings and plan steps. No colour: the text is the
 * same on a terminal, in a pipe and in a golden file.
 */
import type { FileReport } from '../analyze/types.js';
import { VERDICT_ORDER } from '../analyze/types.js';
import type { Catalogue, TargetLabel, ToolInfo } from './common.js';
import { describeFinding, describeTarget, kindCounts, needsAttention, sortFindings, sortReports, summarize } from './common.js';

/** TextOptions controls the text report. */
export interface TextOptions {
  tool: ToolInfo;
  target: TargetLabel;
  catalogue: Catalogue;
  verbose?: boolean;
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

/** fileReason says in one line why a file needs attention, from the report's own fields. */
export function fileReason(r: FileReport): string {
  if (r.error !== null) return r.error.message;
  const parts: string[] = [];
  if (r.missingLibraries.length > 0) parts.push(`needs ${abbreviateList(r.missingLibraries)}`);
  if (r.unresolvedWithGcompat.length > 0) {
    parts.push(`missing even with gcompat: ${abbreviateList(r.unresolvedWithGcompat)}`);
  } else if (r.unresolved.length > 0) {
    parts.push(`missing from musl: ${abbreviateList(r.unresolved)}`);
  }
  if (r.loaderErrors.length > 0) parts.push(abbreviateList(r.loaderErrors, 2));
  if (parts.length === 0 && r.elf?.interp) parts.push(`interpreter ${r.elf.interp}`);
  if (parts.length === 0 && r.findings.length > 0) parts.push(r.findings.map((f) => f.code).join(', '));
  return parts.join('; ');
}

/** verdictLabel is the verdict column: the verdict, or the file kind for unreadable/malformed files. */
function verdictLabel(r: FileReport): string {
  return r.verdict ?? r.kind;
}

/** summaryLines renders the header, the verdict counts and the most common missing symbols. */
export function summaryLines(reports: readonly FileReport[], opts: Pick<TextOptions, 'tool' | 'target'>): string[] {
  const s = summarize(reports);
  const kinds = kindCounts(reports);
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
    lines.push(sorted.length === 0 ? 'No files found.' : 'Every file loads on the target as it is.');
  } else {
    lines.push(`${plural(attention.length, 'file')} need${attention.length === 1 ? 's' : ''} attention:`);
    for (const r of attention) {
      lines.push(`  ${verdictLabel(r).padEnd(VERDICT_WIDTH)}  ${r.path}: ${fileReason(r)}`);
      if (opts.verbose === true) lines.push(...detailLines(r, opts.catalogue));
    }
    if (opts.verbose !== true) lines.push('', 'Run with --verbose for findings and fixes per file, or `muslcheck plan` for the whole tree.');
  }
  return `${lines.join('\n')}\n`;
}
