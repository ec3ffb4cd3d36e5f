/**
 * Golden CLI tests: every format of `scan`, and `plan`, `explain`, `db list`, on
 * samples/bin, run as a subprocess from the repository root with relative paths
 * and --no-cache. Output and exit code must match test/cli/golden/ exactly;
 * `UPDATE_GOLDEN=1 npx vitest run test/cli` rewrites the goldens.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { runCli, assertBuilt } from './run.js';
import { metaText, readGolden, updating, writeGolden } from './golden.js';

const T = ['--target', 'alpine:3.22'];
const SCAN = ['scan', 'samples/bin', '--no-cache', ...T];
const PLAN = ['plan', 'samples/bin', '--no-cache', ...T];
const SYMBOLS = ['__fprintf_chk', 'fcntl64', '__isoc23_strtol', 'getcontext', 'strerror_r', 'stat64', 'statx', 'no_such_symbol_xyz'];

/** CASES: golden name -> arguments. */
const CASES: ReadonlyArray<readonly [string, readonly string[]]> = [
  ['scan-text', SCAN],
  ['scan-text-verbose', [...SCAN, '--verbose']],
  ['scan-json', [...SCAN, '--format', 'json']],
  ['scan-sarif', [...SCAN, '--format', 'sarif']],
  ['scan-markdown', [...SCAN, '--format', 'markdown']],
  ['scan-fail-on-error', [...SCAN, '--fail-on', 'error']],
  ['scan-fail-on-loader', [...SCAN, '--fail-on', 'loader', '--quiet']],
  ['plan-text', PLAN],
  ['plan-json', [...PLAN, '--format', 'json']],
  ['plan-markdown', [...PLAN, '--format', 'markdown']],
  ['explain-text', ['explain', ...SYMBOLS, ...T]],
  ['explain-json', ['explain', ...SYMBOLS, ...T, '--format', 'json']],
  ['db-list-text', ['db', 'list']],
  ['db-list-json', ['db', 'list', '--format', 'json']],
  ['usage-unknown-option', ['scan', '--bogus']],
  ['usage-bad-format', ['scan', '--format', 'xml']],
  ['usage-bad-fail-on', ['scan', '--fail-on', 'maybe']],
  ['usage-bad-target', ['scan', 'samples/bin', '--target', 'alpine:1.0']],
  ['usage-bad-jobs', ['scan', '--jobs', 'many']],
  ['usage-no-command', []],
  ['usage-unknown-command', ['scna']],
  ['usage-explain-no-symbol', ['explain']],
];

beforeAll(assertBuilt);

describe('golden CLI output', () => {
  it.each(CASES)('%s', async (name, args) => {
    const r = await runCli(args);
    if (updating) writeGolden(name, args, r);
    const golden = readGolden(name);
    expect(golden, `no golden for ${name}: run UPDATE_GOLDEN=1 npx vitest run test/cli`).not.toBeNull();
    expect(metaText(args, r)).toBe(golden!.meta);
    expect(r.stdout).toBe(golden!.stdout);
  });
});
