import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CODES } from '../../src/analyze/catalogue.js';
import { stringifyBaseline } from '../../src/plan/suppress.js';
import { ConfigError, child, typeName, validateBaseline, validateConfig, type MuslcheckConfig } from '../../src/config/schema.js';

const F = '.muslcheckrc.json';
const RULE = { path: 'bin/app', reason: 'vendored, runs in a glibc container' };

/** errorOf returns the ConfigError a call throws (failing the test when it throws nothing or something else). */
function errorOf(call: () => unknown): ConfigError {
  try {
    call();
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError);
    return e as ConfigError;
  }
  throw new Error('expected a ConfigError, nothing was thrown');
}

describe('validateConfig rejects', () => {
  // Each row: the config, the exact message (file: JSON path: detail).
  it.each<[string, unknown, string]>([
    ['a non-object', 'alpine', `${F}: expected an object, got string`],
    ['null', null, `${F}: expected an object, got null`],
    ['an unknown top-level key', { failon: 'shim' }, `${F}: unknown key 'failon' (known: $schema, target, failOn, include, exclude, libraryPath, baseline, allow)`],
    ['a non-string target', { target: 3.2 }, `${F}: target: expected a string, got number`],
    ['an empty target', { target: ' ' }, `${F}: target: must not be empty`],
    ['an unknown verdict', { failOn: 'fatal' }, `${F}: failOn: expected one of ok, loader, gcompat, shim, rebuild, patch, error, got 'fatal'`],
    ['a verdict of the wrong type', { failOn: true }, `${F}: failOn: expected one of ok, loader, gcompat, shim, rebuild, patch, error, got boolean`],
    ['include as a string', { include: 'bin/**' }, `${F}: include: expected an array of strings, got string`],
    ['a non-string in exclude', { exclude: ['a', 2] }, `${F}: exclude[1]: expected a string, got number`],
    ['an empty library path', { libraryPath: [''] }, `${F}: libraryPath[0]: must not be empty`],
    ['a non-string baseline', { baseline: ['a'] }, `${F}: baseline: expected a string, got array`],
    ['a non-string $schema', { $schema: 1 }, `${F}: $schema: expected a string, got number`],
    ['allow as an object', { allow: RULE }, `${F}: allow: expected an array of rules, got object`],
    ['a rule that is not an object', { allow: ['bin/app'] }, `${F}: allow[0]: expected an object, got string`],
    ['an unknown rule key', { allow: [RULE, { ...RULE, code: ['malformed'] }] }, `${F}: allow[1]: unknown key 'code' (known: path, codes, symbols, reason)`],
    ['a rule without reason', { allow: [{ path: 'x' }] }, `${F}: allow[0]: missing required key 'reason' (say why these findings are accepted)`],
    ['a rule without path', { allow: [{ reason: 'r' }] }, `${F}: allow[0]: missing required key 'path' (globs relative to the config file's directory)`],
    ['an empty reason', { allow: [{ ...RULE, reason: '' }] }, `${F}: allow[0].reason: must not be empty`],
    ['a reason of the wrong type', { allow: [{ ...RULE, reason: null }] }, `${F}: allow[0].reason: expected a string, got null`],
    ['a path of the wrong type', { allow: [{ ...RULE, path: 7 }] }, `${F}: allow[0].path: expected a string or an array of strings, got number`],
    ['an empty path list', { allow: [{ ...RULE, path: [] }] }, `${F}: allow[0].path: must not be empty`],
    ['a non-string in the path list', { allow: [{ ...RULE, path: ['a', {}] }] }, `${F}: allow[0].path[1]: expected a string, got object`],
    ['an absolute path', { allow: [{ ...RULE, path: '/usr/bin/x' }] }, `${F}: allow[0].path: '/usr/bin/x' is absolute: allow paths are globs relative to the config file's directory`],
    ['codes as a string', { allow: [{ ...RULE, codes: 'malformed' }] }, `${F}: allow[0].codes: expected an array of strings, got string`],
    ['an empty codes list', { allow: [{ ...RULE, codes: [] }] }, `${F}: allow[0].codes: must not be empty (omit it to allow every code)`],
    ['an unknown code', { allow: [RULE, { ...RULE, codes: ['missing-symbl'] }] }, `${F}: allow[1].codes[0]: unknown finding code 'missing-symbl' (known: ${CODES.join(', ')})`],
    ['an empty symbols list', { allow: [{ ...RULE, symbols: [] }] }, `${F}: allow[0].symbols: must not be empty (omit it to allow any symbol)`],
    ['a non-string symbol', { allow: [{ ...RULE, symbols: ['a', 1] }] }, `${F}: allow[0].symbols[1]: expected a string, got number`],
  ])('%s', (_name, raw, message) => {
    const e = errorOf(() => validateConfig(raw, F));
    expect(e.message).toBe(message);
    expect(e.name).toBe('ConfigError');
    expect(e.file).toBe(F);
  });

  it('prefixes the path with the package.json key', () => {
    const e = errorOf(() => validateConfig({ allow: [{ ...RULE, codes: ['nope'] }] }, 'package.json', 'muslcheck'));
    expect(e.at).toBe('muslcheck.allow[0].codes[0]');
    expect(e.message.startsWith("package.json: muslcheck.allow[0].codes[0]: unknown finding code 'nope'")).toBe(true);
    expect(errorOf(() => validateConfig(null, 'package.json', 'muslcheck')).message).toBe('package.json: muslcheck: expected an object, got null');
  });
});

