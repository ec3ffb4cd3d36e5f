/**
 * tracked: every file build.sh writes under samples/bin must be committed. A sample that
 * exists only on the machine that built it (an over-broad .gitignore once hid
 * samples/bin/node_modules) makes the goldens pass locally and fail in CI.
 */
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '..', '..');
const BIN = join(ROOT, 'samples', 'bin');

/** filesBelow lists every file below dir, relative to the repository root, sorted. */
function filesBelow(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => relative(ROOT, join(d.parentPath, d.name)))
    .sort();
}

/** gitKnows says whether the checkout is a git work tree (a packed tarball is not). */
function gitKnows(): boolean {
  try {
    execFileSync('git', ['rev-parse', '--is-inside-work-tree'], { cwd: ROOT, stdio: 'pipe' });
    return true;
  } catch {
    return false;
  }
}

describe.skipIf(!gitKnows())('samples/bin', () => {
  it('has no file that git ignores', () => {
    const ignored = execFileSync('git', ['ls-files', '--others', '--ignored', '--exclude-standard', '--', 'samples/bin'], {
      cwd: ROOT,
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean);
    expect(ignored).toEqual([]);
  });

  it('holds the Node addon sample under node_modules', () => {
    expect(filesBelow(BIN)).toContain('samples/bin/node_modules/@demo/addon-linux-x64-gnu/addon.node');
  });
});
