/**
 * cli: muslcheck's command line, the one place that writes to stdout and stderr.
 *
 * Only commander is imported at the top so that `muslcheck --version` and
 * `--help` start fast; the scanner, the database and the formatters are loaded
 * with `await import()` inside the action that needs them.
 *
 * Exit codes (as knip does it): 0 pass; 1 when a file's verdict is at or above
 * `--fail-on`; 2 on a usage error (unknown option, bad value) or a tool error.
 * main() returns the code instead of calling process.exit(), so a large report
 * written to a pipe is flushed completely before Node exits.
 */
import { Command, CommanderError, InvalidArgumentError, Option } from 'commander';
import { readFileSync, statSync } from 'node:fs';
import { basename as basenamePath, dirname as dirnamePath, join as joinPath, resolve as resolvePath } from 'node:path';
import { availableParallelism } from 'node:os';
import { getHeapStatistics, setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import type { FileReport, Verdict } from './analyze/types.js';
import type { FileKey, OutputRecord } from './scan/cache.js';

/** CliStream is the part of a writable stream the CLI uses. */
export interface CliStream {
  write(chunk: string | Uint8Array, callback: (err?: Error | null) => void): boolean;
  isTTY?: boolean;
}

/** CliIo is the CLI's whole view of the outside world (tests pass their own). */
export interface CliIo {
  stdout: CliStream;
  stderr: CliStream;
  env: Readonly<Record<string, string | undefined>>;
  cwd: string;
}

/** FORMATS are the scan output formats. */
export const FORMATS = ['text', 'json', 'sarif', 'markdown'] as const;
export type Format = (typeof FORMATS)[number];

/** PLAN_FORMATS are the `plan` output formats. */
export const PLAN_FORMATS = ['text', 'json', 'markdown'] as const;

/** VERDICTS mirrors VERDICT_ORDER (src/analyze/types.ts) without loading it before it is needed. */
const VERDICTS: readonly Verdict[] = ['ok', 'loader', 'gcompat', 'shim', 'rebuild', 'patch', 'error'];

/** HINT closes every usage error. */
const HINT = "(run 'muslcheck --help' or 'muslcheck <command> --help' for usage)";

/** UsageError is a bad value the user can fix (exit code 2, no stack trace). */
export class UsageError extends Error {
  override readonly name = 'UsageError';
}

/** isEpipe is true for the error a write gets when the reader has gone (`muslcheck scan | head`). */
function isEpipe(e: unknown): boolean {
  return typeof e === 'object' && e !== null && (e as { code?: unknown }).code === 'EPIPE';
}

/**
 * processIo is the real process's streams, environment and directory. A closed
 * pipe on stdout ends the output quietly, as for any Unix filter, instead of
 * surfacing as an unhandled 'error' event.
 */
export function processIo(): CliIo {
  process.stdout.on('error', (e) => {
    if (!isEpipe(e)) throw e;
  });
  return { stdout: process.stdout, stderr: process.stderr, env: process.env, cwd: process.cwd() };
}

/** PackageInfo is what the CLI reads from package.json. */
interface PackageInfo {
  version?: string;
  homepage?: string;
}

/** packageInfo reads package.json (beside dist/ and src/), once. */
const packageInfo = (() => {
  let cached: PackageInfo | undefined;
  return (): PackageInfo => (cached ??= JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as PackageInfo);
})();

/** toolVersion is muslcheck's version from package.json. */
export function toolVersion(): string {
  return packageInfo().version ?? '0.0.0';
}

/**
 * projectUris gives SARIF its informationUri and the base for each code's helpUri.
 * docs/ ships inside the npm package, so without a `homepage` the docs are
 * addressed in the published package of this very version (unpkg serves npm
 * package files by version).
 */
export function projectUris(): { informationUri: string; docsBaseUri: string } {
  const { homepage } = packageInfo();
  if (homepage !== undefined && homepage !== '') return { informationUri: homepage, docsBaseUri: homepage.endsWith('/') ? homepage : `${homepage}/` };
  return { informationUri: 'https://www.npmjs.com/package/muslcheck', docsBaseUri: `https://unpkg.com/muslcheck@${toolVersion()}/` };
}

/** isCi is true when the CI environment variable is set to anything but `false`/`0`/empty (as std-env and knip read it). */
export function isCi(env: CliIo['env']): boolean {
  const v = env.CI;
  return v !== undefined && v !== '' && v !== 'false' && v !== '0';
}

/** ProgressGate is what decides whether a spinner may be shown. */
export interface ProgressGate {
  stderrIsTTY: boolean;
  env: CliIo['env'];
  format: string;
  output: string | undefined;
  quiet: boolean;
}

/**
 * shouldShowProgress is the one gate for progress output: only on a terminal
 * (stderr), never in CI, never with --quiet, and never while machine output
 * (json, sarif, markdown) goes to stdout, where a terminal would interleave the two.
 */
export function shouldShowProgress(g: ProgressGate): boolean {
  if (!g.stderrIsTTY || g.quiet || isCi(g.env)) return false;
  return g.format === 'text' || g.output !== undefined;
}

/** writeAll writes text and resolves once the stream has taken it (so nothing is lost when the process ends). */
export function writeAll(stream: CliStream, text: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => {
    if (text.length === 0) return resolve();
    stream.write(text, (err) => (err && !isEpipe(err) ? reject(err) : resolve()));
  });
}

