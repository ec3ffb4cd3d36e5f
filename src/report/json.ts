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
import type { ElfSummary, FileReport, Finding, PlanStep, SuppressedFinding } from '../analyze/types.js';
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

/**
 * ScanDocument is the top-level JSON object. `summary` comes after `files`: the document
 * is written while the scan runs (files in path order), and the counts are known last.
 */
export interface ScanDocument {
  schemaVersion: number;
  tool: ToolInfo;
  target: TargetLabel;
  files: FileReport[];
  summary: Summary;
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
  return { name: e.name, version: e.version, hidden: e.hidden, binding: e.binding, type: e.type, visibility: e.visibility, section: e.section };
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

/** suppressedJson projects an accepted finding: the finding, then who accepted it and why. */
function suppressedJson(f: SuppressedFinding): SuppressedFinding {
  return { ...findingJson(f), by: f.by, reason: f.reason };
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
    suppressed: sortFindings(r.suppressed).map(suppressedJson),
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
    files: sorted.map((r) => fileJson(r, opts.exports === true)),
    summary: summarize(sorted),
  };
}

/**
 * formatJson renders a scan as JSON with a trailing newline: the streamed form
 * (jsonHead, fileEntryJson per file joined by `,`, jsonTail) put together. It parses to
 * exactly scanDocument(...); see fileEntryJson for the layout.
 */
export function formatJson(reports: readonly FileReport[], opts: JsonOptions): string {
  const sorted = sortReports(reports);
  const entries = sorted.map((r) => fileEntryJson(r, opts.exports === true));
  return jsonHead(opts) + entries.join(',') + jsonTail(summarize(sorted), entries.length);
}

/** indent re-indents a JSON.stringify(…, null, 2) block that will sit `depth` spaces deep. */
function indent(block: string, depth: number): string {
  return block.replace(/\n/g, `\n${' '.repeat(depth)}`);
}

/** jsonHead is the document up to and including the opening of `files`. */
export function jsonHead(opts: Pick<JsonOptions, 'tool' | 'target'>): string {
  const tool = indent(JSON.stringify({ name: opts.tool.name, version: opts.tool.version }, null, 2), 2);
  const target = indent(JSON.stringify(targetJson(opts.target), null, 2), 2);
  return `{\n  "schemaVersion": ${SCAN_SCHEMA_VERSION},\n  "tool": ${tool},\n  "target": ${target},\n  "files": [`;
}

/** ENTRY_PREFIX and ENTRY_SUFFIX wrap an entry so JSON.stringify indents it as an element of `files`. */
const ENTRY_PREFIX = '{\n  "files": [\n    ';
const ENTRY_SUFFIX = '\n  ]\n}';
/** RECORD_INDENT is the indentation of one symbol record inside `elf.imports` / `elf.exports`. */
const RECORD_INDENT = '\n          ';
/** LIST_CLOSE closes a symbol list (at the depth of its key). */
const LIST_CLOSE = '\n        ]';
/** placeholders stand in for the symbol lists while the rest of the entry is stringified. */
const IMPORTS_MARK = '\u0001imports';
const EXPORTS_MARK = '\u0001exports';

/** PLAIN matches strings JSON writes as they are (printable ASCII without `"` and `\\`). */
const PLAIN = /^[\x20\x21\x23-\x5b\x5d-\x7e]*$/;

/** q renders a JSON string (skipping JSON.stringify for the plain names that are nearly all of them). */
function q(s: string): string {
  return PLAIN.test(s) ? `"${s}"` : JSON.stringify(s);
}

/** qn renders a nullable string. */
function qn(s: string | null): string {
  return s === null ? 'null' : q(s);
}

/** qt renders a symbol type (a name, or the number of an unknown type). */
function qt(t: ElfImport['type']): string {
  return typeof t === 'number' ? String(t) : q(t);
}

/** importLine is JSON.stringify(importJson(i)), written directly (tested to be equal). */
export function importLine(i: ElfImport): string {
  return `{"name":${q(i.name)},"version":${qn(i.version)},"library":${qn(i.library)},"weak":${i.weak},"type":${qt(i.type)}}`;
}

