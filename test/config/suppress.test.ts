import { describe, expect, it } from 'vitest';
import type { Finding } from '../../src/analyze/types.js';
import { stableArgs } from '../../src/report/common.js';
import {
  argsKey,
  compileSuppressions,
  findingFingerprint,
  findingSymbols,
  globPatterns,
  relativeTo,
  type AllowRule,
  type SuppressionSpec,
} from '../../src/plan/suppress.js';
import { finding } from './fixtures/helpers.js';

const GCOMPAT = finding('missing-symbol-gcompat', { symbols: ['__fprintf_chk', 'fcntl64'] }, 'warning');
const INTERP = finding('glibc-interpreter', { interp: '/lib64/ld-linux-x86-64.so.2', musl: '/lib/ld-musl-x86_64.so.1', gcompat: '/lib64/ld-linux-x86-64.so.2' }, 'warning');
const STUB = finding('gcompat-stub', { symbol: 'getcontext', caveat: 'ENOSYS' }, 'warning');
const BOTH = finding('behaviour-difference', { symbol: 'basename', symbols: ['strerror_r'] }, 'note');
const MALFORMED = finding('malformed', { reason: 'truncated section header table', offset: 4096, field: 'e_shoff' });

/** spec builds a policy rooted at /proj with only an allowlist. */
function allowSpec(allow: AllowRule[], cwd = '/proj'): SuppressionSpec {
  return { cwd, allowBase: '/proj', allow, baselineBase: '/proj', baseline: [] };
}

/** outcome is how one finding of one file fares: 'kept', 'allowlist' or 'baseline'. */
function outcome(spec: SuppressionSpec, path: string, f: Finding): string {
  const { kept, suppressed } = compileSuppressions(spec).split(path, [f]);
  expect(kept.length + suppressed.length).toBe(1);
  return kept.length === 1 ? 'kept' : suppressed[0]!.by;
}

describe('allowlist', () => {
  const r = (rule: Omit<AllowRule, 'reason'>): AllowRule => ({ ...rule, reason: 'accepted' });
  // Each row: the rule, the report path (relative to cwd /proj unless absolute), the finding, the outcome.
  it.each<[string, AllowRule, string, Finding, string]>([
    ['exact path, codes omitted: every code', r({ path: 'bin/app' }), 'bin/app', INTERP, 'allowlist'],
    ['other path', r({ path: 'bin/app' }), 'bin/other', INTERP, 'kept'],
    ['single star stays in one directory', r({ path: 'bin/*' }), 'bin/sub/app', INTERP, 'kept'],
    ['globstar crosses directories', r({ path: 'vendor/**' }), 'vendor/a/b/lib.so', GCOMPAT, 'allowlist'],
    ['dot files and directories match (dot: true)', r({ path: '**' }), '.cache/x/.lib.so', GCOMPAT, 'allowlist'],
    ['a pattern ending in / is a directory', r({ path: 'vendor/' }), 'vendor/a/b/lib.so', GCOMPAT, 'allowlist'],
    ['a leading ./ is ignored', r({ path: './bin/app' }), 'bin/app', GCOMPAT, 'allowlist'],
    ['second pattern of a list matches', r({ path: ['lib/*.so', 'bin/*'] }), 'bin/app', GCOMPAT, 'allowlist'],
    ['absolute report path inside the base', r({ path: 'bin/app' }), '/proj/bin/app', GCOMPAT, 'allowlist'],
    ['a file outside the base is not matched by **', r({ path: '**' }), '/elsewhere/bin/app', GCOMPAT, 'kept'],
    ['code listed', r({ path: 'bin/app', codes: ['missing-symbol-gcompat'] }), 'bin/app', GCOMPAT, 'allowlist'],
    ['code not listed', r({ path: 'bin/app', codes: ['missing-symbol-gcompat'] }), 'bin/app', INTERP, 'kept'],
    ['symbols: every name listed (a superset)', r({ path: 'bin/app', symbols: ['fcntl64', '__fprintf_chk', 'other'] }), 'bin/app', GCOMPAT, 'allowlist'],
    ['symbols: one name not listed keeps the whole finding', r({ path: 'bin/app', symbols: ['__fprintf_chk'] }), 'bin/app', GCOMPAT, 'kept'],
    ['symbols: args.symbol counts', r({ path: 'bin/app', symbols: ['getcontext'] }), 'bin/app', STUB, 'allowlist'],
    ['symbols: symbol and symbols both must be listed', r({ path: 'bin/app', symbols: ['basename'] }), 'bin/app', BOTH, 'kept'],
    ['symbols: symbol and symbols both listed', r({ path: 'bin/app', symbols: ['basename', 'strerror_r'] }), 'bin/app', BOTH, 'allowlist'],
    ['symbols: a finding naming no symbol is never accepted', r({ path: 'bin/app', symbols: ['getcontext'] }), 'bin/app', INTERP, 'kept'],
    ['symbols and codes together', r({ path: 'bin/app', codes: ['gcompat-stub'], symbols: ['getcontext'] }), 'bin/app', STUB, 'allowlist'],
    ['a malformed file can be allowlisted', r({ path: 'test/fixtures/*.so', codes: ['malformed'] }), 'test/fixtures/truncated.so', MALFORMED, 'allowlist'],
  ])('%s', (_name, rule, path, f, expected) => {
    expect(outcome(allowSpec([rule]), path, f)).toBe(expected);
  });

  it('globs are relative to the allow base, not to cwd', () => {
    const spec = (path: string): SuppressionSpec => allowSpec([r({ path })], '/proj/sub');
    expect(outcome(spec('sub/bin/app'), 'bin/app', INTERP)).toBe('allowlist');
    expect(outcome(spec('bin/app'), 'bin/app', INTERP)).toBe('kept');
    expect(outcome(spec('bin/app'), '../bin/app', INTERP)).toBe('allowlist');
    expect(outcome(spec('sub/bin/app'), '/proj/sub/bin/app', INTERP)).toBe('allowlist');
  });

  it('the first matching rule gives the reason; kept findings keep their order and identity', () => {
    const spec = allowSpec([
      { path: 'bin/*', codes: ['gcompat-stub'], reason: 'first' },
      { path: 'bin/app', reason: 'second' },
    ]);
    const notes = finding('small-thread-stack', { defaultBytes: 131072 }, 'note');
    const { kept, suppressed } = compileSuppressions(spec).split('bin/app', [INTERP, STUB, notes]);
    expect(kept).toEqual([]);
    expect(suppressed).toEqual([
      { ...INTERP, by: 'allowlist', reason: 'second' },
      { ...STUB, by: 'allowlist', reason: 'first' },
      { ...notes, by: 'allowlist', reason: 'second' },
    ]);
    const none = compileSuppressions(allowSpec([])).split('bin/app', [INTERP, STUB]);
    expect(none.kept[0]).toBe(INTERP);
    expect(none.kept[1]).toBe(STUB);
    expect(none.suppressed).toEqual([]);
  });

  it('does not modify the findings it is given', () => {
    const input = [structuredClone(GCOMPAT)];
    compileSuppressions(allowSpec([r({ path: '**' })])).split('a', input);
    expect(input).toEqual([GCOMPAT]);
  });
});