/** parsePositiveInt is commander's parser for `--jobs`. */
function parsePositiveInt(value: string): number {
  if (!/^[1-9][0-9]*$/.test(value)) throw new InvalidArgumentError('expected a whole number of at least 1.');
  return Number(value);
}

/** collect is commander's parser for repeatable options (`--include a --include b`). */
function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/** ScanFlags are the options `scan` and `plan` share, as commander parses them. */
export interface ScanFlags {
  target?: string;
  format: string;
  failOn?: Verdict;
  output?: string;
  exports?: boolean;
  include?: string[];
  exclude?: string[];
  followSymlinks?: boolean;
  libraryPath?: string[];
  staged?: boolean;
  cache: boolean;
  /** `--config FILE`; false with `--no-config`. */
  config?: string | false;
  baseline?: string;
  updateBaseline?: boolean;
  jobs?: number;
  verbose?: boolean;
  quiet?: boolean;
  stats?: string;
}

/** addScanOptions adds the options shared by `scan` and `plan`. */
function addScanOptions(cmd: Command, formats: readonly string[]): Command {
  return cmd
    .argument('[paths...]', 'files or directories to scan', ['.'])
    .option('-t, --target <target>', 'what to check against: alpine:X.Y, alpine:edge or musl:X.Y.Z (default: newest stable Alpine)')
    .addOption(new Option('-f, --format <format>', 'output format').choices(formats).default('text'))
    .addOption(new Option('--fail-on <verdict>', 'exit 1 when any file is at or above this verdict (default: rebuild)').choices(VERDICTS))
    .option('-o, --output <file>', 'write the report to a file instead of stdout')
    .option('--exports', 'include each file\'s exported symbols in JSON output')
    .option('--include <glob>', 'only scan files matching this glob (repeatable)', collect)
    .option('--exclude <glob>', 'skip files matching this glob (repeatable)', collect)
    .option('--follow-symlinks', 'follow symbolic links to files and directories')
    .option('-L, --library-path <dir>', 'also look for needed libraries here, as the target would (repeatable)', collect)
    .option('--staged', 'scan the staged content of the files staged in git (pre-commit hooks); paths limit it')
    .option('--no-cache', 'do not read or write the scan cache')
    .option('--config <file>', 'read options from this file instead of finding .muslcheckrc.json / package.json "muslcheck"')
    .option('--no-config', 'do not read any config file')
    .option('--baseline <file>', 'accept the findings this baseline file records: only new ones count')
    .option('--update-baseline', 'write the current findings to the baseline file and exit 0')
    .option('-j, --jobs <n>', 'threads doing the work, the main thread included (default: number of CPUs)', parsePositiveInt)
    .option('-v, --verbose', 'show findings and fixes for every file')
    .option('-q, --quiet', 'no progress output')
    .option('--stats <file>', 'write scan statistics (JSON) to this file');
}

/**
 * CliHost is what the command's launcher (bin/muslcheck.cjs) tells the CLI about the
 * process it runs in. Tests and library callers give none.
 */
export interface CliHost {
  /**
   * tune sets the runtime for a phase of a scan (ScanOptions.tune): the launcher lowers V8's
   * interrupt budget while an unchanged tree is verified, and puts back its own after.
   */
  tune?: (phase: import('./scan/pipeline.js').ScanPhase) => void;
}

/** CliState carries the exit code out of commander's action handlers. */
interface CliState {
  exitCode: number;
}

/** buildProgram wires every command; actions record their exit code in `state`. */
export function buildProgram(io: CliIo, state: CliState, host: CliHost = {}): Command {
  const program = new Command('muslcheck')
    .description('Tells, before you move to Alpine Linux (musl libc), which binaries will break and what fixes each one.')
    .version(toolVersion(), '-V, --version')
    .exitOverride()
    .showHelpAfterError(HINT)
    .configureOutput({
      writeOut: (s) => void io.stdout.write(s, () => {}),
      writeErr: (s) => void io.stderr.write(s, () => {}),
    });

  addScanOptions(program.command('scan').description('scan files and directories and report, per ELF file, whether it loads on the target'), FORMATS).action(
    async (paths: string[], flags: ScanFlags) => {
      state.exitCode = await runScan('scan', paths, flags, io, host);
    },
  );

  addScanOptions(program.command('plan').description('the fix plan for a whole tree: apk line, Dockerfile snippet, patchelf, rebuilds, patches'), PLAN_FORMATS).action(
    async (paths: string[], flags: ScanFlags) => {
      state.exitCode = await runScan('plan', paths, flags, io, host);
    },
  );

  program
    .command('explain')
    .description('what musl, gcompat and glibc say about symbols, and what to do about them')
    .argument('<symbols...>', 'symbol names, e.g. __fprintf_chk fcntl64')
    .option('-t, --target <target>', 'alpine:X.Y, alpine:edge or musl:X.Y.Z (default: newest stable Alpine)')
    .option('-a, --arch <arch>', 'musl architecture name', 'x86_64')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (symbols: string[], flags: { target?: string; arch: string; format: string }) => {
      state.exitCode = await runExplain(symbols, flags, io);
    });

  const db = program.command('db').description('the bundled databases');
  db.command('list')
    .description('targets, architectures, versions and where the data came from')
    .addOption(new Option('-f, --format <format>', 'output format').choices(['text', 'json']).default('text'))
    .action(async (flags: { format: string }) => {
      state.exitCode = await runDbList(flags, io);
    });

  return program;
}

