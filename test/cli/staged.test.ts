/**
 * staged.test: muslcheck as a pre-commit gate, end to end, in a temporary git repository:
 * staging a glibc binary that needs a rebuild fails the hook (exit 1) with a clear
 * message; staging a musl-native one passes; allowlisting the first in .muslcheckrc.json
 * makes it pass; --staged reads the index, not the working tree; a baseline accepts
 * what is known and still fails on anything new; outside a repository --staged is a
 * usage error (exit 2).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, REPO, assertBuilt, cliEnv } from './run.js';

assertBuilt();
const SAMPLE_REBUILD = join(REPO, 'samples/bin/fcntl64'); // glibc, fcntl64: no shim provides it
const SAMPLE_MUSL = join(REPO, 'samples/bin/hello-musl');
const SAMPLE_GCOMPAT = join(REPO, 'samples/bin/fortify');
const base = mkdtempSync(join(tmpdir(), 'muslcheck-git-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
let repo = '';

/** git runs git in the test repository. */
function git(...args: string[]): string {
  return execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', '-c', 'init.defaultBranch=main', ...args], { cwd: repo, encoding: 'utf8' });
}

/** hook runs muslcheck from inside the repository, as a pre-commit hook would. */
function hook(...args: string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [join(REPO, BIN), ...args], { cwd: repo, env: cliEnv({ MUSLCHECK_CACHE_DIR: join(base, 'cache') }), encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** stage copies a sample into the repository as `name` and stages it. */
function stage(sample: string, name: string): void {
  copyFileSync(sample, join(repo, name));
  git('add', name);
}

beforeEach(() => {
  repo = mkdtempSync(join(base, 'repo-'));
  git('init', '-q');
  mkdirSync(join(repo, 'src'));
  writeFileSync(join(repo, 'src/main.c'), 'int main(void) { return 0; }\n');
  git('add', '.');
  git('commit', '-q', '-m', 'init');
});

describe('scan --staged as a pre-commit hook', () => {
  it('fails (exit 1) when a staged glibc binary needs a rebuild, and says which and why', () => {
    stage(SAMPLE_REBUILD, 'app');
    const r = hook('scan', '--staged', '--quiet');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('rebuild   app: missing even with gcompat: fcntl64');
    expect(r.stdout).toContain('FAIL: 1 file at or above --fail-on rebuild: app.');
  });

  it('passes (exit 0) when only a musl-native binary is staged', () => {
    stage(SAMPLE_MUSL, 'hello');
    const r = hook('scan', '--staged', '--quiet');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('PASS: no file at or above --fail-on rebuild.');
  });

  it('passes once the failing binary is allowlisted in .muslcheckrc.json', () => {
    stage(SAMPLE_REBUILD, 'app');
    writeFileSync(join(repo, '.muslcheckrc.json'), JSON.stringify({ allow: [{ path: 'app', codes: ['missing-symbol-rebuild'], reason: 'app is only shipped in the Debian image' }] }));
    const r = hook('scan', '--staged', '--quiet');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('Accepted: 1 finding (1 by the allowlist)');
    const json = JSON.parse(hook('scan', '--staged', '--format', 'json').stdout) as { files: Array<{ path: string; verdict: string; suppressed: Array<{ code: string; reason: string }> }> };
    expect(json.files.map((f) => [f.path, f.verdict, f.suppressed.map((s) => [s.code, s.reason])])).toEqual([['app', 'loader', [['missing-symbol-rebuild', 'app is only shipped in the Debian image']]]]);
  });

  it('checks the staged content, not the working tree', () => {
    stage(SAMPLE_REBUILD, 'app');
    copyFileSync(SAMPLE_MUSL, join(repo, 'app')); // fixed in the working tree, not staged
    expect(hook('scan', '--staged', '--quiet').code).toBe(1);
    expect(hook('scan', 'app', '--quiet').code).toBe(0);
    git('add', 'app');
    expect(hook('scan', '--staged', '--quiet').code).toBe(0);
  });

  it('scans only staged files (paths limit it), and reports repository paths from a subdirectory', () => {
    copyFileSync(SAMPLE_REBUILD, join(repo, 'src/app'));
    copyFileSync(SAMPLE_GCOMPAT, join(repo, 'tool'));
    git('add', 'src/app', 'tool');
    const all = JSON.parse(hook('scan', '--staged', '--format', 'json').stdout) as { files: Array<{ path: string }> };
    expect(all.files.map((f) => f.path)).toEqual(['src/app', 'tool']);
    const onlyTool = hook('scan', '--staged', 'tool', '--quiet');
    expect(onlyTool.code).toBe(0);
    const sub = spawnSync(process.execPath, [join(REPO, BIN), 'scan', '--staged', '--format', 'json'], { cwd: join(repo, 'src'), env: cliEnv(), encoding: 'utf8' });
    expect((JSON.parse(sub.stdout) as { files: Array<{ path: string }> }).files.map((f) => f.path)).toEqual(['../tool', 'app']);
  });

  it('a deleted staged file is not scanned; nothing staged passes', () => {
    expect(hook('scan', '--staged', '--quiet').code).toBe(0);
    git('rm', '-q', 'src/main.c');
    const r = hook('scan', '--staged', '--format', 'json');
    expect(r.code).toBe(0);
    expect((JSON.parse(r.stdout) as { files: unknown[] }).files).toEqual([]);
  });
});

describe('baseline', () => {
  it('accepts what the baseline records and fails on anything new', () => {
    stage(SAMPLE_REBUILD, 'app');
    const write = hook('scan', '.', '--baseline', 'muslcheck-baseline.json', '--update-baseline', '--quiet');
    expect(write.code).toBe(0);
    expect(write.stderr).toMatch(/wrote \d+ findings? to the baseline muslcheck-baseline\.json/);
    expect(hook('scan', '.', '--baseline', 'muslcheck-baseline.json', '--quiet').code).toBe(0);
    copyFileSync(SAMPLE_REBUILD, join(repo, 'app2'));
    const r = hook('scan', '.', '--baseline', 'muslcheck-baseline.json', '--quiet');
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FAIL: 1 file at or above --fail-on rebuild: app2.');
  });

  it('a baseline file that does not exist is a usage error', () => {
    const r = hook('scan', '.', '--baseline', 'nope.json', '--quiet');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('nope.json');
  });
});

describe('copies out of the index', () => {
  it('are removed when the scan fails before it starts (a bad config file: exit 2)', () => {
    stage(SAMPLE_REBUILD, 'app');
    writeFileSync(join(repo, 'app'), 'changed after git add\n'); // so the staged bytes are written out
    writeFileSync(join(repo, '.muslcheckrc.json'), '{ "failOn": "nonsense" }');
    const tmp = mkdtempSync(join(base, 'tmp-'));
    const r = spawnSync(process.execPath, [join(REPO, BIN), 'scan', '--staged', '--quiet'], { cwd: repo, env: cliEnv({ TMPDIR: tmp }), encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toContain('.muslcheckrc.json');
    expect(readdirSync(tmp)).toEqual([]);
  });

  it('are removed after a scan that reads them', () => {
    stage(SAMPLE_REBUILD, 'app');
    writeFileSync(join(repo, 'app'), 'changed after git add\n');
    const tmp = mkdtempSync(join(base, 'tmp-'));
    const r = spawnSync(process.execPath, [join(REPO, BIN), 'scan', '--staged', '--quiet'], { cwd: repo, env: cliEnv({ TMPDIR: tmp }), encoding: 'utf8' });
    expect(r.status).toBe(1); // the staged glibc binary, not the edited text
    expect(readdirSync(tmp)).toEqual([]);
  });
});

describe('outside a git repository', () => {
  it('--staged is a usage error (exit 2)', () => {
    const r = spawnSync(process.execPath, [join(REPO, BIN), 'scan', '--staged'], { cwd: tmpdir(), env: cliEnv({ GIT_CEILING_DIRECTORIES: tmpdir() }), encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr).toMatch(/muslcheck: error: git rev-parse failed: .*not a git repository/);
  });
});
