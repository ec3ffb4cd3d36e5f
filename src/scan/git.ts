/**
 * git: the staged content of a repository, for `scan --staged` (pre-commit hooks).
 *
 * A commit records the index, not the working tree: a binary can be staged and then
 * changed (or deleted) before `git commit`. So each staged file is read where its staged
 * content is: from the working tree when the file there is a regular file whose content
 * git would store as the very blob staged (its object id, worked out here from its
 * bytes), and otherwise from a copy written out of the index with `git checkout-index
 * --prefix` into a temporary directory, which keeps the repository's layout. The report
 * names repository paths either way, and the library lookups use them. Two git
 * processes, run together, when every staged file is as staged in the working tree (what
 * a pre-commit hook usually finds: the pre-commit framework stashes unstaged changes
 * first); a third writes the copies when some are not.
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { closeSync, fstatSync, lstatSync, mkdtempSync, openSync, readSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { OPEN_FLAGS } from '../elf/source.js';

/** StagedFile is a staged path: as the report prints it, and where its staged content is read from. */
export interface StagedFile {
  path: string;
  source: string;
}

/** StagedCheckout is the staged files of a repository, each with where its staged content lies. */
export interface StagedCheckout {
  files: StagedFile[];
  /** how many staged files were written out of the index (the others are read in the working tree). */
  checkedOut: number;
  /** cleanup removes the temporary directory, if one was made. */
  cleanup(): void;
}

/** GitError is a failure to ask git (not a repository, git missing): a usage error for the CLI. */
export class GitError extends Error {
  override readonly name = 'GitError';
}

/** StagedEntry is one line of `git diff --cached --raw`: a staged path, its mode and its blob's object id. */
export interface StagedEntry {
  path: string;
  mode: string;
  blob: string;
}

/** REGULAR_MODES are the index modes of regular files (the others: symbolic links, submodules). */
const REGULAR_MODES: ReadonlySet<string> = new Set(['100644', '100755']);

/** HASH_CHUNK is how much of a working-tree file is read at a time to work out its object id. */
const HASH_CHUNK = 1 << 20;

/** git runs `git [-c config...] command args...` in `cwd` and resolves with its stdout. */
function git(cwd: string, command: string, args: string[], opts: { config?: string[]; input?: string } = {}): Promise<string> {
  const argv = [...(opts.config ?? []).flatMap((c) => ['-c', c]), command, ...args];
  return new Promise((done, fail) => {
    const child = execFile('git', argv, { cwd, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 }, (e, stdout, stderr) => {
      if (e === null) return done(stdout);
      const err = e as { code?: unknown; message: string };
      if (err.code === 'ENOENT') return fail(new GitError('--staged needs git, which was not found on PATH'));
      const detail = (stderr || err.message).trim().split('\n')[0] ?? '';
      fail(new GitError(`git ${command} failed: ${detail}`));
    });
    child.stdin?.end(opts.input);
  });
}

/**
 * parseRawDiff reads `git diff --raw -z --no-abbrev --no-renames`: per entry
 * `:<old mode> <new mode> <old id> <new id> <status>` NUL `<path>` NUL.
 */
export function parseRawDiff(text: string): StagedEntry[] {
  const parts = text.split('\0');
  const out: StagedEntry[] = [];
  for (let i = 0; i + 1 < parts.length; i += 2) {
    const meta = parts[i]!.split(' ');
    if (!meta[0]?.startsWith(':') || meta.length < 5) throw new GitError(`git diff printed an entry it should not have: ${JSON.stringify(parts[i])}`);
    out.push({ path: parts[i + 1]!, mode: meta[1]!, blob: meta[3]! });
  }
  return out;
}

/**
 * blobId works out the object id git gives a file's bytes (`git hash-object`, without
 * filters): SHA-1, or SHA-256 when `like` is 64 digits long (a SHA-256 repository), of
 * `blob <size>\0` and the bytes, read in chunks. Null when `path` is not a regular file
 * now or cannot be read.
 */
export function blobId(path: string, like: string): string | null {
  let fd: number;
  try {
    if (!lstatSync(path).isFile()) return null;
    fd = openSync(path, OPEN_FLAGS);
  } catch {
    return null;
  }
  try {
    const st = fstatSync(fd);
    if (!st.isFile()) return null;
    const h = createHash(like.length === 64 ? 'sha256' : 'sha1').update(`blob ${st.size}\0`);
    const buf = Buffer.allocUnsafe(Math.min(HASH_CHUNK, Math.max(1, st.size)));
    let at = 0;
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, at);
      if (n === 0) break;
      h.update(buf.subarray(0, n));
      at += n;
    }
    // A file that grew or shrank while it was read is not the staged blob.
    return at === st.size ? h.digest('hex') : null;
  } catch {
    return null;
  } finally {
    closeSync(fd);
  }
}

/**
 * checkoutStaged finds the staged content of every added, copied, modified or renamed
 * file (optionally limited to `pathspecs`): in the working tree where the file there is
 * the staged blob, otherwise written out of the index into a temporary directory. Paths
 * in the result are relative to `cwd`, as if the files had been named on the command line.
 */
export async function checkoutStaged(cwd: string, pathspecs: readonly string[] = []): Promise<StagedCheckout> {
  // Both from `cwd`: `diff --cached` names paths from the top whatever the directory,
  // unless diff.relative is set, which is turned off here.
  const [top, raw] = await Promise.all([
    git(cwd, 'rev-parse', ['--show-toplevel']),
    git(cwd, 'diff', ['--cached', '--raw', '-z', '--no-abbrev', '--diff-filter=ACMR', '--no-renames', '--', ...pathspecs.map((p) => resolve(cwd, p))], { config: ['diff.relative=false'] }),
  ]);
  const repoRoot = top.trim();
  const staged = parseRawDiff(raw);
  const inPlace = new Set(staged.filter((e) => REGULAR_MODES.has(e.mode) && blobId(join(repoRoot, e.path), e.blob) === e.blob).map((e) => e.path));
  const fromIndex = staged.filter((e) => !inPlace.has(e.path)).map((e) => e.path);
  let dir: string | null = null;
  const cleanup = (): void => {
    if (dir !== null) rmSync(dir, { recursive: true, force: true });
  };
  if (fromIndex.length > 0) {
    dir = mkdtempSync(join(tmpdir(), 'muslcheck-staged-'));
    try {
      await git(repoRoot, 'checkout-index', ['-z', '--stdin', `--prefix=${dir}/`], { input: fromIndex.join('\0') + '\0' });
    } catch (e) {
      cleanup();
      throw e;
    }
  }
  const files = staged
    .map(({ path: p }) => ({ path: relative(cwd, join(repoRoot, p)) || p, source: inPlace.has(p) ? join(repoRoot, p) : join(dir!, p) }))
    .sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { files, checkedOut: fromIndex.length, cleanup };
}