/** emit writes a report to `--output` or stdout; `keyed`: as openSink. */
async function emit(text: string, output: string | undefined, io: CliIo, keyed = false): Promise<FileKey | null> {
  if (output === undefined) {
    await writeAll(io.stdout, text);
    return null;
  }
  const sink = await openSink(output, io, null, keyed);
  let ok = false;
  try {
    await sink.write(text);
    ok = true;
  } finally {
    await sink.close(ok);
  }
  return sink.written;
}

/** Spinner is the part of ora the CLI uses. */
interface Spinner {
  text: string;
  stop(): void;
}

/** startProgress starts an ora spinner on stderr (ora is loaded only here). */
async function startProgress(io: CliIo): Promise<Spinner> {
  const { default: ora } = await import('ora');
  return ora({ text: 'Scanning…', stream: io.stderr as unknown as NodeJS.WritableStream }).start();
}

/** resolveTarget turns `--target` into a TargetInfo, or a UsageError listing the known targets. */
function resolveTarget(db: import('./db/types.js').Database, spec: string | undefined): import('./db/types.js').TargetInfo {
  try {
    return db.resolveTarget(spec);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const first = db.targets[0]?.id ?? '';
    // the database's own message may already list the targets
    throw new UsageError(message.includes(first) ? message : `${message} (known targets: ${db.targets.map((t) => t.id).join(', ')})`);
  }
}

/** OutputSink collects a report's text: to stdout, or to `--output` (a temporary file renamed into place at the end). */
interface OutputSink {
  /** write buffers text; it returns a promise only when a chunk is being flushed (wait for it: backpressure). */
  write(text: string): Promise<void> | undefined;
  /** close flushes; with `ok` false a partial `--output` file is removed instead of renamed into place. */
  close(ok: boolean): Promise<void>;
  /** written is the `--output` file's key once closed, when it was asked for (`keyed`) and can vouch for its bytes (vouchingKey); null otherwise. */
  readonly written: FileKey | null;
}

/**
 * SINK_CHUNK: text is handed to the stream in pieces of about this size (fewer write
 * calls, bounded memory). 64 KiB rather than 1 MiB: a joined 1 MiB chunk is a large V8
 * object, and the entries waiting for it outlive young-generation collections; on /usr
 * the peak RSS was 259-268 MB with 1 MiB pieces and 240-248 MB with 64 KiB ones, at the
 * same speed (docs/performance.md).
 */
const SINK_CHUNK = 1 << 16;

/** TRIM_EVERY is how many kept reports go by between two heap checks (heapTrimmer) when a format needs every report first. */
const TRIM_EVERY = 1024;

/** TRIM_GROWTH is how far the heap may grow between two collections heapTrimmer asks for (bytes). */
export const TRIM_GROWTH = 16 * 2 ** 20;

/**
 * heapTrimmer returns a check, run for each piece of report written, that has V8 collect
 * all garbage once the heap has grown by TRIM_GROWTH above its lowest point since the last
 * collection.
 *
 * Why: while the report is written (phase 2), the calling thread mostly waits for the
 * workers, and the entries it holds for the window outlive young-generation collections.
 * V8 promotes them into old space and starts no full collection of its own before the
 * end: on /usr the calling thread's old space grew from 20 to 58 MB, mostly garbage, at
 * the scan's peak RSS. Four to six collections of about 20 ms each, while the thread
 * would mostly wait anyway, keep it near 30 MB (peak RSS 224-229 → 195-202 MB at the same
 * speed; docs/performance.md).
 *
 * A collection that frees less than half of TRIM_GROWTH doubles the step, so a report
 * that keeps what it writes (the text format keeps every report) does not pay for a
 * collection per piece. V8's collector is reached as `--expose-gc` provides it, set at run
 * time and read from a fresh context; where that fails the check does nothing. `used` and
 * `collector` are for tests.
 */
export function heapTrimmer(used: () => number = usedHeap, collector: () => (() => void) | null = exposedGc): () => void {
  let collect: (() => void) | null | undefined;
  let step = TRIM_GROWTH;
  let base = -1;
  return () => {
    if (collect === null) return;
    const before = used();
    if (base < 0 || before < base) base = before;
    if (before - base < step) return;
    if (collect === undefined) collect = collector();
    if (collect === null) return;
    collect();
    const after = used();
    if (before - after < step / 2) step *= 2;
    base = after;
  };
}

/** usedHeap is the bytes the calling thread's V8 heap holds. */
function usedHeap(): number {
  return getHeapStatistics().used_heap_size;
}

/**
 * exposedGc is V8's full collection (`gc()` of `--expose-gc`), or null when it cannot be
 * had. Node started with `--expose-gc` has it already; otherwise the flag is set just long
 * enough to take `gc` from a fresh context, then unset: V8 refuses code cached under other
 * flags, so a run that cached the CLI's code with the flag still set had the next command
 * refuse that code and compile and cache it again (test/cli/launch.test.ts).
 */
