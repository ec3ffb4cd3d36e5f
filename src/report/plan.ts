/**
 * plan: renders the whole tree's fix plan (`muslcheck plan`) as text, JSON or markdown.
 * Pure: a TreePlan in, a string out.
 */
import type { TreePlan } from '../plan/index.js';
import { VERDICT_ORDER } from '../analyze/types.js';
import type { TargetLabel, ToolInfo } from './common.js';

/** PlanFormatOptions names the tool, the target and the format. */
export interface PlanFormatOptions {
  tool: ToolInfo;
  target: TargetLabel;
  format: 'text' | 'json' | 'markdown';
}

/** PLAN_SCHEMA_VERSION versions the JSON form of a plan. */
export const PLAN_SCHEMA_VERSION = 1;

/** formatPlan renders a TreePlan. */
export function formatPlan(plan: TreePlan, opts: PlanFormatOptions): string {
  if (opts.format === 'json') return formatPlanJson(plan, opts);
  if (opts.format === 'markdown') return formatPlanMarkdown(plan, opts);
  return formatPlanText(plan, opts);
}

function countsLine(plan: TreePlan): string {
  return VERDICT_ORDER.filter((v) => plan.counts[v] > 0)
    .map((v) => `${v} ${plan.counts[v]}`)
    .join(', ');
}

/** formatPlanJson is the plan as JSON with a schema version; keys in a fixed order. */
export function formatPlanJson(plan: TreePlan, opts: PlanFormatOptions): string {
  const out = {
    schemaVersion: PLAN_SCHEMA_VERSION,
    tool: opts.tool,
    target: opts.target,
    counts: plan.counts,
    apk: plan.apk,
    apkCommand: plan.apkCommand,
    dockerfile: plan.dockerfile,
    patchelf: plan.patchelf,
    swaps: plan.swaps,
    rebuilds: plan.rebuilds,
    patches: plan.patches,
    errors: plan.errors,
  };
  return JSON.stringify(out, null, 2) + '\n';
}

/** formatPlanText is the plan for a terminal. */
export function formatPlanText(plan: TreePlan, opts: PlanFormatOptions): string {
  const lines: string[] = [];
  lines.push(`muslcheck plan for ${opts.target.id} (musl ${opts.target.musl}${opts.target.gcompat ? `, gcompat ${opts.target.gcompat}` : ''})`);
  lines.push(`files: ${countsLine(plan) || 'none'}`);
  lines.push('');
  lines.push('1. Install packages');
  lines.push(plan.apkCommand ? `   ${plan.apkCommand}` : '   nothing to install');
  lines.push('');
  lines.push('2. Replace plugins with their musl builds');
  pushSteps(lines, plan.swaps, 'nothing to replace');
  lines.push('');
  lines.push('3. Patch binaries in place');
  if (plan.patchelf.length === 0) lines.push('   nothing to patch');
  for (const c of plan.patchelf) lines.push(`   ${c}`);
  lines.push('');
  lines.push('4. Rebuild against musl');
  pushSteps(lines, plan.rebuilds, 'nothing to rebuild');
  lines.push('');
  lines.push('5. Change the source');
  if (plan.patches.length === 0) lines.push('   no source changes needed');
  for (const p of plan.patches) {
    lines.push(`   ${p.api}: ${p.text}`);
    for (const f of p.files) lines.push(`     - ${f}`);
  }
  if (plan.errors.length > 0) {
    lines.push('');
    lines.push('Files muslcheck could not check (unreadable, malformed, or no symbol data for their architecture):');
    for (const f of plan.errors) lines.push(`   - ${f}`);
  }
  lines.push('');
  lines.push('Dockerfile:');
  for (const l of plan.dockerfile.trimEnd().split('\n')) lines.push(`   ${l}`);
  return lines.join('\n') + '\n';
}

/** formatPlanMarkdown is the plan for a pull-request comment. */
export function formatPlanMarkdown(plan: TreePlan, opts: PlanFormatOptions): string {
  const lines: string[] = [];
  lines.push(`## muslcheck plan for \`${opts.target.id}\``);
  lines.push('');
  lines.push(`Files: ${countsLine(plan) || 'none'}`);
  lines.push('');
  lines.push('### Dockerfile');
  lines.push('');
  lines.push('```dockerfile');
  lines.push(plan.dockerfile.trimEnd());
  lines.push('```');
  pushMarkdownSteps(lines, '### Replace plugins with their musl builds', plan.swaps);
  pushMarkdownSteps(lines, '### Rebuild against musl', plan.rebuilds);
  if (plan.patches.length > 0) {
    lines.push('');
    lines.push('### Source changes');
    for (const p of plan.patches) {
      lines.push('');
      lines.push(`- **${p.api}**: ${p.text}`);
      for (const f of p.files) lines.push(`  - \`${f}\``);
    }
  }
  if (plan.errors.length > 0) {
    lines.push('');
    lines.push('### Files muslcheck could not check');
    for (const f of plan.errors) lines.push(`- \`${f}\``);
  }
  return lines.join('\n') + '\n';
}

/** PlanStep is what the text and Markdown plans show of a swap or a rebuild. */
type PlanStep = { text: string; command?: string | null; files: readonly string[] };

/** pushSteps lists plan steps (text, optional command, the files each covers), or `none` when there are none. */
function pushSteps(lines: string[], steps: readonly PlanStep[], none: string): void {
  if (steps.length === 0) lines.push(`   ${none}`);
  for (const step of steps) {
    lines.push(`   ${step.text}`);
    if (step.command) lines.push(`     $ ${step.command}`);
    for (const f of step.files) lines.push(`     - ${f}`);
  }
}

/** pushMarkdownSteps adds a Markdown section of plan steps under `heading`; nothing when there are none. */
function pushMarkdownSteps(lines: string[], heading: string, steps: readonly PlanStep[]): void {
  if (steps.length === 0) return;
  lines.push('');
  lines.push(heading);
  for (const step of steps) {
    lines.push('');
    lines.push(`- ${step.text}`);
    if (step.command) lines.push(`  \`${step.command}\``);
    for (const f of step.files) lines.push(`  - \`${f}\``);
  }
}
