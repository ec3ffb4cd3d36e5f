import { describe, expect, it } from 'vitest';
import { mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { FileReport } from '../../src/analyze/types.js';
import { ConfigError, readBaseline, suppressionSpec, writeBaseline } from '../../src/config/index.js';
import { baselineFingerprints, baselineFromReports, compileSuppressions, stringifyBaseline, type Baseline } from '../../src/plan/suppress.js';
import { finding, report, tempTree } from './fixtures/helpers.js';

const TOOL = { name: 'muslcheck', version: '0.1.0' };

const REPORTS: FileReport[] = [
  report('bin/b', [
    finding('missing-symbol-rebuild', { symbols: ['__memcpy_chk'] }),
    finding('glibc-interpreter', { musl: '/lib/ld-musl-x86_64.so.1', interp: '/lib64/ld-linux-x86-64.so.2', gcompat: null }, 'warning'),
    finding('behaviour-difference', { symbol: 'basename', hazard: 'gnu-basename', summary: 'GNU basename' }, 'note'),
  ]),
  report('bin/a', [finding('glibc-private', { symbols: ['_dl_find_object'] }), finding('small-thread-stack', { defaultBytes: 131072 }, 'note')]),
  report('lib/c.so', [finding('missing-symbol-gcompat', { symbols: ['fcntl64'] }, 'warning')]),
  report('doc/readme', []),
];

/** shuffled returns the reports in another order with findings reversed and argument keys reversed (as a worker pool might). */
function shuffled(reports: readonly FileReport[]): FileReport[] {
  return [...reports].reverse().map((r) => ({
    ...r,
    findings: [...r.findings].reverse().map((f) => ({ ...f, args: Object.fromEntries(Object.entries(f.args).reverse()) })),
  }));
}

describe('baselineFromReports', () => {
  const b = baselineFromReports(REPORTS, { cwd: '/proj', base: '/proj', tool: TOOL });

  it('records errors and warnings, sorted by path, code and arguments; notes are left out', () => {
    expect(b).toEqual({
      schemaVersion: 1,
      tool: TOOL,
      findings: [
        { path: 'bin/a', code: 'glibc-private', args: { symbols: ['_dl_find_object'] } },
        { path: 'bin/b', code: 'glibc-interpreter', args: { gcompat: null, interp: '/lib64/ld-linux-x86-64.so.2', musl: '/lib/ld-musl-x86_64.so.1' } },
        { path: 'bin/b', code: 'missing-symbol-rebuild', args: { symbols: ['__memcpy_chk'] } },
        { path: 'lib/c.so', code: 'missing-symbol-gcompat', args: { symbols: ['fcntl64'] } },
      ],
    });
  });

  it('argument keys are written sorted', () => {
    expect(Object.keys(b.findings[1]!.args)).toEqual(['gcompat', 'interp', 'musl']);
  });

  it('is deterministic: the same bytes whatever the order of reports, findings and argument keys', () => {
    expect(stringifyBaseline(baselineFromReports(shuffled(REPORTS), { cwd: '/proj', base: '/proj', tool: TOOL }))).toBe(stringifyBaseline(b));
  });

  it('paths are relative to the baseline directory, whether reports are relative to cwd or absolute', () => {
    const fromSub = baselineFromReports([report('bin/a', [finding('malformed', { reason: 'r', offset: 0, field: null })])], { cwd: '/proj/sub', base: '/proj/ci', tool: TOOL });
    const absolute = baselineFromReports([report('/proj/sub/bin/a', [finding('malformed', { reason: 'r', offset: 0, field: null })])], { cwd: '/elsewhere', base: '/proj/ci', tool: TOOL });
    expect(fromSub.findings.map((e) => e.path)).toEqual(['../sub/bin/a']);
    expect(absolute).toEqual(fromSub);
  });

  it('records a finding reported twice only once', () => {
    const twice = baselineFromReports([report('a', [finding('glibc-private', { symbols: ['x'] })]), report('./a', [finding('glibc-private', { symbols: ['x'] }, 'warning')])], {
      cwd: '/p',
      base: '/p',
      tool: TOOL,
    });
    expect(twice.findings).toEqual([{ path: 'a', code: 'glibc-private', args: { symbols: ['x'] } }]);
  });

  it('an empty tree gives an empty baseline', () => {
    expect(baselineFromReports([], { cwd: '/p', base: '/p', tool: TOOL })).toEqual({ schemaVersion: 1, tool: TOOL, findings: [] });
  });

  it('stringifyBaseline: two-space JSON, keys in a fixed order, final newline', () => {
    const text = stringifyBaseline({ findings: [{ args: { b: 1, a: 2 }, code: 'c', path: 'p' }], tool: { version: '1', name: 'n' }, schemaVersion: 1 } as Baseline);
    expect(text).toBe(
      '{\n  "schemaVersion": 1,\n  "tool": {\n    "name": "n",\n    "version": "1"\n  },\n  "findings": [\n    {\n      "path": "p",\n      "code": "c",\n      "args": {\n        "a": 2,\n        "b": 1\n      }\n    }\n  ]\n}\n',
    );
  });
});

describe('readBaseline and writeBaseline', () => {
  const b = baselineFromReports(REPORTS, { cwd: '/proj', base: '/proj', tool: TOOL });

  it('round trip: what is written is read back equal, and the file is stringifyBaseline', () => {
    const dir = tempTree();
    const file = join(dir, '.muslcheck-baseline.json');
    writeBaseline(file, b);
    expect(readBaseline(file)).toEqual(b);
    expect(readFileSync(file, 'utf8')).toBe(stringifyBaseline(b));
  });

  it('leaves no temporary file, replaces an existing file, and creates missing directories', () => {
    const dir = tempTree({ 'ci/base.json': 'old' });
    writeBaseline(join(dir, 'ci/base.json'), b);
    writeBaseline(join(dir, 'new/deeper/base.json'), b);
    expect(readdirSync(join(dir, 'ci'))).toEqual(['base.json']);
    expect(readdirSync(join(dir, 'new/deeper'))).toEqual(['base.json']);
    expect(readBaseline(join(dir, 'ci/base.json'))).toEqual(b);
  });

  it('a failed write leaves the directory as it was (the temporary file is removed)', () => {
    const dir = tempTree();
    mkdirSync(join(dir, 'taken'));
    expect(() => writeBaseline(join(dir, 'taken'), b)).toThrow();
    expect(readdirSync(dir)).toEqual(['taken']);
  });

  it.each<[string, string | null, string]>([
    ['missing', null, 'baseline file not found (create it with: muslcheck scan PATHS --baseline FILE --update-baseline)'],
    ['malformed JSON', '{"schemaVersion": 1', 'invalid JSON: '],
    ['wrong shape', '{"schemaVersion": 1, "tool": {"name": "m", "version": "1"}, "findings": [{"path": "a"}]}', "findings[0]: missing required key 'code'"],
  ])('%s file is a ConfigError naming the file', (_name, content, detail) => {
    const dir = tempTree(content === null ? {} : { 'base.json': content });
    const file = join(dir, 'base.json');
    expect(() => readBaseline(file)).toThrow(ConfigError);
    expect(() => readBaseline(file)).toThrow(`${file}: ${detail}`);
  });
});

describe('baseline workflow', () => {
  it('a baseline written from a scan suppresses exactly its findings in the next scan; new ones gate', () => {
    const dir = tempTree();
    const file = join(dir, 'ci/base.json');
    const loaded = { file: null, dir, config: {} };
    writeBaseline(file, baselineFromReports(REPORTS, { cwd: dir, base: join(dir, 'ci'), tool: TOOL }));

    const baseline = readBaseline(file);
    const suppressor = compileSuppressions(suppressionSpec({ cwd: dir, loaded, baselineFile: file, baseline }));
    const [b, a] = REPORTS;
    const newFinding = finding('glibc-private', { symbols: ['_dl_find_object', '_dl_sym'] });
    const split = suppressor.split(a!.path, [...a!.findings, newFinding]);
    expect(split.kept).toEqual([a!.findings[1], newFinding]);
    expect(split.suppressed).toEqual([{ ...a!.findings[0]!, by: 'baseline', reason: null }]);
    expect(suppressor.split(b!.path, b!.findings).kept.map((f) => f.code)).toEqual(['behaviour-difference']);
    expect(baselineFingerprints(baseline)).toHaveLength(4);
  });

  it('updating with an allowlist-only suppressor keeps allowlisted findings out of the new baseline', () => {
    const dir = tempTree();
    const loaded = { file: join(dir, '.muslcheckrc.json'), dir, config: { allow: [{ path: 'bin/*', codes: ['glibc-interpreter'], reason: 'gcompat installed' }] } };
    const allowOnly = compileSuppressions(suppressionSpec({ cwd: dir, loaded, baselineFile: null, baseline: null }));
    const split = REPORTS.map((r) => ({ ...r, findings: allowOnly.split(r.path, r.findings).kept }));
    const codes = baselineFromReports(split, { cwd: dir, base: dir, tool: TOOL }).findings.map((e) => `${e.path} ${e.code}`);
    expect(codes).toEqual(['bin/a glibc-private', 'bin/b missing-symbol-rebuild', 'lib/c.so missing-symbol-gcompat']);
  });

  it('writes nothing outside the file it is given', () => {
    const dir = tempTree({ 'keep.txt': 'x' });
    writeBaseline(join(dir, 'b.json'), { schemaVersion: 1, tool: TOOL, findings: [] });
    expect(readdirSync(dir).sort()).toEqual(['b.json', 'keep.txt']);
    expect(readBaseline(join(dir, 'b.json')).findings).toEqual([]);
  });
});
