/**
 * pipeline.test: the scan pipeline on a temporary tree, in the calling thread and on a
 * worker pool (the two must agree exactly): every file gets one report, in path order;
 * FIFOs are never opened (the test would hang); symlinks are skipped unless followed,
 * and followed loops end with each file once; paths that cannot be walked are reported;
 * include/exclude filter; a bundled library found through RUNPATH $ORIGIN resolves what
 * musl lacks; --library-path libraries are used; the streamed JSON equals the formatter.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDatabase } from '../../src/db/index.js';
import { Engine, toBatch } from '../../src/scan/engine.js';
import { scanPaths, scanStream, type ScanOptions } from '../../src/scan/pipeline.js';
import { prestartWorkers, spareWorkers, workerScript } from '../../src/scan/pool.js';
import { ENTRY_DIR, ENTRY_FILE, ENTRY_LINK, nextEntries, Walker, type ListingStore } from '../../src/scan/walk.js';
import { formatJson, jsonHead, jsonTail } from '../../src/report/json.js';
import { SummaryBuilder } from '../../src/report/common.js';
import type { FileReport } from '../../src/analyze/types.js';

const root = join(import.meta.dirname, '..', '..');
const db = loadDatabase();
const target = db.resolveTarget('alpine:3.22');
const dir = mkdtempSync(join(tmpdir(), 'muslcheck-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

mkdirSync(join(dir, 'app/lib'), { recursive: true });
copyFileSync(join(root, 'samples/bin/app-bundled'), join(dir, 'app/app-bundled'));
copyFileSync(join(root, 'samples/bin/lib/libbundle.so.1'), join(dir, 'app/lib/libbundle.so.1'));
copyFileSync(join(root, 'samples/bin/fortify'), join(dir, 'fortify'));
copyFileSync(join(root, 'samples/bin/broken/fortify-truncated'), join(dir, 'truncated'));
writeFileSync(join(dir, 'notes.txt'), 'not ELF\n');
writeFileSync(join(dir, 'a-b'), 'sorts before a/ (- is 0x2d, / is 0x2f)\n');
execFileSync('mkfifo', [join(dir, 'pipe')]);
symlinkSync(join(dir, 'fortify'), join(dir, 'link-to-fortify'));
mkdirSync(join(dir, 'loop/deeper'), { recursive: true });
symlinkSync('.', join(dir, 'loop/self'));
symlinkSync('..', join(dir, 'loop/up'));
symlinkSync('../..', join(dir, 'loop/deeper/upup'));
symlinkSync('nowhere', join(dir, 'loop/dangling'));

const rel = (p: string): string => p.slice(dir.length + 1);
const opts = (extra: Partial<ScanOptions> = {}): ScanOptions => ({ db, target, cache: null, ...extra });
/** MODES run the same scan in the calling thread and on two worker threads. */
const MODES: Array<[string, Partial<ScanOptions>]> = [
  ['calling thread', { jobs: 1 }],
  ['worker pool', { jobs: 2, smallScan: 0 }],
];

const EXPECTED = [
  ['a-b', 'not-elf', null],
  ['app/app-bundled', 'elf', 'loader'],
  ['app/lib/libbundle.so.1', 'elf', 'ok'],
  ['fortify', 'elf', 'gcompat'],
  ['notes.txt', 'not-elf', null],
  ['truncated', 'malformed', 'error'],
];

