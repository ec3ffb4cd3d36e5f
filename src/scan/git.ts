/**
 * git: the staged content of a repository, for `scan --staged` (pre-commit hooks).
 *
 * A commit records the index, not the working tree: a binary can be staged and then
 * changed (or deleted) before `git commit`. So the staged blobs are checked out into a
 * temporary directory with `git checkout-index --prefix`, which keeps the repository's
 * layout (RUNPATH and $ORIGIN between staged files still resolve), and the scan reads
 * those copies while reporting the repository paths. Two git processes in all, however
 * large the repository.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';

/** StagedFile is a staged path: as the report prints it, and where its staged content was written. */
export interface StagedFile {
  path: string;
  source: string;
}

/** StagedCheckout is the staged files of a repository, checked out into a temporary directory. */
export interface StagedCheckout {
  repoRoot: string;
  files: StagedFile[];
  /** cleanup removes the temporary directory. */
  cleanup(): void;
}

/** GitError is a failure to ask git (not a repository, git missing): a usage error for the CLI. */
export class GitError extends Error {
  override readonly name = 'GitError';
}

/** git runs a git command in `cwd` and returns its stdout. */
function git(cwd: string, args: string[], input?: string): string {
  try {
    return execFileSync('git', args, { cwd, encoding: 'utf8', input, stdio: ['pipe', 'pipe', 'pipe'], maxBuffer: 256 * 1024 * 1024 });
  } catch (e) {
    const err = e as { code?: string; stderr?: string; message: string };
    if (err.code === 'ENOENT') throw new GitError('--staged needs git, which was not found on PATH');
    const detail = (err.stderr ?? err.message).trim().split('\n')[0] ?? '';
    throw new GitError(`git ${args[0]} failed: ${detail}`);
  }
}

/**
 * checkoutStaged writes the staged content of every added, copied, modified or renamed
 * file (optionally limited to `pathspecs`) into a temporary directory. Paths in the
 * result are relative to `cwd`, as if the files had been named on the command line.
 */
export function checkoutStaged(cwd: string, pathspecs: readonly string[] = []): StagedCheckout {
  const repoRoot = git(cwd, ['rev-parse', '--show-toplevel']).trim();
  const staged = git(repoRoot, ['diff', '--cached', '--name-only', '-z', '--diff-filter=ACMR', '--no-renames', '--', ...pathspecs.map((p) => resolve(cwd, p))])
    .split('\0')
    .filter((p) => p !== '');
  const dir = mkdtempSync(join(tmpdir(), 'muslcheck-staged-'));
  const cleanup = (): void => rmSync(dir, { recursive: true, force: true });
  try {
    if (staged.length > 0) git(repoRoot, ['checkout-index', '-z', '--stdin', `--prefix=${dir}/`], staged.join('\0') + '\0');
  } catch (e) {
    cleanup();
    throw e;
  }
  const files = staged.map((p) => ({ path: relative(cwd, join(repoRoot, p)) || p, source: join(dir, p) })).sort((a, b) => (a.path < b.path ? -1 : a.path > b.path ? 1 : 0));
  return { repoRoot, files, cleanup };
}
