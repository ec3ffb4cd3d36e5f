/**
 * CLI behaviour beyond the goldens: exit codes, pipes, --output, determinism,
 * schema validity of real output, the progress gate and start-up cost.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Ajv } from 'ajv';
import { main, shouldShowProgress, isCi } from '../../src/cli.js';
import { assertBuilt, REPO, runCli, runShell } from './run.js';
import { checkSarifStructure } from '../report/sarif-structure.js';

const SCAN = ['scan', 'samples/bin', '--no-cache', '--target', 'alpine:3.22'];
/** BIG is a large tree of real ELF files on the test machine (Debian/Ubuntu multiarch libdir). */
const BIG = '/usr/lib/x86_64-linux-gnu';

beforeAll(assertBuilt);

describe('shouldShowProgress', () => {
  const base = { stderrIsTTY: true, env: {}, format: 'text', output: undefined, quiet: false };
  it.each([
    ['text on a terminal', base, true],
    ['stderr not a terminal', { ...base, stderrIsTTY: false }, false],
    ['CI=true', { ...base, env: { CI: 'true' } }, false],
    ['CI=1', { ...base, env: { CI: '1' } }, false],
    ['CI=false', { ...base, env: { CI: 'false' } }, true],
    ['--quiet', { ...base, quiet: true }, false],
    ['json to stdout', { ...base, format: 'json' }, false],
    ['sarif to stdout', { ...base, format: 'sarif' }, false],
    ['markdown to stdout', { ...base, format: 'markdown' }, false],
    ['json to --output', { ...base, format: 'json', output: 'r.json' }, true],
  ])('%s', (_name, gate, want) => expect(shouldShowProgress(gate)).toBe(want));

  it.each([
    [undefined, false],
    ['', false],
    ['0', false],
    ['false', false],
    ['true', true],
    ['1', true],
  ])('isCi(CI=%s) is %s', (v, want) => expect(isCi(v === undefined ? {} : { CI: v })).toBe(want));
});

describe('exit codes', () => {
  it.each([
    [['--version'], 0],
    [['-V'], 0],
    [['--help'], 0],
    [['scan', '--help'], 0],
    [[], 2],
    [['scan', '--no-such-flag'], 2],
    [['scan', '--format', 'yaml'], 2],
    [['plan', '--format', 'sarif'], 2],
    [['scan', '--fail-on', 'maybe'], 2],
    [['scan', '--jobs', '0'], 2],
    [['scan', 'samples/bin', '--target', 'alpine:0.1'], 2],
    [['scan', 'samples/bin', '--update-baseline'], 2],
    [['explain'], 2],
    [['explain', 'puts', '--arch', 'vax'], 2],
    [['db', 'list', '--format', 'sarif'], 2],
  ])('muslcheck %j exits %i', async (args, code) => {
    const r = await runCli(args);
    expect(r.code, r.stderr).toBe(code);
    if (code === 2) expect(r.stderr).not.toBe('');
    if (code === 2) expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace for usage errors
  });

  it('--version prints the package version', async () => {
    const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };
    expect((await runCli(['--version'])).stdout).toBe(`${pkg.version}\n`);
  });

  it.each([['--version'], ['-V']])("the bin script's shortcut for %s prints what the CLI itself prints", async (flag) => {
    let out = '';
    const write = (t: string | Uint8Array, done?: () => void): boolean => {
      out += String(t);
      done?.();
      return true;
    };
    const io = { stdout: { write }, stderr: { write: (_t: unknown, done?: () => void) => (done?.(), true) }, env: {}, cwd: REPO };
    expect(await main(['node', 'muslcheck', flag], io)).toBe(0);
    expect((await runCli([flag])).stdout).toBe(out);
    expect(out).toMatch(/^\d+\.\d+\.\d+.*\n$/);
  });

  it('--fail-on error fails no more often than --fail-on loader', async () => {
    const strict = await runCli([...SCAN, '--fail-on', 'loader', '--quiet']);
    const lax = await runCli([...SCAN, '--fail-on', 'error', '--quiet']);
    expect([0, 1]).toContain(strict.code);
    expect([0, 1]).toContain(lax.code);
    expect(lax.code!).toBeLessThanOrEqual(strict.code!);
  });
});

