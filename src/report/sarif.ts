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
  const index = new Map(rules.map((r, i) => [r.id, i]));
  const results: SarifResult[] = [];
  for (const r of sortReports(reports)) {
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
  }
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

/** formatSarif renders the SARIF log as pretty-printed JSON with a trailing newline. */
export function formatSarif(reports: readonly FileReport[], opts: SarifOptions): string {
  return `${JSON.stringify(sarifLog(reports, opts), null, 2)}\n`;
}