export function exposedGc(): (() => void) | null {
  const own: unknown = (globalThis as { gc?: unknown }).gc;
  if (typeof own === 'function') return own as () => void;
  try {
    setFlagsFromString('--expose-gc');
    try {
      const gc: unknown = runInNewContext('gc');
      return typeof gc === 'function' ? (gc as () => void) : null;
    } finally {
      setFlagsFromString('--no-expose-gc');
    }
  } catch {
    return null;
  }
}

/** Destination is where a sink's chunks go: stdout, or a temporary file renamed into place (`end` gives its key, as OutputSink.written). */
interface Destination {
  put(text: string): Promise<void>;
  end(ok: boolean): Promise<FileKey | null>;
}

/**
 * bufferedSink gathers report text into chunks of about SINK_CHUNK for a destination;
 * `tee` also receives every chunk (the report memo).
 */
function bufferedSink(dest: Destination, tee: ((text: string) => void) | null): OutputSink {
  let pending: string[] = [];
  let size = 0;
  let written: FileKey | null = null;
  const trim = heapTrimmer();
  const flush = async (): Promise<void> => {
    const text = pending.join('');
    pending = [];
    size = 0;
    tee?.(text);
    trim();
    if (text !== '') await dest.put(text);
  };
  return {
    write(text) {
      pending.push(text);
      size += text.length;
      return size >= SINK_CHUNK ? flush() : undefined;
    },
    async close(ok) {
      try {
        if (ok) await flush();
        else pending = [];
      } finally {
        written = await dest.end(ok);
      }
    },
    get written() {
      return written;
    },
  };
}

/** tempBeside names the temporary file a report is written to before it is renamed to `target`. */
function tempBeside(target: string): string {
  return joinPath(dirnamePath(target), `.${basenamePath(target)}.${process.pid}.tmp`);
}

/**
 * openSink opens where a report goes; `tee` also receives every chunk (the report memo).
 * `keyed`: the `--output` file gets the times of a report written now (stampOutput) before
 * it is renamed into place, and its key is taken after, for the memo's record of it
 * (MemoOutputs).
 */
async function openSink(output: string | undefined, io: CliIo, tee: ((text: string) => void) | null = null, keyed = false): Promise<OutputSink> {
  if (output === undefined) return bufferedSink({ put: (text) => writeAll(io.stdout, text), end: async () => null }, tee);
  const { open, rename, rm } = await import('node:fs/promises');
  const { keyVouchedThrough, stampOutput } = await import('./scan/cache.js');
  const target = resolvePath(io.cwd, output);
  const tmp = tempBeside(target);
  let fh: import('node:fs/promises').FileHandle;
  try {
    fh = await open(tmp, 'w');
  } catch (e) {
    // Name the file the user asked for, not the temporary one beside it.
    const code = (e as NodeJS.ErrnoException).code ?? '';
    throw new Error(`cannot write ${output}: ${code === 'ENOENT' ? 'no such directory' : errorMessage(e)}`);
  }
  return bufferedSink(
    {
      put: async (text) => void (await fh.write(text)),
      async end(ok) {
        if (!ok) {
          await fh.close();
          await rm(tmp, { force: true });
          return null;
        }
        try {
          const stamped = keyed && stampOutput(fh.fd);
          await rename(tmp, target);
          return stamped ? keyVouchedThrough(fh.fd) : null;
        } finally {
          await fh.close();
        }
      },
    },
    tee,
  );
}

/** runScan runs `scan` or `plan`: scan the paths, render, write, and compute the exit code. */
async function runScan(mode: 'scan' | 'plan', paths: string[], flags: ScanFlags, io: CliIo, host: CliHost): Promise<number> {
  if (flags.staged === true && flags.followSymlinks === true) throw new UsageError('--staged scans the staged files themselves; --follow-symlinks does not apply');
  // --staged: git runs while the configuration, the database and the scan's modules load.
  const stagedPending = flags.staged === true ? startStaged(io.cwd, paths) : null;
  // Its failure is reported where it is awaited, not as an unhandled rejection if it comes first.
  stagedPending?.catch(() => undefined);
  try {
    return await scanWith(mode, paths, flags, io, host, stagedPending);
  } catch (e) {
    // Failed before the checkout was taken over (a bad config file...): its copies go too.
    void stagedPending?.then((s) => s.cleanup(), () => undefined);
    throw e;
  }
}

/** startStaged finds the staged files (checkoutStaged); git's failures become usage errors. */
async function startStaged(cwd: string, paths: string[]): Promise<import('./scan/git.js').StagedCheckout> {
  const git = await import('./scan/git.js');
  try {
    return await git.checkoutStaged(cwd, paths.length === 1 && paths[0] === '.' ? [] : paths);
  } catch (e) {
    if (e instanceof git.GitError) throw new UsageError(e.message);
    throw e;
  }
}

