/**
 * sarif: the `scan --format sarif` log (SARIF 2.1.0, OASIS Standard,
 * https://docs.oasis-open.org/sarif/sarif/v2.1.0/sarif-v2.1.0.html).
 *
 * One rule per catalogue code (§3.49 reportingDescriptor), sorted by id; one
 * result per finding (§3.27), files sorted by path. Relative paths are given
 * against the `SRCROOT` base (§3.4.4 uriBaseId) so the log is the same on every
 * machine; absolute paths become `file://` URIs. `originalUriBaseIds` is left
 * out on purpose: it would embed the scanning machine's directory.
 */
import type { SuppressedFinding, FileReport, Finding, Severity } from '../analyze/types.js';
import type { Catalogue, ToolInfo, TargetLabel } from './common.js';
import { compareText, describeFinding, sortFindings, sortReports, stableArgs } from './common.js';
import { findingJson } from './json.js';

/** SARIF_SCHEMA is the schema URI the log declares (the OASIS 2.1.0 errata 01 schema). */
export const SARIF_SCHEMA = 'https://docs.oasis-open.org/sarif/sarif/v2.1.0/errata01/os/schemas/sarif-schema-2.1.0.json';

/** SarifOptions controls the log. */
export interface SarifOptions {
  tool: ToolInfo;
  target: TargetLabel;
  catalogue: Catalogue;
  /** the project's home page (toolComponent.informationUri). */
  informationUri: string;
  /** where the docs/ folder is published, to turn `docs/codes/X.md` into an absolute helpUri. */
  docsBaseUri: string;
}

/** SarifRule is a reportingDescriptor (§3.49). */
export interface SarifRule {
  id: string;
  name: string;
  shortDescription: { text: string };
  fullDescription: { text: string };
  help: { text: string; markdown: string };
  helpUri: string;
  defaultConfiguration: { level: Severity };
}

/** SarifResult is one result (§3.27). */
export interface SarifResult {
  ruleId: string;
  ruleIndex: number;
  level: Severity;
  message: { text: string };
  locations: Array<{ physicalLocation: { artifactLocation: { uri: string; uriBaseId?: string } } }>;
  partialFingerprints: Record<string, string>;
  /** present for a finding the allowlist or the baseline accepted (§3.27.23, §3.35). */
  suppressions?: Array<{ kind: 'external'; justification: string }>;
  properties: { verdict: string | null; args: Finding['args'] };
}

/** SarifLog is the top-level object (§3.13). */
export interface SarifLog {
  $schema: string;
  version: '2.1.0';
  runs: Array<{
    tool: { driver: { name: string; version: string; semanticVersion: string; informationUri: string; rules: SarifRule[] } };
    columnKind: 'utf16CodeUnits';
    results: SarifResult[];
    properties: { target: string };
  }>;
}

/** ruleName turns a title into a PascalCase identifier for reportingDescriptor.name (§3.49.7 asks for an identifier-like name). */
export function ruleName(title: string): string {
  return title
    .split(/[^A-Za-z0-9]+/)
    .filter((w) => w !== '')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join('');
}

