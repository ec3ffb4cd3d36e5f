/**
 * pipeline.test: discovery and the scan pipeline on a temporary tree: every file gets one
 * report, FIFOs are never opened (the test would hang), symlinks are skipped unless
 * followed, a followed symlink loop ends, include/exclude filter, and a bundled library
 * found through RUNPATH $ORIGIN resolves what musl lacks.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { loadDatabase } from '../../src/db/index.js';
import { scanPaths } from '../../src/scan/pipeline.js';

const root = join(import.meta.dirname, '..', '..');
const db = loadDatabase();
const target = db.resolveTarget('alpine:3.22');
const dir = mkdtempSync(join(tmpdir(), 'muslcheck-scan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

mkdirSync(join(dir, 'app/lib'), { recursive: true });
copyFileSync(join(root, 'samples/bin/app-bundled'), join(dir, 'app/app-bundled'));
copyFileSync(join(root, 'samples/bin/lib/libbundle.so.1'), join(dir, 'app/lib/libbundle.so.1'));
copyFileSync(join(root, 'samples/bin/fortify'), join(dir, 'fortify'));
writeFileSync(join(dir, 'notes.txt'), 'not ELF\n');
execFileSync('mkfifo', [join(dir, 'pipe')]);
symlinkSync(join(dir, 'fortify'), join(dir, 'link-to-fortify'));
mkdirSync(join(dir, 'loop'));
symlinkSync('..', join(dir, 'loop/up'));

const rel = (p: string): string => p.slice(dir.length + 1);

describe('scanPaths', () => {
  it('reports every regular file once, sorted, and never opens the FIFO', async () => {
    const { reports, stats } = await scanPaths([dir], { db, target, cache: false });
    expect(reports.map((r) => [rel(r.path), r.kind])).toEqual([
      ['app/app-bundled', 'elf'],
      ['app/lib/libbundle.so.1', 'elf'],
      ['fortify', 'elf'],
      ['notes.txt', 'not-elf'],
    ]);
    expect(stats.elfFiles).toBe(3);
    expect(stats.bytesRead).toBeLessThan(stats.elfBytes);
  }, 30_000);

  it('resolves through RUNPATH $ORIGIN/lib: the bundled library provides error_at_line', async () => {
    const { reports } = await scanPaths([join(dir, 'app')], { db, target, cache: false });
    const app = reports.find((r) => r.path.endsWith('app-bundled'))!;
    expect(app.unresolved).toEqual([]);
    expect(app.verdict).toBe('loader');
    // Scanned alone, the bundled library is missing: it is assumed to come from a package.
    const alone = await scanPaths([join(dir, 'app/app-bundled')], { db, target, cache: false });
    expect(alone.reports[0]!.findings.map((f) => f.code)).toContain('system-library');
  });

  it('follows symlinks only when asked, and a symlink loop ends', async () => {
    const followed = await scanPaths([dir], { db, target, cache: false, followSymlinks: true });
    const paths = followed.reports.map((r) => rel(r.path));
    expect(paths).toContain('link-to-fortify');
    expect(paths.length).toBeGreaterThan(5);
  }, 60_000);

  it.each([
    [{ include: ['**/*.so*'] }, ['app/lib/libbundle.so.1']],
    [{ exclude: ['app/**', '*.txt'] }, ['fortify']],
  ])('filters with %j', async (filter, expected) => {
    const { reports } = await scanPaths([dir], { db, target, cache: false, ...filter });
    expect(reports.map((r) => rel(r.path))).toEqual(expected);
  });

  it('an explicit path that does not exist is reported as unreadable', async () => {
    const { reports } = await scanPaths([join(dir, 'missing')], { db, target, cache: false });
    expect(reports.map((r) => [r.kind, r.verdict])).toEqual([['unreadable', 'error']]);
  });
});
