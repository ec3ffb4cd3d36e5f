/**
 * explain: renders `muslcheck explain SYMBOL...` as a table (text) or as
 * `{"symbols": [...]}` (json), one entry per symbol in the order asked.
 */
import type { ExplainEntry } from '../db/explain.js';
import type { TargetLabel } from './common.js';
import { describeTarget } from './common.js';
import { stringifyJson } from './json.js';

/** ExplainOptions controls the rendering. */
export interface ExplainOptions {
  target: TargetLabel;
  arch: string;
  format: 'text' | 'json';
}

/** yesNo renders a three-state answer. */
function yesNo(v: boolean | null | undefined): string {
  return v === true ? 'yes' : v === false ? 'no' : '-';
}

/** explainJson projects an entry in the documented key order. */
export function explainJson(e: ExplainEntry): ExplainEntry {
  return {
    name: e.name,
    musl: e.musl,
    gcompat: e.gcompat,
    glibc: e.glibc,
    muslSince: e.muslSince,
    shims: e.shims,
    hazards: e.hazards,
    advice: e.advice,
  };
}

/** padTable left-aligns columns to their widest cell. */
export function padTable(rows: readonly (readonly string[])[]): string[] {
  const widths: number[] = [];
  for (const row of rows) row.forEach((cell, i) => (widths[i] = Math.max(widths[i] ?? 0, cell.length)));
  return rows.map((row) => row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  ').trimEnd());
}

/** explainText renders the table, then each symbol's shims, hazards and advice. */
export function explainText(entries: readonly ExplainEntry[], opts: Pick<ExplainOptions, 'target' | 'arch'>): string {
  const lines = [`Target ${describeTarget(opts.target)}, arch ${opts.arch}`, ''];
  lines.push(
    ...padTable([
      ['symbol', 'musl', 'gcompat', 'glibc since', 'musl since', 'shims'],
      ...entries.map((e) => [
        e.name,
        yesNo(e.musl),
        yesNo(e.gcompat),
        e.glibc ?? '-',
        e.muslSince ?? '-',
        e.shims.length === 0 ? '-' : e.shims.map((s) => s.package).join(', '),
      ]),
    ]),
  );
  for (const e of entries) {
    const notes: string[] = [];
    for (const s of e.shims) {
      const how = [s.soname, s.use, s.devPackage === null ? null : `build: ${s.devPackage}`, s.linkFlag].filter((x) => x !== null).join(', ');
      notes.push(`  shim: apk add ${s.package} (${how})`);
    }
    for (const h of e.hazards) notes.push(`  hazard ${h.id}: ${h.summary}`);
    if (e.advice !== null) notes.push(`  fix (${e.advice.api}): ${e.advice.replacement}`);
    if (notes.length > 0) lines.push('', `${e.name}:`, ...notes);
  }
  return `${lines.join('\n')}\n`;
}

/** formatExplain renders the entries in the chosen format. */
export function formatExplain(entries: readonly ExplainEntry[], opts: ExplainOptions): string {
  if (opts.format === 'json') return stringifyJson({ symbols: entries.map(explainJson) });
  return explainText(entries, opts);
}
