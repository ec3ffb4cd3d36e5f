/**
 * db: renders `muslcheck db list`: the targets, architectures, musl/gcompat/glibc/GCC
 * versions in the bundled database and the provenance of every generated file.
 */
import type { DbListing } from '../db/explain.js';
import { padTable } from './explain.js';
import { stringifyJson } from './json.js';

/** dash renders null as `-`. */
function dash(v: string | number | null): string {
  return v === null ? '-' : String(v);
}

/** dbListText renders the listing as sections of aligned tables. */
export function dbListText(l: DbListing): string {
  const lines: string[] = [`Database schema ${l.schemaVersion}; default target ${l.defaultTarget}`, '', 'Targets:'];
  lines.push(
    ...padTable([
      ['target', 'alpine', 'musl', 'gcc', 'gcompat', ''],
      ...l.targets.map((t) => [t.id, dash(t.alpine), t.musl, dash(t.gcc), dash(t.gcompat), [t.default ? 'default' : '', t.derived ? 'musl derived' : ''].filter((x) => x !== '').join(', ')]),
    ]).map((s) => `  ${s}`),
  );
  lines.push('', `Architectures: ${l.arches.join(', ')}`, '', 'musl:');
  for (const v of l.musl) {
    const from = v.derived ? `derived from ${dash(v.derivedFrom)}` : `Debian ${dash(v.debianVersion)}`;
    lines.push(`  ${v.version} (${from}${v.lfs64Remap ? ', LFS64 remap' : ''}); libc.so exports per arch: ${v.arches.map((a) => `${a.arch} ${a.exports}`).join(', ')}`);
    if (v.note !== '') lines.push(`    ${v.note}`);
  }
  lines.push('', 'gcompat:');
  for (const g of l.gcompat) lines.push(`  ${g.version}: ${g.symbols} symbols (measured on ${g.measuredOn}; the same list serves every arch); answers ${g.sonames.join(', ')}`);
  lines.push('', `glibc: releases ${l.glibc.releases.join(', ')}`);
  for (const a of l.glibc.arches) lines.push(`  ${a.arch}: ${a.public} public, ${a.private} private names`);
  lines.push('', 'GCC runtimes (libstdc++/libgcc_s version nodes):');
  lines.push(...padTable(l.gcc.map((g) => [g.gcc, `${g.nodes} nodes`, g.derived ? 'derived' : 'measured', g.source])).map((s) => `  ${s}`));
  lines.push('', 'Provenance:');
  lines.push(
    ...padTable([
      ['file', 'package', 'version', 'arch', 'sha256'],
      ...l.provenance.map((p) => [p.file, p.package, p.version, p.arch, p.sha256]),
    ]).map((s) => `  ${s}`),
  );
  return `${lines.join('\n')}\n`;
}

/** formatDbList renders the listing as text or JSON. */
export function formatDbList(l: DbListing, format: 'text' | 'json'): string {
  return format === 'json' ? stringifyJson(l) : dbListText(l);
}