describe.each(MODES)('scanPaths (%s)', (_mode, mode) => {
  it('reports every regular file once, in path order, and never opens the FIFO', async () => {
    const { reports, stats } = await scanPaths([dir], opts(mode));
    expect(reports.map((r) => [rel(r.path), r.kind, r.verdict])).toEqual(EXPECTED);
    expect(stats.elfFiles).toBe(3);
    expect(stats.threads).toBe(mode.jobs);
    expect(stats.bytesRead).toBeLessThan(stats.elfBytes);
  }, 30_000);

  it('resolves through RUNPATH $ORIGIN/lib: the bundled library provides error_at_line', async () => {
    const { reports } = await scanPaths([join(dir, 'app')], opts(mode));
    const app = reports.find((r) => r.path.endsWith('app-bundled'))!;
    expect(app.unresolved).toEqual([]);
    expect(app.verdict).toBe('loader');
    // Scanned alone, the bundled library is missing: it is assumed to come from a package.
    const alone = await scanPaths([join(dir, 'app/app-bundled')], opts(mode));
    expect(alone.reports[0]!.findings.map((f) => f.code)).toContain('system-library');
    // Found on --library-path, it is used again (and not reported itself).
    const viaL = await scanPaths([join(dir, 'app/app-bundled')], opts({ ...mode, libraryPath: [join(dir, 'app/lib')] }));
    expect(viaL.reports.map((r) => [rel(r.path), r.unresolved, r.verdict])).toEqual([['app/app-bundled', [], 'loader']]);
  }, 30_000);

  it('follows symlinks only when asked; loops end and every real directory is walked once', async () => {
    const followed = await scanPaths([dir], opts({ ...mode, followSymlinks: true }));
    const paths = followed.reports.map((r) => rel(r.path));
    expect(paths).toContain('link-to-fortify');
    expect(paths.filter((p) => p.endsWith('fortify'))).toEqual(['fortify', 'link-to-fortify']);
    expect(new Set(paths).size).toBe(paths.length);
    expect(paths.some((p) => p.startsWith('loop/'))).toBe(false);
  }, 60_000);

  it.each([
    [{ include: ['**/*.so*'] }, ['app/lib/libbundle.so.1']],
    [{ exclude: ['app', '*.txt', 'a-b', 'truncated'] }, ['fortify']],
    [{ exclude: ['**/lib/**'], include: ['app/**'] }, ['app/app-bundled']],
  ])('filters with %j', async (filter, expected) => {
    const { reports } = await scanPaths([dir], opts({ ...mode, ...filter }));
    expect(reports.map((r) => rel(r.path))).toEqual(expected);
  });

  it('reports paths named on the command line that cannot be read: missing, a FIFO', async () => {
    const { reports } = await scanPaths([join(dir, 'missing'), join(dir, 'pipe')], opts(mode));
    expect(reports.map((r) => [rel(r.path), r.kind, r.verdict, r.error?.message])).toEqual([
      ['missing', 'unreadable', 'error', 'ENOENT'],
      ['pipe', 'unreadable', 'error', 'a FIFO'],
    ]);
  });

  it('--include/--exclude apply to files named on the command line too (a hook passes file lists)', async () => {
    const named = [join(dir, 'fortify'), join(dir, 'notes.txt'), join(dir, 'app/app-bundled')];
    const { reports } = await scanPaths(named, opts({ ...mode, exclude: ['**/*.txt', '**/app/**'] }));
    expect(reports.map((r) => rel(r.path))).toEqual(['fortify']);
  });

  it('a FIFO named on the command line inside a scanned directory is reported in its place, never opened', async () => {
    const { reports } = await scanPaths([dir, join(dir, 'pipe')], opts(mode));
    expect(reports.map((r) => [rel(r.path), r.kind])).toEqual([...EXPECTED.slice(0, 5).map(([p, k]) => [p, k]), ['pipe', 'unreadable'], ['truncated', 'malformed']]);
  });

  it('a FIFO on --library-path is never opened for reading', async () => {
    const lp = mkdtempSync(join(tmpdir(), 'muslcheck-lp-'));
    try {
      execFileSync('mkfifo', [join(lp, 'libbundle.so.1')]);
      const { reports } = await scanPaths([join(dir, 'app/app-bundled')], opts({ ...mode, libraryPath: [lp] }));
      expect(reports).toHaveLength(1);
    } finally {
      rmSync(lp, { recursive: true, force: true });
    }
  }, 20_000);

  it('streams JSON that equals the formatter on the same reports', async () => {
    const { reports } = await scanPaths([dir], opts(mode));
    const summary = new SummaryBuilder();
    const parts: string[] = [];
    await scanStream([dir], opts(mode), 'json', (e) => {
      summary.add(e);
      parts.push(e.json!);
    });
    const base = { tool: { name: 'muslcheck', version: 't' }, target };
    expect(jsonHead(base) + parts.join(',') + jsonTail(summary.build(), parts.length)).toBe(formatJson(reports, base));
  }, 30_000);

  it('lean reports are the full reports without their symbol lists', async () => {
    const { reports } = await scanPaths([dir], { ...opts(mode), includeExports: true });
    const lean: FileReport[] = [];
    await scanStream([dir], { ...opts(mode), includeExports: true }, 'lean', (e) => void lean.push(e.report!));
    expect(reports.some((r) => (r.elf?.imports.length ?? 0) > 0 && (r.elf?.exports?.length ?? 0) > 0)).toBe(true);
    const stripped = reports.map((r) => (r.elf === null ? r : { ...r, elf: { ...r.elf, imports: [], exports: undefined } }));
    expect(lean).toEqual(stripped);
    for (const r of lean) expect(r.elf === null || !('exports' in r.elf)).toBe(true);
  }, 30_000);
});