/** scanWith is runScan once the staged files (if asked for) are being found. */
async function scanWith(mode: 'scan' | 'plan', paths: string[], flags: ScanFlags, io: CliIo, host: CliHost, stagedPending: Promise<import('./scan/git.js').StagedCheckout> | null): Promise<number> {
  // A scan of a directory runs on a pool of threads unless it turns out small: they start
  // now, so that loading their modules overlaps the command's own start (the pipeline
  // ends the ones it does not use).
  if (flags.staged !== true && flags.jobs !== 1) {
    const { isDirectory } = await import('./scan/walk.js');
    if ((paths.length === 0 ? ['.'] : paths).some((p) => isDirectory(resolvePath(io.cwd, p)))) (await import('./scan/pool.js')).prestartWorkers((flags.jobs ?? availableParallelism()) - 1);
  }
  const config = await import('./config/index.js');
  const loaded = config.loadConfig({ cwd: io.cwd, explicit: flags.config });
  const eff = config.resolveOptions(loaded, flags, io.cwd);
  if (flags.updateBaseline === true && eff.baseline === undefined) throw new UsageError('--update-baseline needs --baseline FILE (or "baseline" in the config file)');
  const baseline = eff.baseline !== undefined && flags.updateBaseline !== true ? config.readBaseline(eff.baseline) : null;
  const suppress = config.suppressionSpec({ cwd: io.cwd, loaded, baselineFile: flags.updateBaseline === true ? null : (eff.baseline ?? null), baseline });

  const { loadDatabase } = await import('./db/index.js');
  const db = loadDatabase();
  const target = resolveTarget(db, eff.target);
  const [{ scanStream }, planMod, { CATALOGUE }, { defaultCacheDir }] = await Promise.all([
    import('./scan/pipeline.js'),
    import('./plan/index.js'),
    import('./analyze/catalogue.js'),
    import('./scan/cache.js'),
  ]);
  const failOn = eff.failOn ?? planMod.DEFAULT_FAIL_ON;
  const tool = { name: 'muslcheck', version: toolVersion() };

  const staged = stagedPending === null ? null : await stagedPending;

  const progress = shouldShowProgress({
    stderrIsTTY: io.stderr.isTTY === true,
    env: io.env,
    format: flags.format,
    output: flags.output,
    quiet: flags.quiet === true,
  })
    ? await startProgress(io)
    : null;

  // JSON and SARIF are written while the scan runs (files in path order; JSON's summary
  // last), keeping no report; text, Markdown and `plan` need every report first.
  const streamed = mode === 'scan' && flags.updateBaseline !== true && (flags.format === 'json' || flags.format === 'sarif') ? flags.format : null;
  const reports: FileReport[] = [];
  let notElf = 0;
  // The report memo: a re-scan of an unchanged tree with the same options writes the last report again.
  const cacheMod = await import('./scan/cache.js');
  // Set by the reuse callback during the scan (an object, so its fields are not narrowed to null).
  const memo: { hit: import('./scan/cache.js').MemoHit | null; writer: import('./scan/cache.js').MemoWriter | null; cacheFile: string | null } = { hit: null, writer: null, cacheFile: null };
  const memoAllowed = flags.cache && staged === null && flags.updateBaseline !== true && (eff.libraryPath ?? []).length === 0;
  // The --output file is keyed for the memo's record of it (MemoOutputs): a re-scan that
  // writes the same bytes again finds it under its key and only sets its times.
  const keyed = memoAllowed && flags.output !== undefined;
  const context = memoAllowed ? renderContext(mode, flags, target.id, failOn, suppress, io.cwd, paths) : '';
  const contextId = memoAllowed ? cacheMod.contextHash(context) : '';
  // A JSON memo also indexes its ELF entries (where each lies, its verdict and unresolved
  // names), so that a later scan whose ELF files are all as they were writes them again
  // instead of analysing them (ScanOptions.prior): the digest of their inputs, the index
  // being built, and the earlier index when one fits.
  const elfMemo: { digest: string | null; entries: import('./scan/cache.js').MemoEntries['entries']; prior: import('./scan/cache.js').PriorHit | null } = { digest: null, entries: [], prior: null };
  // SARIF reaches the memo as the sink writes it; JSON is given to the memo entry by entry
  // (recordEntry), which tells where each one lies.
  const sink = streamed !== null ? await openSink(flags.output, io, streamed === 'sarif' ? (text) => memo.writer?.write(text) : null, keyed) : null;
  let worst = -1;
  const bar = planMod.rank(failOn);
  let stats;
  let ok = false;
  try {
    const json = streamed === 'json' ? await import('./report/json.js') : null;
    const summary = streamed === 'json' ? new (await import('./report/common.js')).SummaryBuilder() : null;
    const sarif = streamed === 'sarif' ? new (await import('./report/sarif.js')).SarifWriter({ tool, target, catalogue: CATALOGUE, ...projectUris() }) : null;
    let count = 0;
    // Reports kept for a format written at the end: the heap is trimmed as they come, as a streamed report's is per piece.
    const trim = heapTrimmer();
    // The head goes out with the first entry (or at the end): a reused report replaces all of it.
    const head = sink && json ? json.jsonHead({ tool, target }) : (sarif?.head ?? '');
    stats = await scanStream(
      paths,
      {
        include: eff.include,
        exclude: eff.exclude,
        followSymlinks: flags.followSymlinks === true,
        libraryPath: eff.libraryPath,
        target,
        db,
        cache: flags.cache && staged === null ? { dir: defaultCacheDir(io.env), toolVersion: toolVersion() } : null,
        tune: host.tune,
        ...(memoAllowed
          ? {
              // Asked only when the cache was used for the whole tree (never for a hook's file
              // list); asked again with the walked tree's fingerprint when the tree the cache
              // file recorded turned out changed, so an earlier answer is dropped.
              reuse: (fingerprint: string, cacheFile: string) => {
                const key = cacheMod.memoKey(fingerprint, context);
                memo.cacheFile = cacheFile;
                // Asked again with the same key (the walk found the tree the record named, as
                // the report sees it): the memo checked the first time is still held open.
                if (memo.hit !== null && memo.hit.meta.key === key) return true;
                memo.writer?.abandon();
                memo.writer = null;
                cacheMod.closeMemo(memo.hit);
                memo.hit = cacheMod.readMemo(cacheFile, key);
                if (memo.hit === null) memo.writer = new cacheMod.MemoWriter(cacheFile, key);
                return memo.hit !== null;
              },
              ...(streamed === 'json'
                ? {
                    prior: (elfDigest: string, cacheFile: string) => {
                      elfMemo.digest = elfDigest;
                      elfMemo.prior = cacheMod.readPrior(cacheFile, contextId, elfDigest);
                      return elfMemo.prior;
                    },
                  }
                : {}),
            }
          : {}),
        jobs: flags.jobs,
        includeExports: flags.exports === true,
        suppress,
        cwd: io.cwd,
        ...(staged !== null ? { files: staged.files } : {}),
        onProgress: progress === null ? undefined : (n: number) => void (progress.text = `Scanning… ${n} files`),
      },
      streamed === 'json' ? 'json' : 'lean',
      (e) => {
        if (e.verdict !== null) worst = Math.max(worst, planMod.rank(e.verdict));
        if (sink && json && summary) {
          summary.add(e);
          const prefix = count++ === 0 ? head : ',';
          if (memo.writer !== null) recordEntry(memo.writer, elfMemo.entries, e, prefix);
          return sink.write(prefix + e.json!);
        }
        if (sink && sarif) {
          const results = sarif.results(e.report!);
          return results === '' ? undefined : sink.write(count++ === 0 ? head + results : results);
        }
        // Not-ELF files are only counted: no format lists them, the plan and the baseline skip them.
        if (e.kind === 'not-elf') notElf++;
        else reports.push(e.report!);
        if ((reports.length + notElf) % TRIM_EVERY === 0) trim();
        return undefined;
      },
    );
    if (sink && json && summary && !stats.reused) {
      const end = (count === 0 ? head : '') + json.jsonTail(summary.build(), count);
      memo.writer?.write(end);
      await sink.write(end);
    }
    if (sink && sarif && !stats.reused) await sink.write((count === 0 ? head : '') + sarif.tail());
    ok = true;
  } finally {
    progress?.stop();
    staged?.cleanup();
    if (elfMemo.prior !== null) cacheMod.closeMemo(elfMemo.prior);
    if (stats?.reused) await sink?.close(false);
    else await sink?.close(ok);
    if (!ok) memo.writer?.abandon();
  }
  let written = sink?.written ?? null;

  if (flags.stats !== undefined) {
    const { stringifyJson } = await import('./report/json.js');
    const { writeFile } = await import('node:fs/promises');
    const { resolve } = await import('node:path');
    await writeFile(resolve(io.cwd, flags.stats), stringifyJson(stats));
  }

  if (stats.reused && memo.hit !== null) {
    const { sha1 } = memo.hit.meta;
    try {
      const kept = keyed ? cacheMod.readOutputs(memo.cacheFile!, sha1) : [];
      const emitted = await emitFile(memo.hit.fd, memo.hit.meta.bytes, flags.output, io, { keyed, kept });
      if (keyed) cacheMod.recordOutput(memo.cacheFile!, sha1, resolvePath(io.cwd, flags.output!), emitted, kept);
    } finally {
      cacheMod.closeMemo(memo.hit);
    }
    return memo.hit.meta.exitCode;
  }
  cacheMod.closeMemo(memo.hit);

  if (flags.updateBaseline === true) {
    const { dirname } = await import('node:path');
    const file = eff.baseline!;
    const b = (await import('./plan/suppress.js')).baselineFromReports(reports, { cwd: io.cwd, base: dirname(file), tool });
    config.writeBaseline(file, b);
    await writeAll(io.stderr, `muslcheck: wrote ${b.findings.length} finding${b.findings.length === 1 ? '' : 's'} to the baseline ${config.displayPath(file, io.cwd)}\n`);
    return 0;
  }

  if (streamed === null) {
    let text: string;
    if (mode === 'plan') {
      const { formatPlan } = await import('./report/plan.js');
      text = formatPlan(planMod.treePlan(reports, target, db), { tool, target, format: flags.format as 'text' | 'json' | 'markdown' });
    } else {
      const plan = flags.format === 'text' ? planMod.treePlan(reports, target, db) : undefined;
      text = await formatScan(reports, flags, { tool, target, catalogue: CATALOGUE }, { plan, failOn, notElf });
    }
    memo.writer?.write(text);
    written = await emit(text, flags.output, io, keyed);
  }
  const code = worst >= bar ? 1 : 0;
  const stored = memo.writer?.commit(code, elfMemo.digest === null ? undefined : { context: contextId, elfDigest: elfMemo.digest, entries: elfMemo.entries }) ?? null;
  // The --output file holds the memo's bytes (recordEntry and the tee give the memo what the sink writes).
  if (stored !== null && written !== null) cacheMod.recordOutput(memo.cacheFile!, stored, resolvePath(io.cwd, flags.output!), written);
  return code;
}