describe('baseline', () => {
  /** baselineSpec records `recorded` (path relative to /proj/ci) and runs from cwd /proj. */
  function baselineSpec(recorded: Array<[string, Finding]>, allow: AllowRule[] = []): SuppressionSpec {
    return { cwd: '/proj', allowBase: '/proj', allow, baselineBase: '/proj/ci', baseline: recorded.map(([p, f]) => findingFingerprint(p, f)) };
  }

  it.each<[string, string, Finding, string, Finding, string]>([
    ['the same finding', '../bin/app', GCOMPAT, 'bin/app', GCOMPAT, 'baseline'],
    ['the same finding, absolute report path', '../bin/app', GCOMPAT, '/proj/bin/app', GCOMPAT, 'baseline'],
    ['another file', '../bin/app', GCOMPAT, 'bin/other', GCOMPAT, 'kept'],
    ['path recorded relative to cwd instead of the baseline dir', 'bin/app', GCOMPAT, 'bin/app', GCOMPAT, 'kept'],
    ['argument keys in another order', '../bin/app', INTERP, 'bin/app', finding('glibc-interpreter', { gcompat: INTERP.args['gcompat']!, musl: INTERP.args['musl']!, interp: INTERP.args['interp']! }, 'warning'), 'baseline'],
    ['another severity', '../bin/app', GCOMPAT, 'bin/app', { ...GCOMPAT, severity: 'error' }, 'baseline'],
    ['another code, same arguments', '../bin/app', GCOMPAT, 'bin/app', { ...GCOMPAT, code: 'missing-symbol-rebuild' }, 'kept'],
    ['a symbol more since the baseline', '../bin/app', GCOMPAT, 'bin/app', finding('missing-symbol-gcompat', { symbols: ['__fprintf_chk', 'fcntl64', 'gnu_get_libc_version'] }, 'warning'), 'kept'],
    ['a symbol fewer since the baseline', '../bin/app', GCOMPAT, 'bin/app', finding('missing-symbol-gcompat', { symbols: ['fcntl64'] }, 'warning'), 'kept'],
  ])('%s', (_name, recordedPath, recorded, path, f, expected) => {
    expect(outcome(baselineSpec([[recordedPath, recorded]]), path, f)).toBe(expected);
  });

  it('baseline suppression has no reason', () => {
    const { suppressed } = compileSuppressions(baselineSpec([['../bin/app', GCOMPAT]])).split('bin/app', [GCOMPAT]);
    expect(suppressed).toEqual([{ ...GCOMPAT, by: 'baseline', reason: null }]);
  });

  it('the allowlist wins when both match', () => {
    const spec = baselineSpec([['../bin/app', GCOMPAT], ['../bin/app', INTERP]], [{ path: 'bin/app', codes: ['glibc-interpreter'], reason: 'gcompat installed' }]);
    const { kept, suppressed } = compileSuppressions(spec).split('bin/app', [GCOMPAT, INTERP, STUB]);
    expect(kept).toEqual([STUB]);
    expect(suppressed.map((s) => [s.code, s.by, s.reason])).toEqual([
      ['missing-symbol-gcompat', 'baseline', null],
      ['glibc-interpreter', 'allowlist', 'gcompat installed'],
    ]);
  });
});