describe('the calling thread and the pool agree', () => {
  it('on the samples, report for report', async () => {
    const samples = join(root, 'samples/bin');
    const one = await scanPaths([samples], opts({ jobs: 1 }));
    const two = await scanPaths([samples], opts({ jobs: 2, smallScan: 0 }));
    expect(two.stats.threads).toBe(2);
    expect(JSON.stringify(two.reports)).toBe(JSON.stringify(one.reports));
    // The calling thread only sniffs when there is a pool: what it finds, a worker reads.
    expect(one.stats.forwarded).toBe(0);
    expect(two.stats.forwarded).toBeGreaterThan(0);
    expect(two.stats.forwarded).toBeLessThanOrEqual(two.reports.filter((r) => r.kind === 'elf' || r.kind === 'malformed').length);
  }, 60_000);

  it('the pool\'s threads run the worker\'s one-script build (dist/scan/worker.cjs), which the comparison above ran', () => {
    expect(existsSync(join(root, 'dist/scan/worker.cjs'))).toBe(true);
    expect(fileURLToPath(workerScript())).toBe(join(root, 'dist/scan/worker.cjs'));
  });
});

describe('the analysis window', () => {
  it.each([
    ['one worker', 2],
    ['two workers', 3],
  ])('of one ELF file per thread still hands out every entry in order (%s)', async (_name, jobs) => {
    const samples = join(root, 'samples/bin');
    const one = await scanPaths([samples], opts({ jobs: 1 }));
    const narrow = await scanPaths([samples], opts({ jobs, smallScan: 0, analysisWindow: 1 }));
    expect(narrow.stats.threads).toBe(jobs);
    expect(narrow.stats.elfFiles).toBeGreaterThan(10);
    expect(JSON.stringify(narrow.reports)).toBe(JSON.stringify(one.reports));
  }, 60_000);
});

describe('Engine with forwardElf (the calling thread of a pool)', () => {
  const init = { target: target.id, includeExports: false, cwd: dir, cache: null, cacheWrite: false, scanStartMs: Date.now(), suppress: null };
  const items = [
    { id: 0, path: join(dir, 'fortify'), name: 'fortify' },
    { id: 1, path: join(dir, 'notes.txt'), name: 'notes.txt' },
    { id: 2, path: join(dir, 'truncated'), name: 'truncated' },
  ];

  it.each([
    ['forwards what starts with the ELF magic, unread, and keeps nothing', true, { forward: [0, 2], notElf: [1], found: [] as string[], bytesRead: 12 }],
    ['reads it where it is without forwarding', false, { forward: [], notElf: [1], found: ['elf', 'malformed'], bytesRead: null }],
  ])('%s', (_name, forwardElf, want) => {
    const engine = new Engine(init, { forwardElf });
    const reply = engine.read(toBatch(items));
    expect([...reply.forward]).toEqual(want.forward);
    expect([...reply.notElf]).toEqual(want.notElf);
    expect(reply.found.map((r) => r.kind)).toEqual(want.found);
    if (want.bytesRead !== null) expect(reply.bytesRead).toBe(want.bytesRead); // three 4-byte sniffs
    else expect(reply.bytesRead).toBeGreaterThan(12);
  });

  it('reads --library-path files itself (they are read for lookup only, never analysed)', () => {
    const engine = new Engine(init, { forwardElf: true });
    const reply = engine.read(toBatch([{ ...items[0]!, libraryOnly: true }]));
    expect([...reply.forward]).toEqual([]);
    expect(reply.found.map((r) => r.kind)).toEqual(['elf']);
  });
});

describe('threads started ahead of a scan', () => {
  it.each([
    ['a pool takes them', { jobs: 2, smallScan: 0 }, 2],
    ['a scan small enough for the calling thread ends them', { jobs: 2 }, 1],
  ] as const)('%s', async (_name, mode, threads) => {
    prestartWorkers(1);
    expect(spareWorkers()).toBe(1);
    const { reports, stats } = await scanPaths([dir], opts(mode));
    expect(stats.threads).toBe(threads);
    expect(spareWorkers()).toBe(0);
    const alone = await scanPaths([dir], opts({ jobs: 1 }));
    expect(JSON.stringify(reports)).toBe(JSON.stringify(alone.reports));
  }, 30_000);
});

