/**
 * config: finds, reads and validates the config file (`.muslcheckrc.json`, or the
 * `muslcheck` key of package.json), reads and writes baseline files, and combines both
 * with the command-line flags into the options of a scan and its SuppressionSpec.
 *
 * Every problem with a file the user wrote is a ConfigError (the CLI exits with 2).
 * The I/O is synchronous: these are small files read once per run.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, readFileSync, renameSync, rmSync, statSync, writeSync } from 'node:fs';
import { basename, dirname, isAbsolute, join, parse, relative, resolve } from 'node:path';
import type { Verdict } from '../analyze/types.js';
import { baselineFingerprints, stringifyBaseline, type Baseline, type SuppressionSpec } from '../plan/suppress.js';
import { ConfigError, validateBaseline, validateConfig, type MuslcheckConfig } from './schema.js';

export { ConfigError, validateBaseline, validateConfig } from './schema.js';
export type { AllowRule, Baseline, BaselineEntry, MuslcheckConfig } from './schema.js';

/** CONFIG_FILE is the config file's name. */
export const CONFIG_FILE = '.muslcheckrc.json';

/** PACKAGE_KEY is the package.json key that holds a config. */
export const PACKAGE_KEY = 'muslcheck';

/** FoundConfig is where findConfig found a config. */
export interface FoundConfig {
  /** absolute path of the file. */
  file: string;
  /** true when the config is package.json's `muslcheck` key. */
  packageJson: boolean;
}

/** LoadedConfig is a validated config and where it came from. */
export interface LoadedConfig {
  /** absolute path of the config file, null when there is none. */
  file: string | null;
  /** the config file's directory (allow globs are relative to it), or cwd when there is none. */
  dir: string;
  /** the config; `libraryPath` and `baseline` are absolute. */
  config: MuslcheckConfig;
}

/** isFile is true for an existing regular file (following symlinks). */
function isFile(path: string): boolean {
  try {
    return statSync(path).isFile();
  } catch {
    return false;
  }
}

/** displayPath names a file in messages: relative to cwd when below it, else absolute. */
export function displayPath(file: string, cwd: string): string {
  const rel = relative(cwd, file);
  return rel === '' || rel.startsWith('..') || isAbsolute(rel) ? file : rel;
}

/**
 * jsonErrorDetail is JSON.parse's message with the line and column added when it gives
 * only a position (Node 20 does; Node 22 adds both itself).
 */
export function jsonErrorDetail(text: string, message: string): string {
  const m = /at position (\d+)/.exec(message);
  if (m === null || /line \d+/.test(message)) return message;
  const before = text.slice(0, Number(m[1]));
  const line = before.split('\n').length;
  const column = before.length - before.lastIndexOf('\n');
  return `${message} (line ${line}, column ${column})`;
}

/** readText reads a file as UTF-8, turning an I/O error into a ConfigError. */
function readText(file: string, display: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new ConfigError(display, null, 'file not found');
    throw new ConfigError(display, null, `cannot read the file (${code ?? String(e)})`);
  }
}

/** parseJson parses a file's text (a leading BOM is allowed); malformed JSON is a ConfigError. */
function parseJson(text: string, display: string): unknown {
  const body = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  try {
    return JSON.parse(body);
  } catch (e) {
    throw new ConfigError(display, null, `invalid JSON: ${jsonErrorDetail(body, (e as Error).message)}`);
  }
}

/** hasOwn is Object.hasOwn for an unknown value. */
function hasOwn(v: unknown, key: string): boolean {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && Object.hasOwn(v, key);
}

/**
 * packageJsonHasConfig is true when a package.json has a `muslcheck` key. A package.json
 * that does not even contain the string `"muslcheck"` is skipped unparsed (so an unrelated
 * broken one does not stop the search); one that does must parse.
 */
function packageJsonHasConfig(file: string): boolean {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    return false;
  }
  if (!text.includes(`"${PACKAGE_KEY}"`)) return false;
  return hasOwn(parseJson(text, file), PACKAGE_KEY);
}

/**
 * findConfig looks for a config in startDir, then in each parent up to the filesystem
 * root. In one directory `.muslcheckrc.json` wins over package.json; a package.json
 * without a `muslcheck` key does not stop the search.
 */
export function findConfig(startDir: string): FoundConfig | null {
  let dir = resolve(startDir);
  const { root } = parse(dir);
  for (;;) {
    const rc = join(dir, CONFIG_FILE);
    if (isFile(rc)) return { file: rc, packageJson: false };
    const pkg = join(dir, 'package.json');
    if (isFile(pkg) && packageJsonHasConfig(pkg)) return { file: pkg, packageJson: true };
    if (dir === root) return null;
    dir = dirname(dir);
  }
}

/** readConfigFile reads and validates one config file; a package.json contributes its `muslcheck` key. */
function readConfigFile(found: FoundConfig, cwd: string): MuslcheckConfig {
  const display = displayPath(found.file, cwd);
  const raw = parseJson(readText(found.file, display), display);
  if (!found.packageJson) return validateConfig(raw, display);
  if (!hasOwn(raw, PACKAGE_KEY)) throw new ConfigError(display, null, `no '${PACKAGE_KEY}' key`);
  return validateConfig((raw as Record<string, unknown>)[PACKAGE_KEY], display, PACKAGE_KEY);
}