/**
 * recordEntry gives the memo an entry of a streamed JSON report (after `prefix`, the
 * document's head or a comma) and, for an ELF file, indexes where it lies: the memo
 * encodes it once and says how many bytes it holds before and after.
 */
function recordEntry(writer: import('./scan/cache.js').MemoWriter, entries: import('./scan/cache.js').MemoEntries['entries'], e: import('./scan/pipeline.js').ScanEntry, prefix: string): void {
  writer.write(prefix);
  const at = writer.bytes;
  writer.write(e.json!);
  if (e.kind === 'elf' && e.verdict !== null) entries.push([e.path, at, writer.bytes - at, e.verdict, [...e.unresolved]]);
}

/**
 * renderContext is everything besides the tree's state that the report depends on: the
 * command and output options, the target, the gate, the accepted findings, the working
 * directory, and the package.json files above the scanned paths (a Node addon's plan
 * reads the nearest one, which may lie outside the tree).
 */
function renderContext(mode: string, flags: ScanFlags, target: string, failOn: Verdict, suppress: unknown, cwd: string, paths: readonly string[]): string {
  const packages: string[] = [];
  for (const p of paths) {
    for (let dir = resolvePath(cwd, p); ; ) {
      try {
        const st = statSync(joinPath(dir, 'package.json'));
        packages.push(`${dir}:${st.ino}:${st.size}:${st.mtimeMs}:${st.ctimeMs}`);
      } catch {
        /* none here */
      }
      const parent = dirnamePath(dir);
      if (parent === dir) break;
      dir = parent;
    }
  }
  return JSON.stringify({
    tool: toolVersion(),
    mode,
    format: flags.format,
    verbose: flags.verbose === true,
    exports: flags.exports === true,
    failOn,
    target,
    suppress,
    cwd,
    packages,
  });
}