describe('Walker', () => {
  it('reports a directory that cannot be listed, and goes on', () => {
    const t = mkdtempSync(join(tmpdir(), 'muslcheck-walk-'));
    try {
      writeFileSync(join(t, 'a.txt'), 'x');
      mkdirSync(join(t, 'b'));
      writeFileSync(join(t, 'b/c.txt'), 'x');
      writeFileSync(join(t, 'd.txt'), 'x');
      const w = new Walker([t]);
      expect(nextEntries(w, 1)).toEqual([{ kind: 'file', path: join(t, 'a.txt'), dir: t, name: 'a.txt' }]);
      rmSync(join(t, 'b'), { recursive: true }); // listed by its parent, gone before it is read
      const rest = nextEntries(w, 100)!.map((e) => [rel2(t, e.path), e.kind, 'reason' in e ? e.reason : null]);
      expect(rest).toEqual([
        ['b', 'unreadable', 'cannot list directory: ENOENT'],
        ['d.txt', 'file', null],
      ]);
      expect(nextEntries(w, 100)).toBeNull();
    } finally {
      rmSync(t, { recursive: true, force: true });
    }
  });

  it('takes a kept listing instead of reading the directory, and offers what it reads, sorted and untyped by links', () => {
    const t = mkdtempSync(join(tmpdir(), 'muslcheck-walk-'));
    try {
      mkdirSync(join(t, 'sub'));
      writeFileSync(join(t, 'sub/on-disk.txt'), 'x');
      writeFileSync(join(t, 'z.txt'), 'x');
      symlinkSync('z.txt', join(t, 'a-link'));
      const offered: Array<[string, string[], number[]]> = [];
      const store: ListingStore = {
        // The store knows `sub` by another listing: the walk must take it, not read the directory.
        stored: (path) => (path.endsWith('/sub') ? { names: ['kept.txt'], types: Uint8Array.from([ENTRY_FILE]) } : null),
        keep: (path, st, listing) => {
          expect(st.isDirectory()).toBe(true);
          offered.push([rel2(t, path) || '.', listing.names, [...listing.types]]);
        },
      };
      const w = new Walker([t], { listings: store });
      const got: string[] = [];
      for (let b = nextEntries(w, 10); b !== null; b = nextEntries(w, 10)) got.push(...b.map((e) => rel2(t, e.path)));
      expect(got).toEqual(['sub/kept.txt', 'z.txt']);
      expect(offered).toEqual([['.', ['a-link', 'sub', 'z.txt'], [ENTRY_LINK, ENTRY_DIR, ENTRY_FILE]]]);
      expect(w.linksSkipped).toBe(1);
    } finally {
      rmSync(t, { recursive: true, force: true });
    }
  });

  it('drops a path inside another given directory, and sorts the roots like the walk', () => {
    const w = new Walker([join(dir, 'app'), dir, join(dir, 'app/lib/libbundle.so.1')]);
    const all: string[] = [];
    for (let b = nextEntries(w, 2); b !== null; b = nextEntries(w, 2)) all.push(...b.map((e) => rel(e.path)));
    expect(all).toEqual(['a-b', 'app/app-bundled', 'app/lib/libbundle.so.1', 'fortify', 'notes.txt', 'truncated']);
  });
});

/** rel2 is a path relative to `base`. */
function rel2(base: string, p: string): string {
  return p.slice(base.length + 1);
}

/**
 * canDropPrivileges: the test runs the CLI as `nobody` (root reads every directory), which
 * needs root, runuser, and a checkout and node that `nobody` can read.
 */
const canDropPrivileges = process.getuid?.() === 0 && (() => {
  try {
    execFileSync('runuser', ['-u', 'nobody', '--', process.execPath, '-e', `require('fs').accessSync(${JSON.stringify(join(root, 'bin/muslcheck.cjs'))})`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

describe.skipIf(!canDropPrivileges)('as an unprivileged user', () => {
  it('a directory without permission is reported unreadable, and the gate fails (exit 1)', () => {
    const t = mkdtempSync(join(tmpdir(), 'muslcheck-perm-'));
    try {
      execFileSync('chmod', ['755', t]);
      mkdirSync(join(t, 'secret'), { mode: 0o700 });
      writeFileSync(join(t, 'secret/x'), 'x');
      writeFileSync(join(t, 'ok.txt'), 'x');
      let status = 0;
      let out = '';
      try {
        out = execFileSync('runuser', ['-u', 'nobody', '--', process.execPath, join(root, 'bin/muslcheck.cjs'), 'scan', t, '--format', 'json', '--no-cache', '--fail-on', 'error'], { encoding: 'utf8' });
      } catch (e) {
        status = (e as { status: number }).status;
        out = (e as { stdout: string }).stdout;
      }
      const doc = JSON.parse(out) as { files: Array<{ path: string; kind: string; error: { message: string } | null }> };
      expect(doc.files.map((f) => [rel2(t, f.path), f.kind, f.error?.message ?? null])).toEqual([
        ['ok.txt', 'not-elf', null],
        ['secret', 'unreadable', 'cannot list directory: EACCES'],
      ]);
      expect(status).toBe(1);
    } finally {
      rmSync(t, { recursive: true, force: true });
    }
  });
});
