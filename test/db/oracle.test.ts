/**
 * The database against musl's own loader: for Debian's musl 1.2.3 (installed) and 1.2.5
 * (MUSL125_DIR), every name the database says the loader binds must bind, and every name it says
 * the loader rejects (checked on a deterministic sample of glibc's names, and on LFS64 names)
 * must be reported as `symbol not found`. Missing loaders: a loud warning and a skip locally,
 * a failure in CI (for 1.2.5: when .ci/run exported MUSL125_DIR).
 */
import { describe, expect, it } from 'vitest';
import { loadDatabase } from '../../src/db/index.js';
import { cIdentifier, findMuslLoader, missingLoaderMessage, unresolvedByLoader } from './musl-oracle.js';

const db = loadDatabase();
/** inCi: CI is set to anything but empty, '0' or 'false' (as the CLI reads it). */
const inCi = ![undefined, '', '0', 'false'].includes(process.env.CI);

/** lfs64Probe lists NAME64 for every name in the loader's LFS64 table, plus readdir64_r. */
function lfs64Probe(): string[] {
  const base = ['aio_read', 'creat', 'fopen', 'fstat', 'fstatat', 'ftw', 'getdents', 'glob', 'lseek', 'mmap', 'open', 'openat', 'posix_fadvise', 'posix_fallocate', 'pread', 'preadv', 'prlimit', 'readdir', 'scandir', 'sendfile', 'stat', 'statvfs', 'tmpfile', 'truncate', 'versionsort', '__fxstat', '__fxstatat', '__lxstat', '__xstat'];
  return [...base.map((n) => `${n}64`), 'readdir64_r', 'fcntl64'];
}

/** glibcSample takes every 7th public glibc x86_64 name that C can declare (about 650 names). */
function glibcSample(): string[] {
  return db
    .glibcNames('x86_64')
    .filter((n) => cIdentifier(n) && !db.isGlibcPrivate(n))
    .filter((_, i) => i % 7 === 0);
}

for (const version of ['1.2.3', '1.2.5']) {
  describe(`musl ${version} oracle (Debian's libc.so --list)`, () => {
    const loader = findMuslLoader(version);
    if (loader === null) {
      // 1.2.3 is Debian's installed musl (always there in CI); 1.2.5 is required in CI only when .ci/run exported MUSL125_DIR
      if (inCi && (version === '1.2.3' || process.env.MUSL125_DIR !== undefined)) {
        it('has the loader in CI', () => {
          throw new Error(missingLoaderMessage(version));
        });
      } else {
        console.warn(`\n!!! ${missingLoaderMessage(version)} — SKIPPING\n`);
        it.skip(`musl ${version} oracle`, () => undefined);
      }
      return;
    }
    const view = db.musl(version, 'x86_64');
    if (view === null) throw new Error(`no musl ${version} x86_64 data`);
    const resolvesDebian = (n: string): boolean => view.resolves(n, true);

    it('binds every name the database says Debian’s build exports', () => {
      const names = [...(view.debianExports ?? [])].filter(cIdentifier);
      expect(names.length).toBeGreaterThan(1500);
      expect([...unresolvedByLoader(loader, names)]).toEqual([]);
    });

    it('on a sample of glibc names, rejects exactly those the database says it lacks', () => {
      const sample = glibcSample();
      const absent = sample.filter((n) => !resolvesDebian(n)).sort();
      expect(absent.length).toBeGreaterThan(50);
      expect(sample.length - absent.length).toBeGreaterThan(200);
      expect([...unresolvedByLoader(loader, sample)].sort()).toEqual(absent);
    });

    it('agrees on every LFS64 name (remap from 1.2.4, the posix_fallocate64 length bug, fcntl64 never)', () => {
      const probe = lfs64Probe();
      const expected = probe.filter((n) => !resolvesDebian(n)).sort();
      expect([...unresolvedByLoader(loader, probe)].sort()).toEqual(expected);
      if (version === '1.2.5') expect(expected).toEqual(['fcntl64', 'posix_fallocate64']);
      if (version === '1.2.3') expect(expected).toEqual(['fcntl64']);
    });
  });
}

