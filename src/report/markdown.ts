/**
 * markdown: the `scan --format markdown` report, meant for a pull-request comment
 * (GitHub-flavoured Markdown: tables, and per-file sections collapsed with
 * `<details>` so a long tree does not drown the conversation).
 */
import type { FileReport, PlanStep } from '../analyze/types.js';
import { VERDICT_ORDER } from '../analyze/types.js';
import type { Catalogue, TargetLabel, ToolInfo } from './common.js';
import { describeTarget, findingTitle, formatArgs, needsAttention, sortFindings, sortReports, treeCounts } from './common.js';
import { fileReason, plural } from './text.js';

/** MarkdownOptions controls the Markdown report. */
export interface MarkdownOptions {
  tool: ToolInfo;
  target: TargetLabel;
  catalogue: Catalogue;
  /** not-ELF files left out of the reports: counted, never listed (treeCounts). */
  notElf?: number;
}

/** escapeHtml escapes text placed inside HTML elements (`<summary>`, `<code>`). */
export function escapeHtml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

/** escapeCell escapes text for a GFM table cell: pipes and newlines would end the cell or the row. */
export function escapeCell(text: string): string {
  return text.replace(/\\/g, '\\\\').replace(/\|/g, '\\|').replace(/\r?\n/g, ' ');
}

/** codeSpan wraps text in a code span long enough not to clash with backticks inside it (CommonMark §6.1). */
export function codeSpan(text: string): string {
  const runs = text.match(/`+/g) ?? [];
  const fence = '`'.repeat(Math.max(0, ...runs.map((r) => r.length)) + 1);
  const pad = text.startsWith('`') || text.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${text}${pad}${fence}`;
}

/** table renders a GFM table; `align` marks right-aligned columns. */
export function table(header: readonly string[], rows: readonly (readonly string[])[], rightAligned: readonly number[] = []): string[] {
  const sep = header.map((_, i) => (rightAligned.includes(i) ? '---:' : '---'));
  return [header, sep, ...rows].map((cells) => `| ${cells.join(' | ')} |`);
}

/** summaryMarkdown renders the heading, the verdict table and the most common missing symbols. */
export function summaryMarkdown(reports: readonly FileReport[], opts: Pick<MarkdownOptions, 'tool' | 'target' | 'notElf'>): string[] {
  const { summary: s, kinds } = treeCounts(reports, opts.notElf);
  const attention = reports.filter(needsAttention).length;
  const lines = [
    `## ${opts.tool.name}: ${attention === 0 ? 'every file loads' : `${plural(attention, 'file')} of ${s.files} need${attention === 1 ? 's' : ''} attention`} on ${opts.target.id}`,
    '',
    `Target ${escapeCell(describeTarget(opts.target))}; ${plural(s.files, 'file')} scanned, ${kinds.elf} ELF` +
      `${kinds.malformed > 0 ? `, ${kinds.malformed} malformed` : ''}${kinds.unreadable > 0 ? `, ${kinds.unreadable} unreadable` : ''}.`,
  ];
  const verdicts = VERDICT_ORDER.filter((v) => s.perVerdict[v] > 0);
  if (verdicts.length > 0) {
    lines.push('', ...table(['Verdict', 'Files'], verdicts.map((v) => [codeSpan(v), String(s.perVerdict[v])]), [1]));
  }
  if (s.topMissing.length > 0) {
    lines.push('', '**Most common symbols missing from musl**', '');
    lines.push(...table(['Symbol', 'Files'], s.topMissing.map((m) => [codeSpan(m.name), String(m.files)]), [1]));
  }
  return lines;
}

/** planStepMarkdown renders one plan step as a list item with its command in a shell block. */
function planStepMarkdown(step: PlanStep): string[] {
  const lines = [`- **${step.kind}**: ${step.text}`];
  if (step.command !== null) lines.push('  ```sh', ...step.command.split('\n').map((l) => `  ${l}`), '  ```');
  return lines;
}

/** fileMarkdown renders one file as a collapsed `<details>` section: findings table, then the plan. */
export function fileMarkdown(r: FileReport, catalogue: Catalogue): string[] {
  const label = r.verdict ?? r.kind;
  const lines = [
    '<details>',
    `<summary><code>${escapeHtml(r.path)}</code>: <b>${escapeHtml(label)}</b>: ${escapeHtml(fileReason(r))}</summary>`,
    '',
  ];
  const findings = sortFindings(r.findings);
  if (findings.length > 0) {
    lines.push(
      ...table(
        ['Severity', 'Code', 'Finding', 'Details'],
        findings.map((f) => [f.severity, codeSpan(f.code), escapeCell(findingTitle(f, catalogue)), escapeCell(formatArgs(f.args))]),
      ),
      '',
    );
  }
  if (r.plan.length > 0) lines.push('**Fix**', '', ...r.plan.flatMap(planStepMarkdown), '');
  lines.push('</details>');
  return lines;
}

/** formatMarkdown renders the whole Markdown report with a trailing newline. */
export function formatMarkdown(reports: readonly FileReport[], opts: MarkdownOptions): string {
  const sorted = sortReports(reports);
  const lines = summaryMarkdown(sorted, opts);
  const attention = sorted.filter(needsAttention);
  if (attention.length > 0) {
    lines.push('', '### Files', '');
    for (const r of attention) lines.push(...fileMarkdown(r, opts.catalogue), '');
    lines.pop();
  }
  lines.push('', `<sub>${escapeHtml(opts.tool.name)} ${escapeHtml(opts.tool.version)}</sub>`);
  return `${lines.join('\n')}\n`;
}
