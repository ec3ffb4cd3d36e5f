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
  if (plan.swaps.length === 0) lines.push('   nothing to replace');
  for (const w of plan.swaps) {
    lines.push(`   ${w.text}`);
    if (w.command) lines.push(`     $ ${w.command}`);
    for (const f of w.files) lines.push(`     - ${f}`);
  }
  lines.push('');
  lines.push('3. Patch binaries in place');
  if (plan.patchelf.length === 0) lines.push('   nothing to patch');
  for (const c of plan.patchelf) lines.push(`   ${c}`);
  lines.push('');
  lines.push('4. Rebuild against musl');
  if (plan.rebuilds.length === 0) lines.push('   nothing to rebuild');
  for (const r of plan.rebuilds) {
    lines.push(`   ${r.text}`);
    if (r.command) lines.push(`     $ ${r.command}`);
    for (const f of r.files) lines.push(`     - ${f}`);
  }
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
  if (plan.swaps.length > 0) {
    lines.push('');
    lines.push('### Replace plugins with their musl builds');
    for (const w of plan.swaps) {
      lines.push('');
      lines.push(`- ${w.text}`);
      if (w.command) lines.push(`  \`${w.command}\``);
      for (const f of w.files) lines.push(`  - \`${f}\``);
    }
  }
  if (plan.rebuilds.length > 0) {
    lines.push('');
    lines.push('### Rebuild against musl');
    for (const r of plan.rebuilds) {
      lines.push('');
      lines.push(`- ${r.text}`);
      if (r.command) lines.push(`  \`${r.command}\``);
      for (const f of r.files) lines.push(`  - \`${f}\``);
    }
  }
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