/** resolvePaths makes the config's file paths absolute, relative to the config file's directory. */
function resolvePaths(config: MuslcheckConfig, dir: string): MuslcheckConfig {
  const out = { ...config };
  if (out.libraryPath !== undefined) out.libraryPath = out.libraryPath.map((p) => resolve(dir, p));
  if (out.baseline !== undefined) out.baseline = resolve(dir, out.baseline);
  return out;
}

/**
 * loadConfig loads the config for a run. `explicit` is `--config FILE` (relative to cwd;
 * it must exist; a file named package.json must have a `muslcheck` key), or false for
 * `--no-config` (commander's value when both options are defined). Otherwise the config
 * is searched for from cwd upwards; none found gives an empty config.
 */
export function loadConfig(opts: { cwd: string; explicit?: string | false }): LoadedConfig {
  const cwd = resolve(opts.cwd);
  if (opts.explicit === false) return { file: null, dir: cwd, config: {} };
  let found: FoundConfig | null;
  if (opts.explicit !== undefined) {
    const file = resolve(cwd, opts.explicit);
    if (!isFile(file)) throw new ConfigError(opts.explicit, null, 'config file not found');
    found = { file, packageJson: basename(file) === 'package.json' };
  } else {
    found = findConfig(cwd);
  }
  if (found === null) return { file: null, dir: cwd, config: {} };
  const dir = dirname(found.file);
  return { file: found.file, dir, config: resolvePaths(readConfigFile(found, cwd), dir) };
}

/** readBaseline reads and validates a baseline file. A missing file says how to create one. */
export function readBaseline(file: string): Baseline {
  if (!isFile(file)) {
    throw new ConfigError(file, null, 'baseline file not found (create it with: muslcheck scan PATHS --baseline FILE --update-baseline)');
  }
  return validateBaseline(parseJson(readText(file, file), file), file);
}

/**
 * writeBaseline writes a baseline atomically: a temporary file in the same directory,
 * flushed, then renamed over the target, so a reader (or a concurrent run) never sees a
 * half-written file. The directory is created when missing.
 */
export function writeBaseline(file: string, b: Baseline): void {
  const target = resolve(file);
  const dir = dirname(target);
  mkdirSync(dir, { recursive: true });
  const temp = join(dir, `.${basename(target)}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`);
  try {
    const fd = openSync(temp, 'wx');
    try {
      writeSync(fd, stringifyBaseline(b));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(temp, target);
  } catch (e) {
    rmSync(temp, { force: true });
    throw e;
  }
}

/** ConfigurableFlags are the command-line flags a config file can also set (as commander parses them). */
export type ConfigurableFlags = Pick<MuslcheckConfig, 'target' | 'failOn' | 'include' | 'exclude' | 'libraryPath' | 'baseline'>;

/** EffectiveOptions are the flags and the config combined: every path absolute. */
export interface EffectiveOptions {
  target: string | undefined;
  failOn: Verdict | undefined;
  include: string[] | undefined;
  exclude: string[] | undefined;
  libraryPath: string[] | undefined;
  /** absolute path of the baseline file, undefined when there is none. */
  baseline: string | undefined;
}

/**
 * resolveOptions combines flags and config: a flag given on the command line replaces the
 * config's value (lists are replaced, not merged). Flag paths are relative to cwd, config
 * paths were resolved by loadConfig.
 */
export function resolveOptions(loaded: LoadedConfig, flags: ConfigurableFlags, cwd: string): EffectiveOptions {
  const c = loaded.config;
  return {
    target: flags.target ?? c.target,
    failOn: flags.failOn ?? c.failOn,
    include: flags.include ?? c.include,
    exclude: flags.exclude ?? c.exclude,
    libraryPath: flags.libraryPath?.map((p) => resolve(cwd, p)) ?? c.libraryPath,
    baseline: flags.baseline !== undefined ? resolve(cwd, flags.baseline) : c.baseline,
  };
}

/**
 * suppressionSpec builds the plain-data policy for the workers: the config's allowlist
 * (relative to its directory) and the baseline's fingerprints (relative to the baseline
 * file's directory). Pass `baseline: null` when there is none, or while updating it (so
 * that the new baseline records everything the allowlist does not accept).
 */
export function suppressionSpec(opts: { cwd: string; loaded: LoadedConfig; baselineFile: string | null; baseline: Baseline | null }): SuppressionSpec {
  const cwd = resolve(opts.cwd);
  return {
    cwd,
    allowBase: opts.loaded.dir,
    allow: opts.loaded.config.allow ?? [],
    baselineBase: opts.baselineFile === null ? cwd : dirname(resolve(cwd, opts.baselineFile)),
    baseline: opts.baseline === null ? [] : baselineFingerprints(opts.baseline),
  };
}
