import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { Ajv } from 'ajv';
import type { FileReport } from '../../src/analyze/types.js';
import { summarize, sortReports, describeFinding, formatArgs, needsAttention } from '../../src/report/common.js';
import { exportLine, fileEntryJson, importLine, notElfEntryJson, formatJson, scanDocument } from '../../src/report/json.js';
import { emptyReport, notElfReport } from '../../src/analyze/index.js';
import { formatText, abbreviateList, fileReason } from '../../src/report/text.js';
import { formatSarif, sarifLog, artifactUri, helpUri, ruleName } from '../../src/report/sarif.js';
import { formatMarkdown, codeSpan, escapeCell } from '../../src/report/markdown.js';
import { CATALOGUE_FIXTURE, REPORTS_FIXTURE, TARGET_FIXTURE, TOOL_FIXTURE } from './fixtures/reports.js';
import { checkSarifStructure } from './sarif-structure.js';

const base = { tool: TOOL_FIXTURE, target: TARGET_FIXTURE, catalogue: CATALOGUE_FIXTURE };
const sarifOpts = { ...base, informationUri: 'https://example.invalid/muslcheck', docsBaseUri: 'https://example.invalid/muslcheck' };

/** shuffled returns the reports in a different order (as a worker pool would). */
function shuffled(reports: readonly FileReport[]): FileReport[] {
  return [...reports].reverse().map((r) => ({ ...r, findings: [...r.findings].reverse(), unresolved: [...r.unresolved].reverse() }));
}

describe('summarize', () => {
  const s = summarize(REPORTS_FIXTURE);
  it.each([
    ['files', s.files, 6],
    ['elf', s.elf, 4],
    ['ok', s.perVerdict.ok, 1],
    ['loader', s.perVerdict.loader, 1],
    ['gcompat', s.perVerdict.gcompat, 1],
    ['rebuild', s.perVerdict.rebuild, 1],
    ['error', s.perVerdict.error, 1],
    ['shim', s.perVerdict.shim, 0],
  ])('%s count', (_name, got, want) => expect(got).toBe(want));

  it('ranks missing symbols by file count, then name', () => {
    expect(s.topMissing).toEqual([
      { name: '__fprintf_chk', files: 2 },
      { name: '__isoc23_strtol', files: 1 },
      { name: '__snprintf_chk', files: 1 },
      { name: 'fcntl64', files: 1 },
    ]);
  });

  it('limits topMissing', () => {
    expect(summarize(REPORTS_FIXTURE, 1).topMissing).toHaveLength(1);
  });
});

describe('common helpers', () => {
  it.each([
    [{ symbol: 'fcntl64', version: 'GLIBC_2.28', gcompat: false }, 'gcompat=false symbol=fcntl64 version=GLIBC_2.28'],
    [{ packages: ['a', 'b'], library: null }, 'packages=a, b'],
    [{}, ''],
  ])('formatArgs(%j)', (args, want) => expect(formatArgs(args)).toBe(want));

  it('describeFinding uses the catalogue title, or the code when unknown', () => {
    expect(describeFinding({ code: 'missing-symbol', severity: 'error', args: { symbol: 'x' } }, CATALOGUE_FIXTURE)).toBe('Symbol missing from musl (symbol=x)');
    expect(describeFinding({ code: 'nope', severity: 'note', args: {} }, CATALOGUE_FIXTURE)).toBe('nope');
  });

  it('sortReports orders by path, locale-independent', () => {
    expect(sortReports(REPORTS_FIXTURE).map((r) => r.path)).toEqual([
      'tree/bin/gzip',
      'tree/bin/hello-musl',
      'tree/bin/loader-only',
      'tree/bin/run.sh',
      'tree/bin/truncated',
      'tree/lib/libsql|odd name.so',
    ]);
  });

  it.each([
    ['tree/bin/gzip', true],
    ['tree/bin/hello-musl', false],
    ['tree/bin/run.sh', false],
    ['tree/bin/truncated', true],
    ['tree/bin/loader-only', true],
  ])('needsAttention(%s) is %s', (path, want) => {
    expect(needsAttention(REPORTS_FIXTURE.find((r) => r.path === path)!)).toBe(want);
  });
});

