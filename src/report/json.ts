/**
 * json: the `scan --format json` document (schema/scan.schema.json).
 *
 * Every object is rebuilt key by key here, so the key order is fixed, nothing the
 * analysis did not produce leaks into the output, and `exports` appear only when
 * asked for. Files are sorted by path, imports by name and version, findings by
 * code and arguments; `needed` keeps the file's own DT_NEEDED order (it is the
 * loader's search order).
 */
import type { ElfImport, ElfExport, ToolchainHints } from '../elf/types.js';
import type { ElfSummary, FileReport, Finding, PlanStep } from '../analyze/types.js';
import type { Summary, TargetLabel, ToolInfo } from './common.js';
import { compareText, sortFindings, sortReports, summarize } from './common.js';

/** SCAN_SCHEMA_VERSION is bumped whenever a field of the scan document changes meaning or is removed. */
export const SCAN_SCHEMA_VERSION = 1;

/** JsonOptions says what goes into the document. */
export interface JsonOptions {
  tool: ToolInfo;
  target: TargetLabel;
  /** include each file's defined dynamic symbols (`--exports`). */
  exports?: boolean;
}

/** ScanDocument is the top-level JSON object. */
export interface ScanDocument {
  schemaVersion: number;
  tool: ToolInfo;
  target: TargetLabel;
  summary: Summary;
  files: FileReport[];
}

/** targetJson copies the target's printed fields in a fixed order. */
export function targetJson(t: TargetLabel): TargetLabel {
  return { id: t.id, alpine: t.alpine, musl: t.musl, gcc: t.gcc, gcompat: t.gcompat };
}

/** importJson projects one import. */
function importJson(i: ElfImport): ElfImport {
  return { name: i.name, version: i.version, library: i.library, weak: i.weak, type: i.type };
}

/** exportJson projects one export. */
function exportJson(e: ElfExport): ElfExport {
  return { name: e.name, version: e.version, hidden: e.hidden, binding: e.binding, type: e.type, visibility: e.visibility };
}

/** bySymbol orders symbols by name, then version (unversioned first). */
function bySymbol(a: { name: string; version: string | null }, b: { name: string; version: string | null }): number {
  return compareText(a.name, b.name) || compareText(a.version ?? '', b.version ?? '');
}

/** elfJson projects the ELF summary; exports only when `withExports`. */
export function elfJson(e: ElfSummary, withExports: boolean): ElfSummary {
  const out: ElfSummary = {
    class: e.class,
    endian: e.endian,
    machine: e.machine,
    arch: e.arch,
    type: e.type,
    interp: e.interp,
    needed: [...e.needed],
    soname: e.soname,
    rpath: e.rpath === null ? null : [...e.rpath],
    runpath: e.runpath === null ? null : [...e.runpath],
    static: e.static,
    pie: e.pie,
    gnuStack: e.gnuStack === null ? null : { executable: e.gnuStack.executable, size: e.gnuStack.size },
    buildId: e.buildId,
    imports: [...e.imports].sort(bySymbol).map(importJson),
  };
  if (withExports) out.exports = [...(e.exports ?? [])].sort(bySymbol).map(exportJson);
  return out;
}

/** toolchainJson projects the toolchain hints. */
function toolchainJson(t: ToolchainHints): ToolchainHints {
  return {
    comment: [...t.comment],
    gcc: t.gcc,
    go: t.go === null ? null : { version: t.go.version, cgo: t.go.cgo, path: t.go.path },
    rust: t.rust,
  };
}

/** findingJson projects a finding with its argument keys sorted. */
export function findingJson(f: Finding): Finding {
  const args: Finding['args'] = {};
  for (const k of Object.keys(f.args).sort(compareText)) {
    const v = f.args[k];
    args[k] = Array.isArray(v) ? [...v] : (v ?? null);
  }
  return { code: f.code, severity: f.severity, args };
}

/** planStepJson projects a plan step (steps keep their order: it is the order to apply them in). */
function planStepJson(s: PlanStep): PlanStep {
  return { kind: s.kind, command: s.command, packages: [...s.packages], text: s.text };
}

/** fileJson projects one FileReport in the documented key order. */
export function fileJson(r: FileReport, withExports: boolean): FileReport {
  return {
    path: r.path,
    kind: r.kind,
    error: r.error === null ? null : { kind: r.error.kind, message: r.error.message, offset: r.error.offset, field: r.error.field },
    elf: r.elf === null ? null : elfJson(r.elf, withExports),
    libc: r.libc,
    toolchain: r.toolchain === null ? null : toolchainJson(r.toolchain),
    unresolved: [...r.unresolved].sort(compareText),
    unresolvedWithGcompat: [...r.unresolvedWithGcompat].sort(compareText),
    missingLibraries: [...r.missingLibraries].sort(compareText),
    loaderErrors: [...r.loaderErrors],
    verdict: r.verdict,
    findings: sortFindings(r.findings).map(findingJson),
    plan: r.plan.map(planStepJson),
  };
}

/** scanDocument builds the JSON document for a scan. */
export function scanDocument(reports: readonly FileReport[], opts: JsonOptions): ScanDocument {
  const sorted = sortReports(reports);
  return {
    schemaVersion: SCAN_SCHEMA_VERSION,
    tool: { name: opts.tool.name, version: opts.tool.version },
    target: targetJson(opts.target),
    summary: summarize(sorted),
    files: sorted.map((r) => fileJson(r, opts.exports === true)),
  };
}

/** formatJson renders a scan as pretty-printed JSON with a trailing newline. */
export function formatJson(reports: readonly FileReport[], opts: JsonOptions): string {
  return stringifyJson(scanDocument(reports, opts));
}

/** stringifyJson is the one JSON rendering every command uses: two-space indent, trailing newline. */
export function stringifyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