/** exportLine is JSON.stringify(exportJson(e)), written directly (tested to be equal). */
export function exportLine(e: ElfExport): string {
  const binding = typeof e.binding === 'number' ? String(e.binding) : q(e.binding);
  return `{"name":${q(e.name)},"version":${qn(e.version)},"hidden":${e.hidden},"binding":${binding},"type":${qt(e.type)},"visibility":${q(e.visibility)},"section":${e.section}}`;
}

/** symbolLines renders a symbol list one compact record per line (greppable: one line is one symbol). */
function symbolLines<T>(records: readonly T[], line: (r: T) => string): string {
  if (records.length === 0) return '[]';
  const parts = new Array<string>(records.length);
  for (let i = 0; i < records.length; i++) parts[i] = line(records[i]!);
  return `[${RECORD_INDENT}${parts.join(`,${RECORD_INDENT}`)}${LIST_CLOSE}`;
}

/**
 * fileEntryJson is one element of `files`, with its leading newline and indentation;
 * entries are joined with `,`. Layout: two-space indentation, except that a symbol list
 * (`imports`, `exports`) has one compact record per line and a not-ELF file is one line:
 * most of a tree is not ELF, and most of an ELF entry is symbols. The entry is
 * stringified inside a `{files: [...]}` wrapper, which puts it at the right depth in one
 * pass; the symbol lists are spliced in where their placeholders landed.
 */
export function fileEntryJson(r: FileReport, withExports: boolean): string {
  if (r.kind === 'not-elf') return `\n    ${JSON.stringify(fileJson(r, false))}`;
  // The symbol lists are rendered apart: the rest of the entry is projected without them.
  const entry = fileJson(r.elf === null ? r : { ...r, elf: { ...r.elf, imports: [], exports: undefined } }, false);
  if (entry.elf !== null) {
    (entry.elf as unknown as Record<string, unknown>).imports = IMPORTS_MARK;
    if (withExports) (entry.elf as unknown as Record<string, unknown>).exports = EXPORTS_MARK;
  }
  let whole = JSON.stringify({ files: [entry] }, null, 2);
  whole = whole.slice(ENTRY_PREFIX.length, whole.length - ENTRY_SUFFIX.length);
  if (r.elf !== null) {
    whole = splice(whole, JSON.stringify(IMPORTS_MARK), symbolLines([...r.elf.imports].sort(bySymbol), importLine));
    if (withExports) whole = splice(whole, JSON.stringify(EXPORTS_MARK), symbolLines([...(r.elf.exports ?? [])].sort(bySymbol), exportLine));
  }
  return `\n    ${whole}`;
}

/** splice replaces the one occurrence of `mark` (a placeholder no real value can produce: it starts with an escaped U+0001). */
function splice(text: string, mark: string, replacement: string): string {
  const at = text.indexOf(mark);
  return at < 0 ? text : text.slice(0, at) + replacement + text.slice(at + mark.length);
}

/** jsonTail closes `files` (`count` entries were written) and adds the summary. */
export function jsonTail(summary: Summary, count: number): string {
  return `${count > 0 ? '\n  ' : ''}],\n  "summary": ${indent(JSON.stringify(summary, null, 2), 2)}\n}\n`;
}

/** NOT_ELF_SENTINEL stands for the path while the not-ELF entry template is built. */
const NOT_ELF_SENTINEL = '@@muslcheck-path@@';
/** notElfTemplate is the rendered not-ELF entry split around its path (built on first use). */
let notElfTemplate: [string, string] | null = null;

/**
 * notElfEntryJson is fileEntryJson for a not-ELF file, from a template: a tree is mostly
 * not-ELF files, and only their path differs. Equal to the generic rendering (tested).
 */
export function notElfEntryJson(path: string, makeReport: (path: string) => FileReport): string {
  if (notElfTemplate === null) {
    const whole = fileEntryJson(makeReport(NOT_ELF_SENTINEL), false);
    const at = whole.indexOf(JSON.stringify(NOT_ELF_SENTINEL));
    notElfTemplate = [whole.slice(0, at), whole.slice(at + NOT_ELF_SENTINEL.length + 2)];
  }
  return notElfTemplate[0] + JSON.stringify(path) + notElfTemplate[1];
}

/** stringifyJson is the one JSON rendering every command uses: two-space indent, trailing newline. */
export function stringifyJson(value: unknown): string {
  return `${JSON.stringify(value, null, 2)}\n`;
}
