import { describe, expect, it } from 'vitest';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { ConfigError, displayPath, findConfig, jsonErrorDetail, loadConfig, resolveOptions, suppressionSpec } from '../../src/config/index.js';
import { findingFingerprint } from '../../src/plan/suppress.js';
import { tempTree } from './fixtures/helpers.js';

const RC = { target: 'alpine:3.20' };
const PKG_WITH = { name: 'app', muslcheck: { target: 'alpine:3.19' } };
const PKG_WITHOUT = { name: 'app', version: '1.0.0' };

describe('findConfig', () => {
  // Each row: the files of the tree, the directory the search starts in, the file expected (null: none).
  it.each<[string, Record<string, string | object>, string, string | null, boolean]>([
    ['rc in the start directory', { '.muslcheckrc.json': RC }, '', '.muslcheckrc.json', false],
    ['package.json key in the start directory', { 'package.json': PKG_WITH }, '', 'package.json', true],
    ['rc wins over package.json in one directory', { '.muslcheckrc.json': RC, 'package.json': PKG_WITH }, '', '.muslcheckrc.json', false],
    ['rc found two levels up', { '.muslcheckrc.json': RC, 'a/b/keep': '' }, 'a/b', '.muslcheckrc.json', false],
    ['nearest wins: package.json below beats rc above', { '.muslcheckrc.json': RC, 'a/package.json': PKG_WITH, 'a/b/keep': '' }, 'a/b', 'a/package.json', true],
    ['package.json without the key does not stop the search', { '.muslcheckrc.json': RC, 'a/package.json': PKG_WITHOUT }, 'a', '.muslcheckrc.json', false],
    ['a key only nested deeper does not count', { '.muslcheckrc.json': RC, 'a/package.json': { config: { muslcheck: {} } } }, 'a', '.muslcheckrc.json', false],
    ['a broken package.json that never mentions muslcheck is skipped', { '.muslcheckrc.json': RC, 'a/package.json': '{ nope' }, 'a', '.muslcheckrc.json', false],
    ['a directory named like the rc file is not a config', { '.muslcheckrc.json/x': '', 'package.json': PKG_WITH }, '', 'package.json', true],
  ])('%s', (_name, files, start, expected, packageJson) => {
    const root = tempTree(files);
    const found = findConfig(join(root, start));
    expect(found).toEqual(expected === null ? null : { file: join(root, expected), packageJson });
  });

  it('returns null when no directory up to the filesystem root has a config', () => {
    const root = tempTree({ 'a/package.json': PKG_WITHOUT, 'a/b/keep': '' });
    expect(findConfig(join(root, 'a/b'))).toBeNull();
  });

  it('a package.json that mentions muslcheck but is malformed is an error', () => {
    const root = tempTree({ 'package.json': '{"muslcheck": {,}' });
    expect(() => findConfig(root)).toThrow(ConfigError);
    expect(() => findConfig(root)).toThrow(/package\.json: invalid JSON: .*\(line 1, column 16\)/);
  });
});

describe('loadConfig', () => {
  it('no config: empty config, dir = cwd', () => {
    const root = tempTree({ 'sub/.muslcheckrc.json': RC });
    expect(loadConfig({ cwd: root, explicit: false })).toEqual({ file: null, dir: root, config: {} });
  });

  it('--no-config ignores a config that would be found', () => {
    const root = tempTree({ '.muslcheckrc.json': RC });
    expect(loadConfig({ cwd: root, explicit: false }).file).toBeNull();
    expect(loadConfig({ cwd: root }).file).toBe(join(root, '.muslcheckrc.json'));
  });

  it('searched config: paths resolved against the config file, dir is its directory', () => {
    const root = tempTree({
      '.muslcheckrc.json': { failOn: 'shim', libraryPath: ['lib', '/opt/lib'], baseline: 'ci/baseline.json', include: ['bin/**'] },
      'pkg/sub/keep': '',
    });
    const loaded = loadConfig({ cwd: join(root, 'pkg/sub') });
    expect(loaded).toEqual({
      file: join(root, '.muslcheckrc.json'),
      dir: root,
      config: { failOn: 'shim', libraryPath: [join(root, 'lib'), '/opt/lib'], baseline: join(root, 'ci/baseline.json'), include: ['bin/**'] },
    });
  });

  it('package.json form: the muslcheck key, errors under the muslcheck. path', () => {
    const root = tempTree({ 'package.json': PKG_WITH, 'bad/package.json': { muslcheck: { failOn: 'fatal' } } });
    expect(loadConfig({ cwd: root }).config).toEqual({ target: 'alpine:3.19' });
    expect(() => loadConfig({ cwd: join(root, 'bad') })).toThrow("package.json: muslcheck.failOn: expected one of ok, loader, gcompat, shim, rebuild, patch, error, got 'fatal'");
  });

  it('explicit path: relative to cwd, any name, takes precedence over the search', () => {
    const root = tempTree({ '.muslcheckrc.json': RC, 'ci/muslcheck.json': { target: 'alpine:edge' } });
    const loaded = loadConfig({ cwd: root, explicit: 'ci/muslcheck.json' });
    expect(loaded.file).toBe(join(root, 'ci/muslcheck.json'));
    expect(loaded.dir).toBe(join(root, 'ci'));
    expect(loaded.config).toEqual({ target: 'alpine:edge' });
  });

  it.each<[string, Record<string, string | object>, string, string]>([
    ['missing explicit file', {}, 'nope.json', 'nope.json: config file not found'],
    ['explicit directory', { 'd/x': '' }, 'd', 'd: config file not found'],
    ['explicit package.json without the key', { 'package.json': PKG_WITHOUT }, 'package.json', "package.json: no 'muslcheck' key"],
    ['malformed JSON', { 'c.json': '{"target": "alpine:3.20",}' }, 'c.json', 'c.json: invalid JSON: '],
    ['empty file', { 'c.json': '' }, 'c.json', 'c.json: invalid JSON: Unexpected end of JSON input'],
    ['not an object', { 'c.json': '[]' }, 'c.json', 'c.json: expected an object, got array'],
  ])('%s is a ConfigError', (_name, files, explicit, message) => {
    const root = tempTree(files);
    let error: unknown;
    try {
      loadConfig({ cwd: root, explicit });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).name).toBe('ConfigError');
    expect((error as ConfigError).message.startsWith(message)).toBe(true);
  });

  it('a leading byte-order mark is accepted', () => {
    const root = tempTree({ '.muslcheckrc.json': `\uFEFF${JSON.stringify(RC)}` });
    expect(loadConfig({ cwd: root }).config).toEqual(RC);
  });

  it('messages name the searched file relative to cwd when it is below cwd, else absolute', () => {
    const root = tempTree({ '.muslcheckrc.json': { failOn: 1 }, 'sub/.muslcheckrc.json': { target: '' } });
    expect(() => loadConfig({ cwd: root })).toThrow(/^\.muslcheckrc\.json: failOn: expected one of/);
    mkdirSync(join(root, 'sub/deeper'));
    expect(() => loadConfig({ cwd: join(root, 'sub/deeper') })).toThrow(`${join(root, 'sub/.muslcheckrc.json')}: target: must not be empty`);
  });
});

