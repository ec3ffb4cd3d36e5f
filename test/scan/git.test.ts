/**
 * git.test: where `scan --staged` reads each staged file's content. A file whose working
 * copy is the staged blob (by object id, worked out from its bytes) is read in place; any
 * other (changed or deleted after `git add`, a symbolic link) is written out of the index.
 * Either way the bytes read are the staged ones. Also the raw diff parser and the object
 * id against `git hash-object`.
 */
import { execFileSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { blobId, checkoutStaged, GitError, parseRawDiff } from '../../src/scan/git.js';

const base = mkdtempSync(join(tmpdir(), 'muslcheck-gitunit-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const SAMPLE = join(import.meta.dirname, '../../samples/bin/fcntl64');

/** newRepo makes a repository with one commit (`init.c`); `format` picks the object format. */
function newRepo(format: 'sha1' | 'sha256' = 'sha1'): { dir: string; git: (...args: string[]) => string } {
  const dir = mkdtempSync(join(base, 'repo-'));
  const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@t', ...args], { cwd: dir, encoding: 'utf8' });
  git('init', '-q', `--object-format=${format}`);
  writeFileSync(join(dir, 'init.c'), 'int main(void) { return 0; }\n');
  git('add', '.');
  git('commit', '-q', '-m', 'init');
  return { dir, git };
}

describe('parseRawDiff', () => {
  const id = (c: string): string => c.repeat(40);
  it.each([
    { name: 'nothing staged', raw: '', want: [] },
    { name: 'an added file', raw: `:000000 100755 ${id('0')} ${id('a')} A\0bin/app\0`, want: [{ path: 'bin/app', mode: '100755', blob: id('a') }] },
    {
      name: 'a modified file and a symbolic link',
      raw: `:100644 100644 ${id('1')} ${id('2')} M\0a b.c\0:000000 120000 ${id('0')} ${id('3')} A\0link\0`,
      want: [
        { path: 'a b.c', mode: '100644', blob: id('2') },
        { path: 'link', mode: '120000', blob: id('3') },
      ],
    },
    { name: 'a path with a newline (-z keeps it whole)', raw: `:000000 100644 ${id('0')} ${id('4')} A\0odd\nname\0`, want: [{ path: 'odd\nname', mode: '100644', blob: id('4') }] },
  ])('$name', ({ raw, want }) => {
    expect(parseRawDiff(raw)).toEqual(want);
  });

  it('an entry it cannot read is a GitError', () => {
    expect(() => parseRawDiff('bin/app\0:x\0')).toThrow(GitError);
  });
});

describe('blobId', () => {
  const { dir, git } = newRepo();
  const big = Buffer.alloc(3 * 1024 * 1024 + 17, 7);
  big.write('\x7fELF', 0, 'latin1');
  it.each([
    { name: 'empty', bytes: Buffer.alloc(0) },
    { name: 'text', bytes: Buffer.from('int f(void) { return 1; }\n') },
    { name: 'an ELF sample', bytes: readFileSync(SAMPLE) },
    { name: 'larger than one read (3 MiB and 17 bytes)', bytes: big },
  ])('is what `git hash-object` says: $name', ({ bytes }) => {
    const p = join(dir, 'f');
    writeFileSync(p, bytes);
    const want = git('hash-object', 'f').trim();
    expect(blobId(p, want)).toBe(want);
  });

  it('is SHA-256 in a SHA-256 repository', () => {
    const r = newRepo('sha256');
    const want = r.git('hash-object', 'init.c').trim();
    expect(want).toHaveLength(64);
    expect(blobId(join(r.dir, 'init.c'), want)).toBe(want);
  });

  it('is null for what is not a regular file', () => {
    mkdirSync(join(dir, 'sub'));
    symlinkSync('init.c', join(dir, 'ln'));
    expect(blobId(join(dir, 'sub'), '0'.repeat(40))).toBeNull();
    expect(blobId(join(dir, 'ln'), '0'.repeat(40))).toBeNull();
    expect(blobId(join(dir, 'missing'), '0'.repeat(40))).toBeNull();
  });
});

describe('checkoutStaged: each staged file read where its staged content is', () => {
  /** Case: files staged, then what happens to the working tree before the hook runs. */
  const cases: Array<{ name: string; after: (dir: string) => void; inPlace: boolean }> = [
    { name: 'unchanged since `git add`', after: () => undefined, inPlace: true },
    { name: 'only its mode changed since', after: (d) => chmodSync(join(d, 'app'), 0o644), inPlace: true },
    { name: 'rewritten with the same bytes (new mtime)', after: (d) => writeFileSync(join(d, 'app'), readFileSync(SAMPLE)), inPlace: true },
    { name: 'changed since', after: (d) => writeFileSync(join(d, 'app'), 'changed\n'), inPlace: false },
    { name: 'deleted since', after: (d) => unlinkSync(join(d, 'app')), inPlace: false },
    { name: 'replaced by a directory since', after: (d) => (unlinkSync(join(d, 'app')), mkdirSync(join(d, 'app'))), inPlace: false },
  ];
  it.each(cases)('$name', async ({ after, inPlace }) => {
    const { dir, git } = newRepo();
    copyFileSync(SAMPLE, join(dir, 'app'));
    git('add', 'app');
    after(dir);
    const c = await checkoutStaged(dir);
    try {
      expect(c.files.map((f) => f.path)).toEqual(['app']);
      expect(c.checkedOut).toBe(inPlace ? 0 : 1);
      expect(c.files[0]!.source).toEqual(inPlace ? join(dir, 'app') : expect.not.stringContaining(dir));
      expect(readFileSync(c.files[0]!.source).equals(readFileSync(SAMPLE))).toBe(true);
    } finally {
      c.cleanup();
    }
  });

  it('a staged symbolic link is written out of the index, as before', async () => {
    const { dir, git } = newRepo();
    symlinkSync('init.c', join(dir, 'ln'));
    git('add', 'ln');
    const c = await checkoutStaged(dir);
    try {
      expect(c.checkedOut).toBe(1);
      expect(c.files).toEqual([{ path: 'ln', source: expect.not.stringContaining(dir) }]);
    } finally {
      c.cleanup();
    }
  });

  it('mixed: paths relative to a subdirectory, pathspecs limit, the copies removed by cleanup', async () => {
    const { dir, git } = newRepo();
    mkdirSync(join(dir, 'src'));
    copyFileSync(SAMPLE, join(dir, 'src/a'));
    copyFileSync(SAMPLE, join(dir, 'b'));
    git('add', 'src/a', 'b');
    writeFileSync(join(dir, 'b'), 'edited after git add\n');
    const c = await checkoutStaged(join(dir, 'src'));
    expect(c.files.map((f) => f.path)).toEqual(['../b', 'a']);
    expect(c.checkedOut).toBe(1);
    const copy = c.files[0]!.source;
    expect(readFileSync(copy).equals(readFileSync(SAMPLE))).toBe(true);
    c.cleanup();
    expect(() => readFileSync(copy)).toThrow();
    const only = await checkoutStaged(join(dir, 'src'), ['a']);
    expect(only.files).toEqual([{ path: 'a', source: join(dir, 'src/a') }]);
    expect(only.checkedOut).toBe(0);
    only.cleanup();
  });

  it('outside a repository: a GitError', async () => {
    await expect(checkoutStaged(mkdtempSync(join(base, 'plain-')))).rejects.toThrow(GitError);
  });
});
