/**
 * launch: the CLI run from its one-file build with V8's cached code (src/launch.ts) gives
 * the same output as from its modules, keeps its code under <cache dir>/code/, and never
 * trusts a code file that does not check out.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { codeCacheFile, readCodeCache, writeCodeCache } from '../../src/launch.js';
import { assertBuilt, BIN, cliEnv, REPO } from './run.js';

const base = mkdtempSync(join(tmpdir(), 'muslcheck-launch-'));

/** run runs the CLI (bin, or dist/launch.js with `bundle`) with a cache directory of its own. */
function run(cacheDir: string, args: string[], bundle?: string): { code: number | null; stdout: string } {
  const argv = bundle === undefined ? [join(REPO, BIN), ...args] : ['--input-type=module', '-e', `const { launch } = await import(${JSON.stringify(join(REPO, 'dist/launch.js'))}); process.exitCode = await launch(process.argv, process.env, ${JSON.stringify(bundle)});`, '--', 'muslcheck', ...args];
  const r = spawnSync(process.execPath, argv, { cwd: REPO, env: cliEnv({ MUSLCHECK_CACHE_DIR: cacheDir }), encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout };
}

describe('code cache files', () => {
  const dir = mkdtempSync(join(base, 'files-'));
  const file = codeCacheFile(dir, 'source one');
  mkdirSync(dirname(file), { recursive: true });
  it.each([
    ['missing', (): void => undefined],
    ['empty', (): void => writeFileSync(file, '')],
    ['only a checksum', (): void => writeFileSync(file, Buffer.alloc(20))],
    ['code that does not match its checksum', (): void => {
      writeCodeCache(file, Buffer.from('compiled code'));
      const b = readFileSync(file);
      b[b.length - 1] ^= 1;
      writeFileSync(file, b);
    }],
  ])('are ignored when %s', (_, make) => {
    make();
    expect(readCodeCache(file)).toBeUndefined();
  });

  it('give back what was written, and one bundle replaces the code of another', () => {
    writeCodeCache(file, Buffer.from('compiled code'));
    expect(readCodeCache(file)?.toString()).toBe('compiled code');
    const other = codeCacheFile(dir, 'source two');
    expect(other).not.toBe(file);
    writeCodeCache(other, Buffer.from('other code'));
    expect(readdirSync(join(dir, 'code'))).toEqual([other.split('/').pop()]);
  });
});

describe('the CLI from its bundle', () => {
  assertBuilt();
  const args = ['scan', 'samples', '--format', 'json', '--fail-on', 'error'];

  it('writes its code once, runs from it, and prints what the modules print', () => {
    expect(existsSync(join(REPO, 'dist/cli.cjs'))).toBe(true);
    const cache = mkdtempSync(join(base, 'cli-'));
    const first = run(cache, args);
    const kept = readdirSync(join(cache, 'code'));
    expect(kept).toHaveLength(1);
    const before = statSync(join(cache, 'code', kept[0]!));
    const second = run(cache, args);
    // Accepted, not written again: a rewrite renames a new file (another inode) into place.
    const after = statSync(join(cache, 'code', kept[0]!));
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
    const modules = run(mkdtempSync(join(base, 'mod-')), args, join(REPO, 'dist/no-such-bundle.cjs'));
    expect([0, 1]).toContain(first.code);
    expect(first.stdout).toContain('"schemaVersion"');
    expect(second).toEqual(first);
    expect(modules).toEqual(first);
  });

  it('keeps the code a re-scan that only verified cached: the interrupt budget lowered for the verification is put back first', () => {
    // V8 refuses code cached under other flags: cached under the lowered budget, it would be
    // refused and written again by every run.
    const tree = mkdtempSync(join(base, 'tree-'));
    const old = new Date(Date.now() - 3_600_000);
    for (const f of ['hello-musl', 'fortify']) {
      copyFileSync(join(REPO, 'samples/bin', f), join(tree, f));
      utimesSync(join(tree, f), old, old);
    }
    utimesSync(tree, old, old);
    const cache = mkdtempSync(join(base, 'verify-'));
    const scan = (): { verified: boolean } => {
      const statsFile = join(base, `stats-${Math.random().toString(36).slice(2)}.json`);
      expect([0, 1]).toContain(run(cache, ['scan', tree, '--format', 'json', '--stats', statsFile]).code);
      return JSON.parse(readFileSync(statsFile, 'utf8')) as { verified: boolean };
    };
    expect(scan().verified).toBe(false);
    rmSync(join(cache, 'code'), { recursive: true });
    expect(scan().verified).toBe(true); // and it cached the code
    const kept = join(cache, 'code', readdirSync(join(cache, 'code'))[0]!);
    const before = statSync(kept);
    expect(scan().verified).toBe(true);
    const after = statSync(kept);
    expect([after.ino, after.mtimeMs]).toEqual([before.ino, before.mtimeMs]);
  });

  it('replaces a code file that does not check out, and keeps none with --no-cache', () => {
    const cache = mkdtempSync(join(base, 'bad-'));
    const first = run(cache, args);
    const name = join(cache, 'code', readdirSync(join(cache, 'code'))[0]!);
    writeFileSync(name, Buffer.alloc(64, 7));
    expect(run(cache, args)).toEqual(first);
    expect(readCodeCache(name)).toBeDefined();
    const none = mkdtempSync(join(base, 'none-'));
    expect(run(none, [...args, '--no-cache'])).toEqual(first);
    expect(readdirSync(none)).toEqual([]);
  });
});

describe('the bin run as a command (its shell line, LAUNCHER in bin/muslcheck.cjs)', () => {
  // A stand-in `node` first on PATH prints the arguments the shell line gives it.
  const fake = mkdtempSync(join(base, 'fake-node-'));
  writeFileSync(join(fake, 'node'), '#!/bin/sh\nprintf "%s\\n" "$@"\n', { mode: 0o755 });
  const bin = join(REPO, BIN);
  const asCommand = (nodeOptions: string, path = `${fake}:${process.env.PATH}`): ReturnType<typeof spawnSync> =>
    spawnSync(bin, ['scan', 'a dir', '--format', 'json'], { env: cliEnv({ PATH: path, NODE_OPTIONS: nodeOptions }), encoding: 'utf8' });

  it.each([
    ['caps the semispace when NODE_OPTIONS says nothing of it', '', ['--max-semi-space-size=4', bin, 'scan', 'a dir', '--format', 'json']],
    ['leaves other NODE_OPTIONS alone', '--stack-trace-limit=20', ['--max-semi-space-size=4', bin, 'scan', 'a dir', '--format', 'json']],
    ['lets a semispace size in NODE_OPTIONS win', '--max-semi-space-size=8', [bin, 'scan', 'a dir', '--format', 'json']],
    ['spelt with underscores too', '--trace-gc --max_semi_space_size=8', [bin, 'scan', 'a dir', '--format', 'json']],
  ])('%s', (_, nodeOptions, argv) => {
    const r = asCommand(nodeOptions);
    expect(r.status).toBe(0);
    expect(String(r.stdout).split('\n').slice(0, -1)).toEqual(argv);
  });

  it('starts node without NODE_EXTRA_CA_CERTS (read at every start; muslcheck never connects) and keeps the rest of the environment', () => {
    const envFake = mkdtempSync(join(base, 'fake-env-'));
    writeFileSync(join(envFake, 'node'), '#!/bin/sh\nprintf "certs=%s kept=%s\\n" "${NODE_EXTRA_CA_CERTS-unset}" "$MUSLCHECK_KEPT"\n', { mode: 0o755 });
    const r = spawnSync(bin, ['--version'], { env: cliEnv({ PATH: `${envFake}:${process.env.PATH}`, NODE_EXTRA_CA_CERTS: '/etc/ssl/certs/ca-certificates.crt', MUSLCHECK_KEPT: 'yes' }), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout).toBe('certs=unset kept=yes\n');
  });

  it('exits with 2 and says why when its launcher cannot run (a damaged build)', () => {
    const copy = mkdtempSync(join(base, 'damaged-'));
    mkdirSync(join(copy, 'bin'));
    mkdirSync(join(copy, 'dist'));
    copyFileSync(bin, join(copy, 'bin', 'muslcheck.cjs'));
    writeFileSync(join(copy, 'dist', 'launch.cjs'), 'this is not JavaScript (\n');
    const r = spawnSync(process.execPath, [join(copy, 'bin', 'muslcheck.cjs'), 'db', 'list'], { env: cliEnv({}), encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/^muslcheck: error: cannot start: /);
  });

  it('runs the CLI with the real node', () => {
    const r = spawnSync(bin, ['--version'], { env: cliEnv({ NODE_OPTIONS: '' }), encoding: 'utf8' });
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).version);
    const scan = spawnSync(bin, ['scan', 'samples/bin/hello-musl', '--format', 'json', '--no-cache'], { cwd: REPO, env: cliEnv({ NODE_OPTIONS: '' }), encoding: 'utf8' });
    expect(scan.status).toBe(0);
    expect(JSON.parse(scan.stdout).files[0].verdict).toBe('ok');
  });
});