describe('worker-thread safety', () => {
  it('a spec survives structured cloning (what postMessage does) and compiles to the same policy', () => {
    const spec: SuppressionSpec = {
      cwd: '/proj',
      allowBase: '/proj',
      allow: [{ path: ['bin/*'], codes: ['glibc-interpreter'], symbols: ['x'], reason: 'r' }],
      baselineBase: '/proj',
      baseline: [findingFingerprint('bin/app', GCOMPAT)],
    };
    const cloned = structuredClone(spec);
    expect(cloned).toEqual(spec);
    const a = compileSuppressions(spec).split('bin/app', [GCOMPAT, INTERP]);
    const b = compileSuppressions(cloned).split('bin/app', [GCOMPAT, INTERP]);
    expect(b).toEqual(a);
    expect(b.suppressed.map((s) => s.by)).toEqual(['baseline']);
  });

  it.each(['cwd', 'allowBase', 'baselineBase'] as const)('a relative %s is rejected', (key) => {
    const spec = { ...allowSpec([]), [key]: 'relative/dir' };
    expect(() => compileSuppressions(spec)).toThrow(`SuppressionSpec.${key} must be an absolute path, got 'relative/dir'`);
  });
});

describe('fingerprints and helpers', () => {
  it('findingFingerprint: path, code and arguments with sorted keys; severity ignored', () => {
    const a = findingFingerprint('bin/app', { code: 'x', args: { b: 1, a: ['y'] } });
    expect(a).toBe(findingFingerprint('bin/app', { code: 'x', args: { a: ['y'], b: 1 } }));
    expect(a).toBe(JSON.stringify(['bin/app', 'x', '[["a",["y"]],["b",1]]']));
    expect(a).not.toBe(findingFingerprint('bin/app2', { code: 'x', args: { b: 1, a: ['y'] } }));
    expect(a).not.toBe(findingFingerprint('bin/app', { code: 'x', args: { b: 1, a: ['y'], c: null } }));
  });

  it.each<[Finding['args']]>([[{}], [{ b: 1, a: 'x' }], [{ symbols: ['b', 'a'], n: null, t: true }]])('argsKey has the semantics of report stableArgs: %j', (args) => {
    expect(argsKey(args)).toBe(stableArgs(args));
  });

  it.each<[string, Finding['args'], string[]]>([
    ['symbols', { symbols: ['a', 'b'] }, ['a', 'b']],
    ['symbol', { symbol: 'a' }, ['a']],
    ['both', { symbols: ['a'], symbol: 'b' }, ['a', 'b']],
    ['neither', { library: 'libresolv.so.2' }, []],
    ['wrong types ignored', { symbols: 'a', symbol: ['b'] }, []],
  ])('findingSymbols: %s', (_name, args, expected) => {
    expect(findingSymbols({ args })).toEqual(expected);
  });

  it.each<[string, string, string, string]>([
    ['/proj', '/proj', 'bin/app', 'bin/app'],
    ['/proj/sub', '/proj', 'bin/app', 'sub/bin/app'],
    ['/proj', '/proj/ci', 'bin/app', '../bin/app'],
    ['/proj', '/proj', '/proj/./lib/../bin/app', 'bin/app'],
    ['/proj', '/other', '/proj/bin/app', '../proj/bin/app'],
  ])('relativeTo(cwd %s, base %s, %s) = %s', (cwd, base, path, expected) => {
    expect(relativeTo(cwd, base, path)).toBe(expected);
  });

  it('globPatterns: a string becomes a list, a trailing / a globstar', () => {
    expect(globPatterns('bin/*')).toEqual(['bin/*']);
    expect(globPatterns(['vendor/', 'lib/**'])).toEqual(['vendor/**', 'lib/**']);
  });
});