describe('displayPath and jsonErrorDetail', () => {
  it.each([
    ['/a/b/c.json', '/a', 'b/c.json'],
    ['/a/c.json', '/a/b', '/a/c.json'],
    ['/a', '/a', '/a'],
  ])('displayPath(%s, %s) = %s', (file, cwd, expected) => {
    expect(displayPath(file, cwd)).toBe(expected);
  });

  it.each([
    ['{\n  "a": 1\n  "b": 2}', "Expected ',' or '}' after property value in JSON at position 13", '(line 3, column 3)'],
    ['{,}', 'Unexpected token , in JSON at position 1', '(line 1, column 2)'],
  ])('adds line and column: %j', (text, message, suffix) => {
    expect(jsonErrorDetail(text, message)).toBe(`${message} ${suffix}`);
  });

  it('leaves a message that already has a line, or no position, alone', () => {
    expect(jsonErrorDetail('x', 'Unexpected end of JSON input')).toBe('Unexpected end of JSON input');
    const node22 = 'Unexpected token in JSON at position 1 (line 1 column 2)';
    expect(jsonErrorDetail('{,}', node22)).toBe(node22);
  });
});

describe('resolveOptions: command-line flags override the config file', () => {
  const loaded = {
    file: '/proj/.muslcheckrc.json',
    dir: '/proj',
    config: { target: 'alpine:3.19', failOn: 'shim', include: ['bin/**'], exclude: ['test/**'], libraryPath: ['/proj/lib'], baseline: '/proj/base.json' },
  } as const;
  const cfg = { ...loaded, config: { ...loaded.config, include: [...loaded.config.include], exclude: [...loaded.config.exclude], libraryPath: [...loaded.config.libraryPath] } };

  it('no flags: the config values', () => {
    expect(resolveOptions(cfg, {}, '/proj/sub')).toEqual({
      target: 'alpine:3.19',
      failOn: 'shim',
      include: ['bin/**'],
      exclude: ['test/**'],
      libraryPath: ['/proj/lib'],
      baseline: '/proj/base.json',
    });
  });

  it('every flag given: the flag values, lists replaced, paths relative to cwd', () => {
    expect(
      resolveOptions(cfg, { target: 'alpine:edge', failOn: 'patch', include: ['x'], exclude: [], libraryPath: ['l'], baseline: 'b.json' }, '/proj/sub'),
    ).toEqual({ target: 'alpine:edge', failOn: 'patch', include: ['x'], exclude: [], libraryPath: ['/proj/sub/l'], baseline: '/proj/sub/b.json' });
  });

  it('no config: undefined where no flag is given', () => {
    expect(resolveOptions({ file: null, dir: '/w', config: {} }, { failOn: 'gcompat' }, '/w')).toEqual({
      target: undefined,
      failOn: 'gcompat',
      include: undefined,
      exclude: undefined,
      libraryPath: undefined,
      baseline: undefined,
    });
  });
});

describe('suppressionSpec', () => {
  it('allow rules relative to the config directory, baseline fingerprints relative to the baseline directory', () => {
    const rule = { path: 'bin/*', reason: 'vendored' };
    const spec = suppressionSpec({
      cwd: '/proj/sub',
      loaded: { file: '/proj/.muslcheckrc.json', dir: '/proj', config: { allow: [rule] } },
      baselineFile: '../ci/base.json',
      baseline: { schemaVersion: 1, tool: { name: 'muslcheck', version: '0.1.0' }, findings: [{ path: 'bin/a', code: 'glibc-private', args: { symbols: ['x'] } }] },
    });
    expect(spec).toEqual({
      cwd: '/proj/sub',
      allowBase: '/proj',
      allow: [rule],
      baselineBase: '/proj/ci',
      baseline: [findingFingerprint('bin/a', { code: 'glibc-private', args: { symbols: ['x'] } })],
    });
    expect(structuredClone(spec)).toEqual(spec);
  });

  it('nothing configured: an empty policy based at cwd', () => {
    expect(suppressionSpec({ cwd: '/w', loaded: { file: null, dir: '/w', config: {} }, baselineFile: null, baseline: null })).toEqual({
      cwd: '/w',
      allowBase: '/w',
      allow: [],
      baselineBase: '/w',
      baseline: [],
    });
  });
});
