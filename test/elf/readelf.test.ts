/**
 * readelf.test: differential test of the ELF reader against binutils `readelf` on every
 * ELF file under /usr/bin and /usr/lib/x86_64-linux-gnu, and section-header-stripped
 * copies of real binaries against their originals.
 */
import { copyFileSync, mkdtempSync, openSync, writeSync, closeSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readElf, isElfError, type ElfInfo } from '../../src/elf/index.js';
import { elfFilesUnder, mapLimit, run, which } from '../helpers/files.js';
import { parseReadelf, type ReadelfView } from './readelfParse.js';

const DIRS = ['/usr/bin', '/usr/lib/x86_64-linux-gnu'];

/** viewOf renders our reader's output the way readelf prints it. */
function viewOf(info: ElfInfo): ReadelfView {
  const needVersions = new Set(info.versionNeeds.flatMap((n) => n.versions.map((v) => v.name)));
  const defVersions = new Set(info.versionDefinitions);
  return {
    interp: info.interp,
    needed: info.needed,
    soname: info.soname,
    imports: info.imports.map((i) => `${i.name}${i.version ? `@${i.version}` : ''} ${i.weak ? 'weak' : 'strong'}`).sort(),
    exports: info.exports
      .map((e) => {
        // readelf prints a version's own definition symbol (`GLIBC_2.2.5`, SHN_ABS) without the version.
        if (!e.version || e.name === e.version) return e.name;
        const fromNeed = needVersions.has(e.version) && !defVersions.has(e.version);
        return `${e.name}${e.hidden || fromNeed ? '@' : '@@'}${e.version}`;
      })
      .sort(),
  };
}

const haveReadelf = await which('readelf');
const files = haveReadelf ? elfFilesUnder(DIRS) : [];
if (!haveReadelf) console.warn('\n!!! readelf not found: the differential test is SKIPPED (apt-get install binutils)\n');

describe.skipIf(!haveReadelf)('reader agrees with readelf', () => {
  it(`interp, needed, soname, imports and exports of every ELF file under ${DIRS.join(' and ')}`, async () => {
    const mismatches: string[] = [];
    let compared = 0;
    let readelfFailed = 0;
    await mapLimit(files, 4, async (file) => {
      let ref: ReadelfView;
      try {
        const { stdout } = await run('readelf', ['-W', '-l', '-d', '--dyn-syms', file], { maxBuffer: 512 * 1024 * 1024 });
        ref = parseReadelf(stdout);
      } catch {
        readelfFailed++;
        return;
      }
      let ours: ReadelfView;
      try {
        ours = viewOf(await readElf(file));
      } catch (e) {
        mismatches.push(`${file}: ours threw ${isElfError(e) ? e.message : String(e)}`);
        return;
      }
      compared++;
      for (const key of ['interp', 'needed', 'soname', 'imports', 'exports'] as const) {
        if (JSON.stringify(ours[key]) !== JSON.stringify(ref[key])) {
          const a = JSON.stringify(ours[key]).slice(0, 300);
          const b = JSON.stringify(ref[key]).slice(0, 300);
          mismatches.push(`${file}: ${key} differs\n  ours:    ${a}\n  readelf: ${b}`);
        }
      }
    });
    console.log(
      `readelf differential: ${files.length} ELF files, ${compared} compared, ${compared - new Set(mismatches.map((m) => m.split(':')[0])).size} identical, ${readelfFailed} readelf could not read`,
    );
    expect(mismatches.slice(0, 20)).toEqual([]);
    expect(compared).toBeGreaterThan(100);
  }, 600_000);
});

const tmp = mkdtempSync(join(tmpdir(), 'muslcheck-strip-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

/** stripSectionHeaders zeroes e_shoff, e_shnum and e_shstrndx of an ELF64 LSB copy. */
function stripSectionHeaders(src: string, dst: string): void {
  copyFileSync(src, dst);
  const fd = openSync(dst, 'r+');
  try {
    writeSync(fd, Buffer.alloc(8), 0, 8, 40); // e_shoff
    writeSync(fd, Buffer.alloc(2), 0, 2, 60); // e_shnum
    writeSync(fd, Buffer.alloc(2), 0, 2, 62); // e_shstrndx
  } finally {
    closeSync(fd);
  }
}

describe('section headers stripped', () => {
  const sample = files.filter((_, i) => i % Math.max(1, Math.floor(files.length / 60)) === 0);
  it.skipIf(sample.length === 0)(`${sample.length} real binaries read identically without section headers`, async () => {
    const diffs: string[] = [];
    for (const file of sample) {
      let orig: ElfInfo;
      try {
        orig = await readElf(file);
      } catch {
        continue;
      }
      const copy = join(tmp, basename(file));
      stripSectionHeaders(file, copy);
      const stripped = await readElf(copy);
      expect(stripped.sectionHeadersMissing).toBe(true);
      for (const key of ['interp', 'needed', 'soname', 'imports', 'exports', 'versionNeeds', 'versionDefinitions', 'relocations', 'buildId'] as const) {
        if (JSON.stringify(orig[key]) !== JSON.stringify(stripped[key])) diffs.push(`${file}: ${key}`);
      }
    }
    expect(diffs).toEqual([]);
  }, 300_000);
});