describe('validateConfig accepts', () => {
  it('a full config, returned as a fresh copy without $schema', () => {
    const raw = {
      $schema: 'https://example.invalid/muslcheck.schema.json',
      target: 'alpine:3.20',
      failOn: 'gcompat',
      include: ['bin/**', 'lib/**/*.so*'],
      exclude: ['test/fixtures/**'],
      libraryPath: ['vendor/lib'],
      baseline: '.muslcheck-baseline.json',
      allow: [
        { path: 'vendor/legacy/**', reason: 'runs in the glibc sidecar' },
        { path: ['bin/tool', 'bin/tool-*'], codes: ['missing-symbol-gcompat', 'glibc-interpreter'], reason: 'gcompat is installed' },
        { path: 'lib/libfoo.so.1', codes: ['missing-symbol-rebuild'], symbols: ['__memcpy_chk'], reason: 'upstream fix pending' },
        { path: 'test/broken.so', codes: ['malformed'], reason: 'deliberately truncated fixture' },
      ],
    };
    const { $schema: _dropped, ...expected } = raw;
    const config = validateConfig(structuredClone(raw), F);
    expect(config).toEqual(expected satisfies MuslcheckConfig);
    expect(Object.keys(config)).not.toContain('$schema');
  });

  it('an empty object, and every verdict as failOn', () => {
    expect(validateConfig({}, F)).toEqual({});
    for (const v of ['ok', 'loader', 'gcompat', 'shim', 'rebuild', 'patch', 'error'] as const) expect(validateConfig({ failOn: v }, F)).toEqual({ failOn: v });
  });
});

describe('JSON paths', () => {
  it.each<[string, string | number, string]>([
    ['', 'allow', 'allow'],
    ['allow', 1, 'allow[1]'],
    ['allow[1]', 'codes', 'allow[1].codes'],
    ['', 'odd-key', '["odd-key"]'],
    ['muslcheck', '$schema', 'muslcheck.$schema'],
  ])('child(%j, %j) = %s', (at, key, expected) => {
    expect(child(at, key)).toBe(expected);
  });

  it.each([
    [null, 'null'],
    [[], 'array'],
    [{}, 'object'],
    ['', 'string'],
    [1, 'number'],
    [false, 'boolean'],
  ])('typeName(%j) = %s', (v, expected) => {
    expect(typeName(v)).toBe(expected);
  });
});

describe('validateBaseline', () => {
  const B = 'base.json';
  const good = { schemaVersion: 1, tool: { name: 'muslcheck', version: '0.1.0' }, findings: [{ path: 'bin/a', code: 'glibc-private', args: { symbols: ['_dl_x'], n: 1, ok: true, v: null } }] };

  it('accepts a valid baseline (unknown codes too: they never match)', () => {
    expect(validateBaseline(good, B)).toEqual(good);
    const future = { ...good, findings: [{ path: 'x', code: 'from-a-newer-version', args: {} }] };
    expect(validateBaseline(future, B).findings[0]?.code).toBe('from-a-newer-version');
  });

  it.each<[string, unknown, string]>([
    ['an array', [], `${B}: expected an object, got array`],
    ['a newer schema version', { ...good, schemaVersion: 2 }, `${B}: schemaVersion: unsupported baseline schema version 2 (this muslcheck reads 1)`],
    ['no schema version', { tool: good.tool, findings: [] }, `${B}: schemaVersion: unsupported baseline schema version null (this muslcheck reads 1)`],
    ['an unknown key', { ...good, extra: 1 }, `${B}: unknown key 'extra' (known: schemaVersion, tool, findings)`],
    ['a tool without version', { ...good, tool: { name: 'muslcheck' } }, `${B}: tool.version: expected a string, got undefined`],
    ['findings not an array', { ...good, findings: {} }, `${B}: findings: expected an array, got object`],
    ['an entry without args', { ...good, findings: [{ path: 'a', code: 'malformed' }] }, `${B}: findings[0]: missing required key 'args'`],
    ['an entry with a numeric path', { ...good, findings: [{ path: 1, code: 'malformed', args: {} }] }, `${B}: findings[0].path: expected a string, got number`],
    ['an argument of an unsupported type', { ...good, findings: [{ path: 'a', code: 'malformed', args: { o: {} } }] }, `${B}: findings[0].args.o: expected a string, number, boolean, null or array of strings, got object`],
  ])('rejects %s', (_name, raw, message) => {
    expect(errorOf(() => validateBaseline(raw, B)).message).toBe(message);
  });
});

describe('docs/config.md examples', () => {
  const text = readFileSync(join(import.meta.dirname, '..', '..', 'docs', 'config.md'), 'utf8');
  const sources = [...text.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const blocks = sources.map((s) => JSON.parse(s) as Record<string, unknown>);

  it('has the three examples: .muslcheckrc.json, package.json and a baseline', () => {
    expect(blocks).toHaveLength(3);
  });

  it('the .muslcheckrc.json example is valid and uses every key', () => {
    const config = validateConfig(blocks[0], F);
    expect(Object.keys(config).sort()).toEqual(['allow', 'baseline', 'exclude', 'failOn', 'include', 'libraryPath', 'target']);
  });

  it('the package.json example is valid', () => {
    expect(validateConfig(blocks[1]?.['muslcheck'], 'package.json', 'muslcheck').target).toBe('alpine:3.22');
  });

  it('the baseline example is valid and byte for byte what stringifyBaseline writes', () => {
    const b = validateBaseline(blocks[2], 'baseline.json');
    expect(b.findings).toHaveLength(2);
    expect(stringifyBaseline(b)).toBe(sources[2]);
  });
});