/** helpUri resolves a catalogue docs path against the docs base (absolute URIs pass through). */
export function helpUri(docs: string, docsBaseUri: string): string {
  if (/^[a-z][a-z0-9+.-]*:/i.test(docs)) return docs;
  const base = docsBaseUri.endsWith('/') ? docsBaseUri : `${docsBaseUri}/`;
  return new URL(docs.replace(/^\.?\//, ''), base).href;
}

/** artifactUri encodes a report path as a URI reference: relative paths against SRCROOT, absolute ones as file:// URIs. */
export function artifactUri(path: string): { uri: string; uriBaseId?: string } {
  const encoded = path.split('/').map(encodeURIComponent).join('/');
  if (path.startsWith('/')) return { uri: `file://${encoded}` };
  return { uri: encoded.replace(/^(\.\/)+/, ''), uriBaseId: 'SRCROOT' };
}

/** sarifRules builds one rule per catalogue code, sorted by code. */
export function sarifRules(catalogue: Catalogue, docsBaseUri: string): SarifRule[] {
  return Object.keys(catalogue)
    .sort(compareText)
    .map((code) => {
      const info = catalogue[code]!;
      const uri = helpUri(info.docs, docsBaseUri);
      return {
        id: code,
        name: ruleName(info.title),
        shortDescription: { text: info.title },
        fullDescription: { text: info.description },
        help: { text: info.fix, markdown: `${info.fix}\n\nSee [${code}](${uri}).` },
        helpUri: uri,
        defaultConfiguration: { level: info.severity },
      };
    });
}

/** sarifLog builds the SARIF log object. Findings whose code is not in the catalogue are dropped from results (there is no rule to point at). */
export function sarifLog(reports: readonly FileReport[], opts: SarifOptions): SarifLog {
  const rules = sarifRules(opts.catalogue, opts.docsBaseUri);
  const index = ruleIndexes(rules);
  return logAround(
    rules,
    sortReports(reports).flatMap((r) => reportResults(r, opts, index)),
    opts,
  );
}

/** ruleIndexes maps each rule's id to its index in `rules`. */
function ruleIndexes(rules: readonly SarifRule[]): ReadonlyMap<string, number> {
  return new Map(rules.map((r, i) => [r.id, i]));
}

/** reportResults is one file's results: its findings, then the accepted ones, each in report order. */
function reportResults(r: FileReport, opts: SarifOptions, index: ReadonlyMap<string, number>): SarifResult[] {
  const results: SarifResult[] = [];
  // Accepted findings stay in the log with a suppression (SARIF §3.35), so code
  // scanning shows them as dismissed instead of losing them.
  const accepted = sortFindings(r.suppressed);
  for (const f of [...sortFindings(r.findings), ...accepted]) {
    const ruleIndex = index.get(f.code);
    if (ruleIndex === undefined) continue;
    const suppression = 'by' in f ? (f as SuppressedFinding) : null;
    results.push({
      ruleId: f.code,
      ruleIndex,
      level: f.severity,
      message: { text: `${r.path}: ${describeFinding(f, opts.catalogue)}` },
      locations: [{ physicalLocation: { artifactLocation: artifactUri(r.path) } }],
      partialFingerprints: { 'muslcheck/v1': `${f.code}:${stableArgs(f.args)}` },
      ...(suppression === null
        ? {}
        : { suppressions: [{ kind: 'external' as const, justification: suppression.reason ?? 'accepted by the baseline' }] }),
      properties: { verdict: r.verdict, args: findingJson(f).args },
    });
  }
  return results;
}

/** logAround is the SARIF log holding `results` (key order fixed here). */
function logAround(rules: SarifRule[], results: SarifResult[], opts: SarifOptions): SarifLog {
  return {
    $schema: SARIF_SCHEMA,
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: opts.tool.name,
            version: opts.tool.version,
            semanticVersion: opts.tool.version,
            informationUri: opts.informationUri,
            rules,
          },
        },
        columnKind: 'utf16CodeUnits',
        results,
        properties: { target: opts.target.id },
      },
    ],
  };
}

/** RESULT_INDENT is the indentation of a result inside `runs[0].results` in the pretty-printed log. */
const RESULT_INDENT = '\n        ';
/** RESULTS_MARK stands in for the results while the rest of the log is stringified. */
const RESULTS_MARK = '\u0001results';

/**
 * SarifWriter renders the SARIF log piece by piece, so a scan can write it while it runs
 * and keep no report: `head`, then `results(report)` for each file in path order, then
 * `tail()`. Together they are exactly formatSarif's text: JSON.stringify(sarifLog(...),
 * null, 2) and a newline. The frame around the results is the log stringified with a
 * placeholder for them; each result is stringified on its own and indented to its depth.
 */
export class SarifWriter {
  readonly head: string;
  private readonly index: ReadonlyMap<string, number>;
  /** what follows the results: after at least one, or right after `[` when there is none. */
  private readonly after: string;
  private readonly afterNone: string;
  private written = false;

  constructor(private readonly opts: SarifOptions) {
    const rules = sarifRules(opts.catalogue, opts.docsBaseUri);
    this.index = ruleIndexes(rules);
    const marked = JSON.stringify(logAround(rules, [RESULTS_MARK] as unknown as SarifResult[], opts), null, 2);
    const mark = JSON.stringify(RESULTS_MARK);
    const at = marked.indexOf(mark);
    this.head = marked.slice(0, marked.lastIndexOf('[', at) + 1);
    this.after = `${marked.slice(at + mark.length)}\n`;
    const none = JSON.stringify(logAround(rules, [], opts), null, 2);
    this.afterNone = `${none.slice(this.head.length)}\n`;
  }

  /** results renders one file's results, with the comma before them when results came earlier; '' when it has none. */
  results(r: FileReport): string {
    const list = reportResults(r, this.opts, this.index);
    if (list.length === 0) return '';
    const text = list.map((x) => RESULT_INDENT + JSON.stringify(x, null, 2).replace(/\n/g, RESULT_INDENT)).join(',');
    const sep = this.written ? ',' : '';
    this.written = true;
    return sep + text;
  }

  /** tail closes the log (with a trailing newline). */
  tail(): string {
    return this.written ? this.after : this.afterNone;
  }
}

/** formatSarif renders the SARIF log as pretty-printed JSON with a trailing newline (SarifWriter's pieces put together). */
export function formatSarif(reports: readonly FileReport[], opts: SarifOptions): string {
  const w = new SarifWriter(opts);
  const pieces = [w.head];
  for (const r of sortReports(reports)) pieces.push(w.results(r));
  pieces.push(w.tail());
  return pieces.join('');
}
