/**
 * The generated musl sets against the real libc.so files, read with muslcheck's own ELF reader:
 * Debian's installed musl 1.2.3 (/usr/lib/x86_64-linux-musl/libc.so, installed here and in CI)
 * must export exactly the 1.2.3 x86_64 set the database holds as Debian's, and after the
 * corrections exactly upstream's; trixie's 1.2.5 (MUSL125_DIR, when CI unpacked it) likewise.
 * Missing musl: a loud warning and a skip locally, a failure in CI.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readElf } from '../../src/elf/index.js';
import { loadDatabase } from '../../src/db/index.js';

const db = loadDatabase();
/** inCi: CI is set to anything but empty, '0' or 'false' (as the CLI reads it). */
const inCi = ![undefined, '', '0', 'false'].includes(process.env.CI);

/** exportedNames lists the default-version dynamic exports of a library, sorted. */
async function exportedNames(path: string): Promise<string[]> {
  const info = await readElf(path);
  return [...new Set(info.exports.filter((e) => !e.hidden).map((e) => e.name))].sort();
}

const CASES: Array<{ version: string; path: string | null }> = [
  { version: '1.2.3', path: ['/usr/lib/x86_64-linux-musl/libc.so', '/lib/x86_64-linux-musl/libc.so'].find((p) => existsSync(p)) ?? null },
  { version: '1.2.5', path: process.env.MUSL125_DIR !== undefined && existsSync(join(process.env.MUSL125_DIR, 'libc.so')) ? join(process.env.MUSL125_DIR, 'libc.so') : null },
];

describe.each(CASES)('musl $version x86_64 set vs the real libc.so', ({ version, path }) => {
  if (path === null) {
    const message = `musl ${version} libc.so not found (Debian's musl package for 1.2.3; MUSL125_DIR for 1.2.5)`;
    if (inCi && (version === '1.2.3' || process.env.MUSL125_DIR !== undefined)) it('has the musl libc.so in CI', () => expect.fail(message));
    else {
      console.warn(`\n!!! ${message} — SKIPPING\n`);
      it.skip(message, () => undefined);
    }
    return;
  }
  const view = db.musl(version, 'x86_64');

  it('equals Debian’s raw set exactly', async () => {
    expect(await exportedNames(path)).toEqual([...(view?.debianExports ?? [])].sort());
  });

  it('after the corrections, equals the upstream set the database serves', async () => {
    const real = new Set(await exportedNames(path));
    const corrected = [...(view?.exports ?? [])];
    const removed = [...real].filter((n) => !view?.exports.has(n)).sort();
    const added = corrected.filter((n) => !real.has(n)).sort();
    if (version === '1.2.3') {
      expect(removed).toEqual(['fts_children', 'fts_close', 'fts_open', 'fts_read', 'fts_set']);
      expect(added).toEqual(['crypt', 'crypt_r', 'encrypt', 'setkey']);
    } else {
      expect(removed).toEqual(['fts_children', 'fts_close', 'fts_open', 'fts_read', 'fts_set', 'renameat2']);
      expect(added).toEqual([]);
    }
  });
});