/** EmitOptions tune emitFile. */
export interface EmitOptions {
  /** byName: copy to --output through the descriptor's name in /dev/fd (in the kernel) where the system has one; otherwise in chunks. */
  byName?: boolean;
  /** keyed: mark the --output file written and give its key (openSink's `keyed`). */
  keyed?: boolean;
  /** kept: the report files recorded as holding these bytes (readOutputs): one still under its key is kept (keptOutput). */
  kept?: readonly OutputRecord[];
}

/**
 * emitFile writes a stored report, read from the descriptor it was checked through (`bytes`
 * long), to `--output` (written beside it, then renamed into place) or to stdout (in chunks),
 * and gives the --output file's key when `keyed` and it vouches for its bytes (null
 * otherwise). A --output file that `kept` names and that is still under its key already
 * holds these bytes: it only gets the times a write would give it. Otherwise it is copied
 * (`byName`, or in chunks when that fails) and gets the mode a report written afresh gets
 * (created `w`: 0666 less the umask), not the private memo's 0600, which a copy by name
 * carries over.
 */
export async function emitFile(fd: number, bytes: number, output: string | undefined, io: CliIo, opts: EmitOptions = {}): Promise<FileKey | null> {
  const fs = await import('node:fs');
  if (output === undefined) {
    // Bytes, not text: a chunk boundary may fall inside a UTF-8 character.
    await eachChunk(fd, bytes, SINK_CHUNK, (chunk) => writeAll(io.stdout, Buffer.from(chunk)));
    return null;
  }
  const cache = await import('./scan/cache.js');
  const target = resolvePath(io.cwd, output);
  const record = opts.kept?.find((o) => o.path === target);
  if (record !== undefined) {
    const kept = keptOutput(fs, cache, target, bytes, record.file);
    if (kept !== undefined) return opts.keyed === true ? kept : null;
  }
  const tmp = tempBeside(target);
  try {
    // Created as openSink creates a report, for the mode that gives.
    const out = fs.openSync(tmp, 'w');
    try {
      const mode = fs.fstatSync(out).mode & 0o7777;
      if (!(opts.byName !== false && copiedByName(fs, fd, tmp, mode))) {
        // What a failed copy left is replaced, under the fresh report's mode.
        fs.ftruncateSync(out, 0);
        fs.fchmodSync(out, mode);
        await eachChunk(fd, bytes, 1 << 20, (chunk) => {
          for (let done = 0; done < chunk.length; ) done += fs.writeSync(out, chunk, done, chunk.length - done);
        });
      }
      const stamped = opts.keyed === true && cache.stampOutput(out);
      fs.renameSync(tmp, target);
      return stamped ? cache.keyVouchedThrough(out) : null;
    } finally {
      fs.closeSync(out);
    }
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

/**
 * keptOutput: when `target` is still the regular file (not a link) under `key`, `bytes`
 * long, it holds the report already; it gets the times a write would give it, and its new
 * key (null when that key cannot vouch for it). Undefined when it must be written.
 */
function keptOutput(fs: typeof import('node:fs'), cache: typeof import('./scan/cache.js'), target: string, bytes: number, key: FileKey): FileKey | null | undefined {
  /** still says whether what `stat` sees is the recorded file. */
  const still = (st: import('node:fs').Stats): boolean => {
    const now = cache.vouchingKey(st);
    return now !== null && st.size === bytes && cache.sameKey(now, key);
  };
  let fd: number;
  try {
    // Looked at before it is opened (opening a device has effects), then opened without
    // following a link or waiting on a FIFO swapped in since, and looked at again.
    if (!still(fs.lstatSync(target))) return undefined;
    fd = fs.openSync(target, fs.constants.O_RDONLY | fs.constants.O_NOFOLLOW | fs.constants.O_NONBLOCK);
  } catch {
    return undefined;
  }
  try {
    if (!still(fs.fstatSync(fd)) || !cache.stampOutput(fd)) return undefined;
    return cache.keyVouchedThrough(fd);
  } catch {
    return undefined;
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * copiedByName copies a stored report to `tmp` in the kernel, through its descriptor's name
 * in /dev/fd, and gives the copy `mode` (copyFileSync sets the source's: the memo's 0600);
 * false when either fails.
 */
function copiedByName(fs: typeof import('node:fs'), fd: number, tmp: string, mode: number): boolean {
  try {
    fs.copyFileSync(`/dev/fd/${fd}`, tmp);
    fs.chmodSync(tmp, mode);
    return true;
  } catch {
    return false;
  }
}

/** eachChunk reads `bytes` bytes from `fd` (positioned, from 0) in chunks of `size`, handing each to `use`. */
async function eachChunk(fd: number, bytes: number, size: number, use: (chunk: Buffer) => void | Promise<void>): Promise<void> {
  const { readSync } = await import('node:fs');
  const buf = Buffer.allocUnsafe(size);
  for (let at = 0; at < bytes; ) {
    const n = readSync(fd, buf, 0, Math.min(size, bytes - at), at);
    if (n === 0) throw new Error('the stored report was cut short');
    await use(buf.subarray(0, n));
    at += n;
  }
}

/**
 * formatScan renders a scan in a format written once every report is in: text or
 * Markdown (JSON and SARIF are written while the scan runs). The reports are lean (no
 * symbol lists) and leave out the not-ELF files, which `extra.notElf` counts.
 */
async function formatScan(
  reports: FileReport[],
  flags: ScanFlags,
  base: { tool: { name: string; version: string }; target: import('./db/types.js').TargetInfo; catalogue: import('./report/common.js').Catalogue },
  extra: { plan?: import('./report/text.js').PlanSummary; failOn?: Verdict; notElf?: number } = {},
): Promise<string> {
  if (flags.format === 'markdown') return (await import('./report/markdown.js')).formatMarkdown(reports, { ...base, notElf: extra.notElf });
  return (await import('./report/text.js')).formatText(reports, { ...base, verbose: flags.verbose === true, ...extra });
}

/** runExplain runs `explain`. */
async function runExplain(symbols: string[], flags: { target?: string; arch: string; format: string }, io: CliIo): Promise<number> {
  const [{ loadDatabase }, { explainSymbols }, { formatExplain }] = await Promise.all([
    import('./db/index.js'),
    import('./db/explain.js'),
    import('./report/explain.js'),
  ]);
  const db = loadDatabase();
  const target = resolveTarget(db, flags.target);
  if (!db.arches.includes(flags.arch)) throw new UsageError(`unknown arch '${flags.arch}' (known: ${db.arches.join(', ')})`);
  await writeAll(io.stdout, formatExplain(explainSymbols(db, symbols, target, flags.arch), { target, arch: flags.arch, format: flags.format as 'text' | 'json' }));
  return 0;
}

/** runDbList runs `db list`. */
async function runDbList(flags: { format: string }, io: CliIo): Promise<number> {
  const [{ loadDatabase }, { listDatabase }, { formatDbList }] = await Promise.all([
    import('./db/index.js'),
    import('./db/explain.js'),
    import('./report/db.js'),
  ]);
  await writeAll(io.stdout, formatDbList(listDatabase(loadDatabase()), flags.format as 'text' | 'json'));
  return 0;
}

/** errorMessage renders a thrown value without a stack. */
function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}

/**
 * main parses argv (as process.argv: node, script, args...), runs the command and
 * returns the exit code. It never throws: usage errors and tool errors are
 * printed to stderr and give 2. Set MUSLCHECK_DEBUG=1 to see stack traces. `host`: what
 * the command's launcher says of the process (CliHost).
 */
export async function main(argv: readonly string[], io: CliIo = processIo(), host: CliHost = {}): Promise<number> {
  const state: CliState = { exitCode: 0 };
  try {
    const program = buildProgram(io, state, host);
    await program.parseAsync([...argv]);
    return state.exitCode;
  } catch (e) {
    if (e instanceof CommanderError) {
      // commander has printed its message (and the hint); help and --version end with 0.
      return e.exitCode === 0 ? 0 : 2;
    }
    if (e instanceof UsageError || (e instanceof Error && e.name === 'ConfigError')) {
      await writeAll(io.stderr, `muslcheck: error: ${e.message}\n${HINT}\n`);
      return 2;
    }
    const detail = io.env.MUSLCHECK_DEBUG && e instanceof Error && e.stack ? `\n${e.stack}` : '';
    await writeAll(io.stderr, `muslcheck: error: ${errorMessage(e)}${detail}\n`);
    return 2;
  }
}
