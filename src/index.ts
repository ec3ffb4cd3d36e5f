/**
 * index: muslcheck as a library (the package's main export).
 *
 * The same layers the CLI uses: scan a tree, get one FileReport per file, derive
 * the tree's plan and exit code, render any report format. Nothing here writes
 * to stdout or stderr.
 */
export type { ElfImport, ElfExport, ElfInfo, ToolchainHints, GoInfo, GnuStack, ElfFileType } from './elf/types.js';
export { ElfError, isElfError } from './elf/errors.js';
export type { Database, LoadedDatabase, TargetInfo, Arch, ShimEntry, Hazard, Advice, Provenance } from './db/types.js';
export { loadDatabase, DataError } from './db/index.js';
export { explainSymbols, listDatabase } from './db/explain.js';
export type { ExplainEntry, DbListing } from './db/explain.js';
export type { FileReport, Finding, PlanStep, Verdict, Severity, Libc, FileKind, ElfSummary, FileError } from './analyze/types.js';
export { VERDICT_ORDER } from './analyze/types.js';

export type { Catalogue, CodeInfo, Summary, MissingCount, TargetLabel, ToolInfo } from './report/common.js';
export { summarize, sortReports } from './report/common.js';
export { formatJson, scanDocument, SCAN_SCHEMA_VERSION } from './report/json.js';
export type { JsonOptions, ScanDocument } from './report/json.js';
export { formatText } from './report/text.js';
export type { TextOptions } from './report/text.js';
export { formatSarif, sarifLog } from './report/sarif.js';
export type { SarifOptions, SarifLog } from './report/sarif.js';
export { formatMarkdown } from './report/markdown.js';
export type { MarkdownOptions } from './report/markdown.js';
export { formatExplain } from './report/explain.js';
export type { ExplainOptions } from './report/explain.js';
export { formatDbList } from './report/db.js';