describe('start-up', () => {
  it('dist/cli.js imports only commander and node builtins at the top level', () => {
    const src = readFileSync(join(REPO, 'dist/cli.js'), 'utf8');
    const specifiers = [...src.matchAll(/^import\s[^'"]*['"]([^'"]+)['"]/gm)].map((m) => m[1]);
    expect(specifiers.length).toBeGreaterThan(0);
    for (const s of specifiers) expect(s === 'commander' || s!.startsWith('node:'), s).toBe(true);
  });
});

describe('output', () => {
  it('--output writes the report to a file and nothing to stdout', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'muslcheck-cli-'));
    const file = join(dir, 'report.json');
    const viaFile = await runCli([...SCAN, '--format', 'json', '--output', file]);
    const viaStdout = await runCli([...SCAN, '--format', 'json']);
    expect(viaFile.stdout).toBe('');
    expect(viaFile.code).toBe(viaStdout.code);
    expect(readFileSync(file, 'utf8')).toBe(viaStdout.stdout);
  });

  it.each(['text', 'sarif', 'markdown'])('--output is written whole or not at all (%s)', async (format) => {
    const dir = mkdtempSync(join(tmpdir(), 'muslcheck-cli-'));
    const file = join(dir, 'report.out');
    const r = await runCli([...SCAN, '--format', format, '--output', file]);
    expect(r.stdout).toBe('');
    expect(readFileSync(file, 'utf8')).toBe((await runCli([...SCAN, '--format', format])).stdout);
    expect(readdirSync(dir)).toEqual(['report.out']); // no temporary file left behind
  });

  it('--output into a missing directory is a tool error naming the path given', async () => {
    const r = await runCli([...SCAN, '--format', 'json', '--output', '/nonexistent-dir-xyz/r.json']);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('cannot write /nonexistent-dir-xyz/r.json: no such directory');
  });

  it('JSON is identical across two runs (with --exports)', async () => {
    const a = await runCli([...SCAN, '--format', 'json', '--exports']);
    const b = await runCli([...SCAN, '--format', 'json', '--exports']);
    expect(a.stdout.length).toBeGreaterThan(0);
    expect(b.stdout).toBe(a.stdout);
  });

  it('real JSON output validates against schema/scan.schema.json', async () => {
    const schema = JSON.parse(readFileSync(join(REPO, 'schema/scan.schema.json'), 'utf8'));
    const validate = new Ajv({ allErrors: true, strict: true }).compile(schema);
    for (const extra of [[], ['--exports']]) {
      const doc = JSON.parse((await runCli([...SCAN, '--format', 'json', ...extra])).stdout);
      expect(validate(doc), JSON.stringify(validate.errors?.slice(0, 5))).toBe(true);
      expect(doc.files.length).toBeGreaterThan(0);
    }
  });

  it('real SARIF output passes the structural check', async () => {
    const log = JSON.parse((await runCli([...SCAN, '--format', 'sarif'])).stdout);
    expect(checkSarifStructure(log)).toEqual([]);
    expect(log.runs[0].results.length).toBeGreaterThan(0);
  });

  it.skipIf(!isDir(BIG))('large JSON to a pipe is complete', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'muslcheck-big-'));
    const file = join(dir, 'big.json');
    const args = `scan ${BIG} --no-cache --format json --quiet`;
    const piped = await runShell(`node bin/muslcheck.cjs ${args} | wc -c`);
    const written = await runCli([...args.split(' '), '--output', file]);
    expect([0, 1]).toContain(written.code);
    const size = statSync(file).size;
    expect(size).toBeGreaterThan(1 << 20); // well past a 64 KiB pipe buffer
    expect(Number(piped.stdout.trim())).toBe(size);
    expect(() => JSON.parse(readFileSync(file, 'utf8'))).not.toThrow();
  });
});

/** isDir is true when path is a directory. */
function isDir(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
