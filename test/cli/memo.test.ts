/**
 * memo.test: the report memo, end to end through the CLI. A re-scan of an unchanged tree
 * with the same options writes the same report (stdout or --output) with the same exit
 * code without analysing anything, and so does one after a file that is not ELF was edited
 * (its entry is its path alone); any change that could change the report (a binary, a new
 * or removed file, the format, a flag, the target, an allowlist rule, the working
 * directory) is a miss; a
 * corrupt memo is ignored; --no-cache keeps none. Once the cache file records the whole
 * walk, a re-scan only verifies every key (`verified`, no walk), and any change to the
 * tree makes it walk again and report what a scan without the cache reports.
 */
import { spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { BIN, REPO, assertBuilt, cliEnv } from './run.js';

assertBuilt();
const base = mkdtempSync(join(tmpdir(), 'muslcheck-memo-'));
afterAll(() => rmSync(base, { recursive: true, force: true }));
const OLD = new Date(Date.now() - 3_600_000);
let tree = '';
let cacheDir = '';

/** Stats are the --stats figures these tests read. */
interface Stats {
  reused: boolean;
  verified: boolean;
  cacheHits: number;
  files: number;
  elfFiles: number;
  entriesReused: number;
}

/** scan runs the CLI in `cwd` (default: the tree's parent) and returns its output, exit code and stats. */
function scan(args: string[], cwd = base): { code: number | null; stdout: string; stats: Stats } {
  const statsFile = join(base, `stats-${Math.random().toString(36).slice(2)}.json`);
  const r = spawnSync(process.execPath, [join(REPO, BIN), 'scan', ...args, '--stats', statsFile], { cwd, env: cliEnv({ MUSLCHECK_CACHE_DIR: cacheDir }), encoding: 'utf8', timeout: 60_000 });
  const stats = JSON.parse(readFileSync(statsFile, 'utf8')) as Stats;
  return { code: r.status, stdout: r.stdout, stats };
}

beforeEach(() => {
  tree = mkdtempSync(join(base, 'tree-'));
  cacheDir = mkdtempSync(join(base, 'cache-'));
  mkdirSync(join(tree, 'lib'));
  for (const [from, to] of [
    ['samples/bin/fcntl64', 'fcntl64'],
    ['samples/bin/fortify', 'fortify'],
    ['samples/bin/lib/libbundle.so.1', 'lib/libbundle.so.1'],
  ]) {
    copyFileSync(join(REPO, from!), join(tree, to!));
    utimesSync(join(tree, to!), OLD, OLD);
  }
  writeFileSync(join(tree, 'notes.txt'), 'text\n');
  utimesSync(join(tree, 'notes.txt'), OLD, OLD);
});

/** flipLastByte is a copy of `b` with its last byte changed (an edit in place that keeps the size). */
function flipLastByte(b: Buffer): Buffer {
  const c = Buffer.from(b);
  c[c.length - 1] ^= 0xff;
  return c;
}

/** settle dates the tree's directories back, as if made long before the scan (a directory changed within RACY_MS keeps no listing). */
function settle(): void {
  for (const d of [tree, join(tree, 'lib')]) utimesSync(d, OLD, OLD);
}

describe('report memo', () => {
  it.each([
    ['json', ['--format', 'json']],
    ['text', []],
    ['sarif', ['--format', 'sarif']],
  ])('a second %s scan of an unchanged tree is the same report, exit code included, without analysis', (_f, fmt) => {
    const first = scan([tree, ...fmt]);
    const second = scan([tree, ...fmt]);
    expect(first.stats.reused).toBe(false);
    expect(second.stats.reused).toBe(true);
    expect(second.stdout).toBe(first.stdout);
    expect(second.code).toBe(first.code);
    expect(first.code).toBe(1); // fcntl64 needs a rebuild
  });

  it('--output gets the same bytes', () => {
    const a = join(base, 'a.json');
    const b = join(base, 'b.json');
    scan([tree, '--format', 'json', '--output', a]);
    const second = scan([tree, '--format', 'json', '--output', b]);
    expect(second.stats.reused).toBe(true);
    expect(readFileSync(b, 'utf8')).toBe(readFileSync(a, 'utf8'));
    // The mode a report written afresh gets, not the private memo's 0600.
    expect(statSync(b).mode & 0o777).toBe(statSync(a).mode & 0o777);
  });

  it.each([
    ['a changed binary', () => copyFileSync(join(REPO, 'samples/bin/hello-musl'), join(tree, 'fortify')), [] as string[]],
    ['a new file', () => writeFileSync(join(tree, 'new.txt'), 'x'), []],
    ['a removed file', () => rmSync(join(tree, 'notes.txt')), []],
    [
      'a file moved to a new directory',
      () => {
        mkdirSync(join(tree, 'moved'));
        renameSync(join(tree, 'notes.txt'), join(tree, 'moved', 'notes.txt'));
      },
      [],
    ],
    ['another format', () => undefined, ['--format', 'markdown']],
    ['--verbose', () => undefined, ['--verbose']],
    ['another target', () => undefined, ['--target', 'alpine:3.17']],
    ['another gate', () => undefined, ['--fail-on', 'gcompat']],
    ['an allowlist', () => writeFileSync(join(base, '.muslcheckrc.json'), JSON.stringify({ allow: [{ path: '**/fcntl64', reason: 'known' }] })), []],
  ])('%s is a miss', (_name, change, extra) => {
    const first = scan([tree]);
    expect(first.stats.reused).toBe(false);
    change();
    for (const f of ['notes.txt', 'new.txt', 'fortify']) {
      try {
        utimesSync(join(tree, f), OLD, new Date(OLD.getTime() + 120_000));
      } catch {
        /* not there */
      }
    }
    const second = scan([tree, ...extra]);
    rmSync(join(base, '.muslcheckrc.json'), { force: true });
    expect(second.stats.reused).toBe(false);
  });

  it.each([
    ['edited', () => writeFileSync(join(tree, 'notes.txt'), 'changed, and older than the scan\n')],
    ['turned into a script', () => writeFileSync(join(tree, 'notes.txt'), '#!/bin/sh\necho hi\n')],
  ])('a file that is not ELF %s is a hit: the report holds its path alone', (_name, change) => {
    const first = scan([tree, '--format', 'json']);
    change();
    utimesSync(join(tree, 'notes.txt'), OLD, new Date(OLD.getTime() + 120_000));
    const second = scan([tree, '--format', 'json']);
    expect(second.stats.reused).toBe(true);
    expect(second.stdout).toBe(first.stdout);
    expect(second.stdout).toBe(scan([tree, '--format', 'json', '--no-cache']).stdout);
  });

  it('a file that is not ELF turned into an ELF file is a miss', () => {
    scan([tree, '--format', 'json']);
    copyFileSync(join(REPO, 'samples/bin/hello-musl'), join(tree, 'notes.txt'));
    utimesSync(join(tree, 'notes.txt'), OLD, new Date(OLD.getTime() + 120_000));
    const second = scan([tree, '--format', 'json']);
    expect(second.stats.reused).toBe(false);
    expect(second.stdout).toBe(scan([tree, '--format', 'json', '--no-cache']).stdout);
  });

  it('a scan of the same tree from another working directory reports its own paths, not the memo', () => {
    const fromBase = scan(['tree' + tree.slice(join(base, 'tree').length)]);
    const fromTree = scan(['.'], tree);
    const fresh = scan(['.', '--no-cache'], tree);
    expect(fromTree.stats.reused).toBe(false);
    expect(fromTree.stdout).toBe(fresh.stdout);
    expect(fromTree.stdout).not.toBe(fromBase.stdout);
  });

  it('a corrupt memo is ignored, and replaced', () => {
    const first = scan([tree, '--format', 'json']);
    const memo = readdirSync(cacheDir).find((n) => n.endsWith('.memo'))!;
    const bytes = readFileSync(join(cacheDir, memo));
    bytes[Math.floor(bytes.length / 2)] ^= 0xff;
    writeFileSync(join(cacheDir, memo), bytes);
    const second = scan([tree, '--format', 'json']);
    expect(second.stats.reused).toBe(false);
    expect(second.stdout).toBe(first.stdout);
    expect(scan([tree, '--format', 'json']).stats.reused).toBe(true);
  });

  it('--no-cache keeps no memo', () => {
    scan([tree, '--no-cache']);
    expect(readdirSync(cacheDir)).toEqual([]);
    expect(scan([tree, '--no-cache']).stats.reused).toBe(false);
  });

  it('once the cache file records the whole walk, a re-scan only verifies the keys: same report, no walk', () => {
    settle();
    const first = scan([tree, '--format', 'json']);
    const second = scan([tree, '--format', 'json']);
    const third = scan([tree, '--format', 'json']);
    expect(first.stats.verified).toBe(false);
    expect([second.stats.verified, second.stats.reused, third.stats.verified]).toEqual([true, true, true]);
    expect(second.stats.files).toBe(first.stats.files);
    expect(second.stats.cacheHits).toBe(first.stats.files);
    expect(second.stdout).toBe(first.stdout);
    expect(second.code).toBe(first.code);
  });

  it('a directory changed just before the first scan keeps no listing, so the next scan walks, and the one after verifies', () => {
    const first = scan([tree]); // the tree's directories are seconds old: racy
    const second = scan([tree]);
    settle();
    const third = scan([tree]);
    const fourth = scan([tree]);
    expect([first.stats.verified, second.stats.verified, third.stats.verified, fourth.stats.verified]).toEqual([false, false, false, true]);
    expect(fourth.stdout).toBe(first.stdout);
  });

  const later = (f: string): void => utimesSync(f, OLD, new Date(OLD.getTime() + 120_000));
  it.each([
    ['a text file edited in place (same size)', () => (writeFileSync(join(tree, 'notes.txt'), 'TEXT\n'), later(join(tree, 'notes.txt')))],
    ['a text file with only a new ctime (chmod)', () => chmodSync(join(tree, 'notes.txt'), 0o600)],
    ['a text file saved by a rename over it', () => (writeFileSync(join(tree, '.notes.tmp'), 'saved\n'), renameSync(join(tree, '.notes.tmp'), join(tree, 'notes.txt')))],
  ])('after %s, the tree is still verified (the report shows the file by its path alone): the same report', (_name, change) => {
    settle();
    const first = scan([tree, '--format', 'json']);
    expect(scan([tree, '--format', 'json']).stats.verified).toBe(true);
    change();
    const after = scan([tree, '--format', 'json']);
    expect(after.stats.verified).toBe(true);
    expect(after.stdout).toBe(first.stdout);
    expect(after.stdout).toBe(scan([tree, '--format', 'json', '--no-cache']).stdout);
  });

  it.each([
    ['a binary edited in place (same size)', () => (writeFileSync(join(tree, 'fortify'), flipLastByte(readFileSync(join(tree, 'fortify')))), later(join(tree, 'fortify')))],
    ['a binary replaced by a text file of another size', () => (writeFileSync(join(tree, 'fortify'), 'now a script\n'), later(join(tree, 'fortify')))],
    ['a binary with only a new ctime (chmod)', () => chmodSync(join(tree, 'fortify'), 0o700)],
    ['a text file that became ELF', () => (copyFileSync(join(REPO, 'samples/bin/hello-musl'), join(tree, 'notes.txt')), later(join(tree, 'notes.txt')))],
    ['a new file in a subdirectory', () => (writeFileSync(join(tree, 'lib', 'new.txt'), 'x'), later(join(tree, 'lib', 'new.txt')))],
    ['a removed library', () => rmSync(join(tree, 'lib', 'libbundle.so.1'))],
    ['a file replaced by a directory', () => (rmSync(join(tree, 'notes.txt')), mkdirSync(join(tree, 'notes.txt')))],
    ['a file replaced by a link', () => (rmSync(join(tree, 'notes.txt')), symlinkSync('fortify', join(tree, 'notes.txt')))],
    ['a removed subdirectory', () => rmSync(join(tree, 'lib'), { recursive: true })],
  ])('after %s, a verified tree is walked again and reported as a scan without the cache reports it', (_name, change) => {
    settle();
    scan([tree, '--format', 'json']);
    expect(scan([tree, '--format', 'json']).stats.verified).toBe(true);
    change();
    const after = scan([tree, '--format', 'json']);
    const fresh = scan([tree, '--format', 'json', '--no-cache']);
    expect(after.stats.verified).toBe(false);
    expect(after.stdout).toBe(fresh.stdout);
    expect(after.code).toBe(fresh.code);
  });

  it('the same path spelled another way (a trailing slash) is the same walk: verified', () => {
    settle();
    const first = scan([tree]);
    const again = scan([`${tree}/`]);
    expect(again.stats.verified).toBe(true);
    expect(again.stdout).toBe(first.stdout);
  });

  it('another walk of the same tree (other globs) is not verified from a record of the first', () => {
    settle();
    scan([tree]);
    expect(scan([tree]).stats.verified).toBe(true);
    const narrowed = scan([tree, '--exclude', 'lib/**']);
    expect(narrowed.stats.verified).toBe(false);
    expect(narrowed.stdout).toBe(scan([tree, '--exclude', 'lib/**', '--no-cache']).stdout);
  });
});

describe('an --output file the memo\'s bytes were written to (MemoOutputs)', () => {
  /** outputs runs three scans of the tree into `out`, changing the file with `change` before the third; the file as each left it. */
  const written = (out: string, format: string): { ino: number; mtimeMs: number; ctimeMs: number; mode: number; text: string; reused: boolean } => {
    const r = scan([tree, '--format', format, '--output', out]);
    const st = statSync(out);
    return { ino: st.ino, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs, mode: st.mode & 0o777, text: readFileSync(out, 'utf8'), reused: r.stats.reused };
  };

  it.each(['json', 'sarif', 'text'])('%s: a re-scan that would write the same bytes finds the file as written and only sets its times', (format) => {
    const out = join(base, `kept.${format}`);
    const first = written(out, format);
    const second = written(out, format);
    const third = written(out, format);
    expect([second.reused, third.reused]).toEqual([true, true]);
    expect([second.ino, third.ino]).toEqual([first.ino, first.ino]);
    expect([second.text, third.text]).toEqual([first.text, first.text]);
    // The times a write would give it: later each run, mtime before ctime (what lets the key vouch for the bytes).
    expect(second.mtimeMs).toBeGreaterThan(first.mtimeMs);
    expect(third.mtimeMs).toBeGreaterThan(second.mtimeMs);
    expect(third.mtimeMs).toBeLessThan(third.ctimeMs);
    expect(Date.now() - third.mtimeMs).toBeLessThan(60_000);
  });

  it.each([
    ['edited in place, same size', (out: string) => writeFileSync(out, flipLastByte(readFileSync(out)))],
    ['edited in place, its times put back', (out: string) => {
      const st = statSync(out);
      writeFileSync(out, flipLastByte(readFileSync(out)));
      utimesSync(out, st.atime, st.mtime);
    }],
    ['replaced by a copy of itself with the same times', (out: string) => {
      const st = statSync(out);
      copyFileSync(out, `${out}.copy`);
      utimesSync(`${out}.copy`, st.atime, st.mtime);
      renameSync(`${out}.copy`, out);
    }],
    ['made private (chmod)', (out: string) => chmodSync(out, 0o600)],
    ['replaced by a FIFO (nothing waits on it)', (out: string) => {
      rmSync(out);
      expect(spawnSync('mkfifo', [out]).status).toBe(0);
    }],
    ['replaced by a link to a copy', (out: string) => {
      copyFileSync(out, `${out}.target`);
      rmSync(out);
      symlinkSync(`${out}.target`, out);
    }],
  ])('a file %s is written again: the report\'s bytes, as a fresh report', (_name, change) => {
    const out = join(base, `changed-${Math.random().toString(36).slice(2)}.json`);
    const first = written(out, 'json');
    expect(written(out, 'json').ino).toBe(first.ino);
    change(out);
    // Written afresh: renamed over what the change left, so another inode than that one
    // (not necessarily than the first: a file replaced since frees its number for reuse).
    const changed = lstatSync(out).ino;
    const after = written(out, 'json');
    expect(after.reused).toBe(true);
    expect(after.text).toBe(first.text);
    expect(after.mode).toBe(first.mode);
    expect(lstatSync(out).isFile()).toBe(true);
    expect(after.ino).not.toBe(changed);
    // Written again under a key of its own: the next run keeps it.
    expect(written(out, 'json').ino).toBe(after.ino);
  });

  it('another --output path is written, not taken for the one recorded', () => {
    const a = join(base, 'one.json');
    const b = join(base, 'two.json');
    const first = written(a, 'json');
    const other = written(b, 'json');
    expect(other.ino).not.toBe(first.ino);
    expect(other.text).toBe(first.text);
    // Both are recorded now.
    expect([written(a, 'json').ino, written(b, 'json').ino]).toEqual([first.ino, other.ino]);
  });

  it('a changed tree writes its own report, which is recorded in turn', () => {
    const out = join(base, 'tree-changed.json');
    const first = written(out, 'json');
    writeFileSync(join(tree, 'new.txt'), 'x');
    const changed = written(out, 'json');
    expect(changed.reused).toBe(false);
    expect(changed.text).not.toBe(first.text);
    const again = written(out, 'json');
    expect([again.reused, again.ino, again.text]).toEqual([true, changed.ino, changed.text]);
  });

  it('--no-cache writes the file afresh and keeps no record', () => {
    const out = join(base, 'nocache.json');
    const first = scan([tree, '--format', 'json', '--output', out, '--no-cache']);
    const ino = statSync(out).ino;
    expect(first.stats.reused).toBe(false);
    scan([tree, '--format', 'json', '--output', out, '--no-cache']);
    expect(statSync(out).ino).not.toBe(ino);
    expect(readdirSync(cacheDir)).toEqual([]);
  });
});

describe('the last report\'s ELF entries', () => {
  // A JSON re-scan whose ELF files, package.json files and options are all as they were
  // writes the last report's ELF entries instead of analysing: it must print what a scan
  // without the cache prints. Anything an ELF file's analysis reads must be a miss.
  const later = (f: string): void => utimesSync(f, OLD, new Date(OLD.getTime() + 120_000));
  it.each([
    ['a text file added', true, () => (writeFileSync(join(tree, 'lib', 'README'), 'x'), later(join(tree, 'lib', 'README'))), [] as string[]],
    ['a text file removed', true, () => rmSync(join(tree, 'notes.txt')), []],
    ['a binary edited (new mtime)', false, () => later(join(tree, 'fortify')), []],
    ['a binary replaced by another', false, () => (copyFileSync(join(REPO, 'samples/bin/hello-musl'), join(tree, 'fortify')), later(join(tree, 'fortify'))), []],
    ['a library removed (what loads it finds nothing now)', false, () => rmSync(join(tree, 'lib', 'libbundle.so.1')), []],
    ['a binary added', false, () => (copyFileSync(join(REPO, 'samples/bin/hello-musl'), join(tree, 'hello')), later(join(tree, 'hello'))), []],
    // Inside the tree, below the scanned folder: only the ELF inputs' digest sees it (the report's context covers the folders above).
    ['a package.json added beside a library', false, () => (writeFileSync(join(tree, 'lib', 'package.json'), '{"name":"x"}'), later(join(tree, 'lib', 'package.json'))), []],
    ['a package.json added above the binaries', false, () => (writeFileSync(join(tree, 'package.json'), '{"name":"x"}'), later(join(tree, 'package.json'))), []],
    ['a text file added, another target', false, () => (writeFileSync(join(tree, 'lib', 'README'), 'x'), later(join(tree, 'lib', 'README'))), ['--target', 'alpine:3.17']],
    ['a text file added, --exports', false, () => (writeFileSync(join(tree, 'lib', 'README'), 'x'), later(join(tree, 'lib', 'README'))), ['--exports']],
  ] as const)('after %s, the last report\'s ELF entries are taken: %s', (_name, reused, change, extra) => {
    settle();
    scan([tree, '--format', 'json']);
    change();
    const after = scan([tree, '--format', 'json', ...extra]);
    const fresh = scan([tree, '--format', 'json', '--no-cache', ...extra]);
    expect(after.stats.reused).toBe(false);
    expect(after.stats.entriesReused).toBe(reused ? after.stats.elfFiles : 0);
    expect(after.stdout).toBe(fresh.stdout);
    expect(after.code).toBe(fresh.code);
  });

  it('the next scan after one that wrote the earlier entries can take them again', () => {
    settle();
    scan([tree, '--format', 'json']);
    for (const name of ['one.txt', 'two.txt']) {
      writeFileSync(join(tree, name), 'x');
      later(join(tree, name));
      const after = scan([tree, '--format', 'json']);
      expect(after.stats.entriesReused).toBe(3);
      expect(after.stdout).toBe(scan([tree, '--format', 'json', '--no-cache']).stdout);
    }
  });

  /** flipMiddle changes one bit in the middle of a file's bytes. */
  const flipMiddle = (b: Buffer): Buffer => ((b[Math.floor(b.length / 2)] ^= 0x01), b);
  /** otherVerdict gives the first entry another valid verdict: only the index's own check can tell. */
  const otherVerdict = (b: Buffer): Buffer => Buffer.from(b.toString('utf8').replace('"rebuild"', '"ok"'));
  it.each([
    ['the memo', '.memo', flipMiddle],
    ['its entry index', '.memo.entries.json', flipMiddle],
    ['its entry index (another valid verdict)', '.memo.entries.json', otherVerdict],
  ])('a corrupt %s is ignored: the files are analysed', (_what, suffix, corrupt) => {
    settle();
    scan([tree, '--format', 'json']);
    const name = readdirSync(cacheDir).find((n) => n.endsWith(`.bin${suffix}`))!;
    const bytes = readFileSync(join(cacheDir, name));
    const changed = corrupt(Buffer.from(bytes));
    expect(changed.equals(bytes)).toBe(false);
    writeFileSync(join(cacheDir, name), changed);
    writeFileSync(join(tree, 'lib', 'README'), 'x');
    later(join(tree, 'lib', 'README'));
    const after = scan([tree, '--format', 'json']);
    expect(after.stats.entriesReused).toBe(0);
    expect(after.stdout).toBe(scan([tree, '--format', 'json', '--no-cache']).stdout);
  });

  it('other formats analyse as before (the entries are JSON text)', () => {
    settle();
    scan([tree, '--format', 'json']);
    writeFileSync(join(tree, 'lib', 'README'), 'x');
    later(join(tree, 'lib', 'README'));
    const after = scan([tree, '--format', 'sarif']);
    expect(after.stats.entriesReused).toBe(0);
    expect(after.stdout).toBe(scan([tree, '--format', 'sarif', '--no-cache']).stdout);
  });
});
