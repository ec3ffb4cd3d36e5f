/**
 * launch: runs the CLI from its one-file build (dist/cli.cjs) with the code V8 compiled
 * for it on an earlier run.
 *
 * Loading the CLI's ES modules, and compiling the functions a run calls, took about 90 ms
 * of a pre-commit run's 250-350 ms (docs/performance.md, "Stop 16"). Node 20 keeps no
 * compiled code for ES modules between runs (`module.enableCompileCache` came with Node
 * 22), but a script compiled with `vm.Script` can be handed the code V8 made for it before
 * (`cachedData`). So `npm run build` also bundles the CLI into one CommonJS script
 * (scripts/bundle.mjs), and this launcher compiles it with the code the last run left in
 * `<cache dir>/code/`, which holds every function that run compiled. The first run, a run
 * whose code V8 rejects (another V8, other flags) and a run after an upgrade write it anew.
 *
 * V8 checks cached code only against its own version, its flags and the source's length.
 * So the file is named by a SHA-1 of the script and of Node's version, and starts with a
 * SHA-1 of the code it holds: a file that does not check out is ignored, and replaced.
 * `--no-cache` reads and writes none. Without the bundle (a plain `tsc` build), the CLI's
 * modules are imported instead; the output is the same either way (tested).
 */
import { createHash, randomBytes } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Script } from 'node:vm';
import type { CliHost } from './cli.js';
import { defaultCacheDir } from './scan/cachedir.js';

/** Main is the CLI's entry point (src/cli.ts). */
type Main = (argv: readonly string[], io?: undefined, host?: CliHost) => Promise<number>;

/** BUNDLE is the CLI's one-file build, beside this module in dist/. */
export const BUNDLE = fileURLToPath(new URL('./cli.cjs', import.meta.url));

/** CHECK_BYTES is the length of the SHA-1 that starts a code cache file. */
const CHECK_BYTES = 20;

/**
 * launch runs the CLI with `argv` (as in process.argv) and returns its exit code: from
 * `bundle` with cached code when the bundle is there, from the modules otherwise. `host`
 * goes to the CLI's main (what the launcher says of the process: CliHost).
 */
export async function launch(argv: readonly string[], env: Readonly<Record<string, string | undefined>> = process.env, bundle = BUNDLE, host: CliHost = {}): Promise<number> {
  let source: string;
  try {
    source = readFileSync(bundle, 'utf8');
  } catch {
    return (await import('./cli.js')).main(argv, undefined, host);
  }
  const file = argv.includes('--no-cache') ? null : codeCacheFile(defaultCacheDir(env), source);
  const cached = file === null ? undefined : readCodeCache(file);
  // The bundle has no import() (scripts/bundle.mjs): a vm.Script has no loader for one.
  const script = new Script(`(function (exports, require, module, __filename, __dirname) {${source}\n})`, { filename: bundle, cachedData: cached });
  const mod = { exports: {} as { main?: Main } };
  const run = script.runInThisContext() as (e: object, r: NodeJS.Require, m: object, f: string, d: string) => void;
  run(mod.exports, createRequire(bundle), mod, bundle, dirname(bundle));
  const code = await mod.exports.main!(argv, undefined, host);
  if (file !== null && (cached === undefined || script.cachedDataRejected === true)) writeCodeCache(file, script.createCachedData());
  return code;
}

/** codeCacheFile names the cached code of one bundle under one Node: `<dir>/code/cli-<hash>.v8`. */
export function codeCacheFile(dir: string, source: string): string {
  const h = createHash('sha1').update(`${process.version} ${process.arch}\n`).update(source).digest('hex').slice(0, 20);
  return join(dir, 'code', `cli-${h}.v8`);
}

/** readCodeCache returns the code kept in `file` when its SHA-1 checks out; undefined otherwise. */
export function readCodeCache(file: string): Buffer | undefined {
  let bytes: Buffer;
  try {
    bytes = readFileSync(file);
  } catch {
    return undefined;
  }
  if (bytes.length <= CHECK_BYTES) return undefined;
  const code = bytes.subarray(CHECK_BYTES);
  return createHash('sha1').update(code).digest().equals(bytes.subarray(0, CHECK_BYTES)) ? code : undefined;
}

/**
 * writeCodeCache keeps `code` in `file` (its SHA-1 first), written beside it and renamed
 * into place, and removes the code of other bundles. A failure (read-only cache
 * directory, full disk) only costs the next run its head start.
 */
export function writeCodeCache(file: string, code: Buffer): void {
  const dir = dirname(file);
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  try {
    mkdirSync(dir, { recursive: true });
    writeFileSync(tmp, Buffer.concat([createHash('sha1').update(code).digest(), code]), { mode: 0o600 });
    renameSync(tmp, file);
    for (const n of readdirSync(dir)) if (n.endsWith('.v8') && n !== basename(file)) rmSync(join(dir, n), { force: true });
  } catch {
    rmSync(tmp, { force: true });
  }
}