describe('json', () => {
  const schema = JSON.parse(readFileSync(new URL('../../schema/scan.schema.json', import.meta.url), 'utf8'));
  const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);

  it.each([false, true])('validates against schema/scan.schema.json (exports %s)', (exports) => {
    const doc = JSON.parse(formatJson(REPORTS_FIXTURE, { ...base, exports }));
    expect(validate(doc), JSON.stringify(validate.errors)).toBe(true);
  });

  it('rejects a document with a field the schema does not know', () => {
    const doc = JSON.parse(formatJson(REPORTS_FIXTURE, base));
    doc.files[0].invented = 1;
    expect(validate(doc)).toBe(false);
  });

  it('is byte-identical whatever order the reports arrive in', () => {
    expect(formatJson(shuffled(REPORTS_FIXTURE), base)).toBe(formatJson(REPORTS_FIXTURE, base));
  });

  it('includes exports only when asked', () => {
    const without = scanDocument(REPORTS_FIXTURE, base);
    const withExports = scanDocument(REPORTS_FIXTURE, { ...base, exports: true });
    expect(without.files.some((f) => f.elf !== null && 'exports' in f.elf)).toBe(false);
    expect(withExports.files.filter((f) => f.elf?.exports !== undefined)).toHaveLength(4);
  });

  it('keeps DT_NEEDED order and sorts imports and findings', () => {
    const doc = scanDocument(REPORTS_FIXTURE, base);
    const lib = doc.files.find((f) => f.path.startsWith('tree/lib/'))!;
    expect(lib.elf!.needed).toEqual(['libresolv.so.2', 'libc.so.6']);
    expect(lib.elf!.imports.map((i) => i.name)).toEqual(['__fprintf_chk', '__isoc23_strtol', 'fcntl64', 'strerror_r']);
    expect(lib.findings.map((f) => f.code)).toEqual(['hazard-strerror-r', 'missing-library', 'missing-symbol', 'missing-symbol', 'missing-symbol']);
    expect(Object.keys(doc.files[0]!.findings[1]!.args)).toEqual(['gcompat', 'library', 'symbol', 'version']);
  });

  it('has the documented top-level keys in order (summary last: the document streams)', () => {
    expect(Object.keys(scanDocument(REPORTS_FIXTURE, base))).toEqual(['schemaVersion', 'tool', 'target', 'files', 'summary']);
  });

  it.each([
    ['every fixture', REPORTS_FIXTURE],
    ['no files', []],
    ['one file', REPORTS_FIXTURE.slice(0, 1)],
  ])('the streamed text parses to exactly the document (%s)', (_name, reports) => {
    for (const exports of [false, true]) {
      const text = formatJson(reports, { ...base, exports });
      expect(JSON.parse(text)).toEqual(scanDocument(reports, { ...base, exports }));
      expect(text.endsWith('}\n')).toBe(true);
    }
  });

  it('puts one symbol record per line, and a not-ELF file on one line', () => {
    const text = formatJson(REPORTS_FIXTURE, { ...base, exports: true });
    const doc = scanDocument(REPORTS_FIXTURE, { ...base, exports: true });
    const lines = text.split('\n');
    const records = new Set(lines.map((l) => l.trim().replace(/,$/, '')));
    const symbols = doc.files.flatMap((f) => [...(f.elf?.imports ?? []), ...(f.elf?.exports ?? [])]);
    expect(symbols.length).toBeGreaterThan(0);
    for (const sym of symbols) expect(records).toContain(JSON.stringify(sym));
    for (const f of doc.files) {
      if (f.kind === 'not-elf') expect(lines.filter((l) => l.includes(JSON.stringify(f.path)))).toEqual([`    ${JSON.stringify(f)}${f === doc.files.at(-1) ? '' : ','}`]);
    }
  });

  it('not-ELF reports share one frozen empty list, and render like fresh empty ones', () => {
    const [a, b] = [notElfReport('a'), notElfReport('b')];
    expect(a.findings).toBe(b.plan);
    expect(Object.isFrozen(a.unresolved)).toBe(true);
    expect(() => (a.findings as unknown[]).push(1)).toThrow(TypeError);
    expect(fileEntryJson(a, false)).toBe(fileEntryJson(emptyReport('a', 'not-elf'), false));
    expect(formatText([a, b], base)).toBe(formatText([emptyReport('a', 'not-elf'), emptyReport('b', 'not-elf')], base));
  });

  it.each(['bin/tool', 'a "quoted" \\ path', '/abs/ünïcode/x', '@@muslcheck-path@@'])('the not-ELF template renders %s like the generic path', (path) => {
    expect(notElfEntryJson(path, notElfReport)).toBe(fileEntryJson(notElfReport(path), false));
  });

  it.each([
    { name: 'memcpy', version: 'GLIBC_2.14', library: 'libc.so.6', weak: false, type: 'func' as const },
    { name: 'we"ird\\name\u0001', version: null, library: null, weak: true, type: 13 },
    { name: 'ünï', version: 'V\t1', library: 'l "x"', weak: false, type: 'object' as const },
  ])('importLine writes what JSON.stringify writes (%j)', (i) => {
    expect(importLine(i)).toBe(JSON.stringify({ name: i.name, version: i.version, library: i.library, weak: i.weak, type: i.type }));
  });

  it.each([
    { name: 'f', version: 'V1', hidden: true, binding: 'weak' as const, type: 'ifunc' as const, visibility: 'protected' as const, section: 14 },
    { name: 'x"\\', version: null, hidden: false, binding: 11, type: 14, visibility: 'default' as const, section: 0xfff1 },
  ])('exportLine writes what JSON.stringify writes (%j)', (e) => {
    expect(exportLine(e)).toBe(JSON.stringify({ name: e.name, version: e.version, hidden: e.hidden, binding: e.binding, type: e.type, visibility: e.visibility, section: e.section }));
  });

  it('renders accepted findings under suppressed, sorted, with who accepted them', () => {
    const r = { ...REPORTS_FIXTURE[0]!, suppressed: [
      { code: 'missing-symbol-rebuild', severity: 'error' as const, args: { symbols: ['fcntl64'] }, by: 'baseline' as const, reason: null },
      { code: 'glibc-interpreter', severity: 'warning' as const, args: { interp: '/lib64/ld-linux-x86-64.so.2' }, by: 'allowlist' as const, reason: 'runs under gcompat' },
    ] };
    const doc = scanDocument([r], base);
    expect(doc.files[0]!.suppressed.map((f) => [f.code, f.by, f.reason])).toEqual([
      ['glibc-interpreter', 'allowlist', 'runs under gcompat'],
      ['missing-symbol-rebuild', 'baseline', null],
    ]);
    expect(validate(JSON.parse(formatJson([r], base)))).toBe(true);
  });
});

describe('accepted findings in the text report', () => {
  const accepted = {
    ...REPORTS_FIXTURE[0]!,
    verdict: 'ok' as const,
    findings: [],
    suppressed: [{ code: 'missing-symbol-gcompat', severity: 'warning' as const, args: { symbols: ['__fprintf_chk'] }, by: 'baseline' as const, reason: null }],
  };

  it('a file whose findings were all accepted does not need attention', () => expect(needsAttention(accepted)).toBe(false));

  it('the reason names what was accepted', () => {
    expect(fileReason({ ...accepted, verdict: 'loader', findings: [{ code: 'glibc-interpreter', severity: 'warning', args: {} }] })).toMatch(/\(accepted: missing-symbol-gcompat\)$/);
  });

  it('formatArgs leaves out empty lists', () => expect(formatArgs({ dlopen: [], evidence: 'symtab', nss: ['__nss_passwd_lookup2'] })).toBe('evidence=symtab nss=__nss_passwd_lookup2'));
});

describe('text', () => {
  const text = formatText(REPORTS_FIXTURE, base);
  const verbose = formatText(REPORTS_FIXTURE, { ...base, verbose: true });

  it('lists one line per file that needs attention, none for the others', () => {
    const fileLines = text.split('\n').filter((l) => /^ {2}\S+ +tree\//.test(l));
    expect(fileLines.map((l) => l.trim().split(/\s+/)[0])).toEqual(['gcompat', 'loader', 'error', 'rebuild']);
    expect(text).not.toContain('hello-musl');
    expect(text).not.toContain('run.sh');
  });

  it('starts with the summary', () => {
    expect(text.split('\n').slice(0, 2)).toEqual(['muslcheck 0.1.0: target alpine:3.22 (musl 1.2.5, gcompat 1.1.0, gcc 14.2)', 'Scanned 6 files (4 ELF, 1 not ELF, 1 malformed)']);
    expect(text).toMatch(/Most common symbols missing from musl:\n {2}__fprintf_chk +2 files\n/);
  });

  it('shows findings and plan commands only with verbose', () => {
    expect(text).not.toContain('apk add --no-cache gcompat');
    expect(verbose).toContain('$ apk add --no-cache gcompat');
    expect(verbose).toContain('note: hazard-strerror-r: GNU strerror_r | XSI semantics (symbol=strerror_r)');
  });

  it.each([
    [['a'], 'a'],
    [['a', 'b', 'c', 'd', 'e', 'f'], 'a, b, c, d +2 more'],
  ])('abbreviateList(%j)', (items, want) => expect(abbreviateList(items)).toBe(want));

  it('fileReason prefers what gcompat cannot fix', () => {
    const lib = REPORTS_FIXTURE.find((r) => r.verdict === 'rebuild')!;
    expect(fileReason(lib)).toBe('needs libresolv.so.2; missing even with gcompat: __isoc23_strtol, fcntl64');
  });

  it('says so when nothing needs attention', () => {
    expect(formatText([REPORTS_FIXTURE[1]!], base)).toContain('Every file loads on the target as it is.');
    expect(formatText([], base)).toContain('No files found.');
  });
});

describe('sarif', () => {
  const log = sarifLog(REPORTS_FIXTURE, sarifOpts);

  it('passes the structural SARIF 2.1.0 check', () => {
    expect(checkSarifStructure(JSON.parse(formatSarif(REPORTS_FIXTURE, sarifOpts)))).toEqual([]);
  });

  it('has one rule per catalogue code, sorted, with absolute help URIs', () => {
    const rules = log.runs[0]!.tool.driver.rules;
    expect(rules.map((r) => r.id)).toEqual(['glibc-interpreter', 'hazard-strerror-r', 'missing-library', 'missing-symbol']);
    expect(rules[3]).toMatchObject({
      name: 'SymbolMissingFromMusl',
      helpUri: 'https://example.invalid/muslcheck/docs/codes/missing-symbol.md',
      defaultConfiguration: { level: 'error' },
    });
  });

  it('has one result per finding, accepted ones included, pointing at its rule', () => {
    const results = log.runs[0]!.results;
    expect(results).toHaveLength(REPORTS_FIXTURE.reduce((n, r) => n + r.findings.length + r.suppressed.length, 0));
    expect(results.filter((r) => r.suppressions !== undefined)).toHaveLength(REPORTS_FIXTURE.reduce((n, r) => n + r.suppressed.length, 0));
    for (const res of results) expect(log.runs[0]!.tool.driver.rules[res.ruleIndex]!.id).toBe(res.ruleId);
  });

  it('is byte-identical whatever order the reports arrive in', () => {
    expect(formatSarif(shuffled(REPORTS_FIXTURE), sarifOpts)).toBe(formatSarif(REPORTS_FIXTURE, sarifOpts));
  });

  // formatSarif renders one result at a time: it must print exactly the log sarifLog builds.
  it.each([
    ['every fixture report', REPORTS_FIXTURE],
    ['no report at all', []],
    ['reports without findings', REPORTS_FIXTURE.map((r) => ({ ...r, findings: [], suppressed: [] }))],
    ['one report', REPORTS_FIXTURE.slice(0, 1)],
    ['a path and arguments that need escaping', [{ ...REPORTS_FIXTURE[0]!, path: 'a "b"\\c\u0001results\n', findings: REPORTS_FIXTURE[0]!.findings.map((f) => ({ ...f, args: { ...f.args, odd: '\u0001results' } })) }]],
  ])('prints the log sarifLog builds, pretty-printed: %s', (_what, reports) => {
    expect(formatSarif(reports, sarifOpts)).toBe(`${JSON.stringify(sarifLog(reports, sarifOpts), null, 2)}\n`);
  });

  it.each([
    ['tree/bin/gzip', { uri: 'tree/bin/gzip', uriBaseId: 'SRCROOT' }],
    ['./a b/c#d', { uri: 'a%20b/c%23d', uriBaseId: 'SRCROOT' }],
    ['/usr/lib/x86_64-linux-gnu/libz.so.1', { uri: 'file:///usr/lib/x86_64-linux-gnu/libz.so.1' }],
  ])('artifactUri(%s)', (path, want) => expect(artifactUri(path)).toEqual(want));

  it.each([
    ['docs/codes/X.md', 'https://h.invalid/p', 'https://h.invalid/p/docs/codes/X.md'],
    ['./docs/codes/X.md', 'https://h.invalid/p/', 'https://h.invalid/p/docs/codes/X.md'],
    ['https://other.invalid/X', 'https://h.invalid/p', 'https://other.invalid/X'],
  ])('helpUri(%s, %s)', (docs, info, want) => expect(helpUri(docs, info)).toBe(want));

  it.each([
    ['Symbol missing from musl', 'SymbolMissingFromMusl'],
    ['GNU strerror_r | XSI semantics', 'GNUStrerrorRXSISemantics'],
  ])('ruleName(%s)', (title, want) => expect(ruleName(title)).toBe(want));
});

describe('markdown', () => {
  const md = formatMarkdown(REPORTS_FIXTURE, base);

  it('collapses one section per file that needs attention', () => {
    expect(md.match(/<details>/g)).toHaveLength(4);
    expect(md.match(/<\/details>/g)).toHaveLength(4);
  });

  it('has a verdict table and a heading counting the files', () => {
    expect(md.split('\n')[0]).toBe('## muslcheck: 4 files of 6 need attention on alpine:3.22');
    expect(md).toContain('| Verdict | Files |\n| --- | ---: |\n| `ok` | 1 |');
  });

  it('escapes table cells and HTML', () => {
    expect(md).toContain('<code>tree/lib/libsql|odd name.so</code>');
    expect(md).toContain('GNU strerror_r \\| XSI semantics');
  });

  it('puts plan commands in shell blocks', () => {
    expect(md).toContain('  ```sh\n  apk add --no-cache gcompat\n  ```');
  });

  it.each([
    ['a', '`a`'],
    ['a`b', '``a`b``'],
    ['`x', '`` `x ``'],
  ])('codeSpan(%s)', (text, want) => expect(codeSpan(text)).toBe(want));

  it('escapeCell escapes pipes and newlines', () => expect(escapeCell('a|b\nc')).toBe('a\\|b c'));
});

describe('not-ELF files counted, not kept (notElf)', () => {
  // A scan for text or Markdown keeps no not-ELF report: the count must print the same report.
  const notElf = [notElfReport('z/readme'), notElfReport('a/notes'), notElfReport('tree/bin/zz.txt')];
  const renderers: Array<[string, (reports: FileReport[], n: number) => string]> = [
    ['text', (reports, n) => formatText(reports, { ...base, notElf: n })],
    ['text, verbose, with the gate', (reports, n) => formatText(reports, { ...base, notElf: n, verbose: true, failOn: 'gcompat' })],
    ['markdown', (reports, n) => formatMarkdown(reports, { ...base, notElf: n })],
  ];
  it.each(renderers.flatMap(([name, render]) => [
    [name, 'every fixture report', render, REPORTS_FIXTURE.filter((r) => r.kind !== 'not-elf')],
    [name, 'one file that loads as it is', render, REPORTS_FIXTURE.filter((r) => r.verdict === 'ok').slice(0, 1)],
    [name, 'no other file', render, []],
  ] as const))('%s, %s', (_name, _what, render, kept) => {
    const whole = [...kept, ...notElf];
    expect(render([...kept], notElf.length)).toBe(render(whole, 0));
  });

  it('a tree of not-ELF files alone is not "no files found"', () => {
    expect(formatText([], { ...base, notElf: 2 })).toContain('Every file loads on the target as it is.');
    expect(formatText([], { ...base, notElf: 2 })).toContain('Scanned 2 files (0 ELF, 2 not ELF)');
  });
});
