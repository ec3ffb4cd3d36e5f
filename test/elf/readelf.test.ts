/**
 * readelf.test: differential test of the ELF reader against binutils `readelf` on every
 * ELF file under /usr/bin and /usr/lib/x86_64-linux-gnu, and section-header-stripped
 * copies of real binaries against their originals.
 */
import { copyFileSync, mkdtempSync, openSync, writeSync, closeSync, rmSync, fstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, basename } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readElf, readExportIndex, isElfError, NameIndex, type ElfInfo } from '../../src/elf/index.js';
import { ANALYSIS_READ, SCAN_READ, bindable } from '../../src/analyze/index.js';
import { elfFilesUnder, mapLimit, run, which } from '../helpers/files.js';
import { parseReadelf, type ReadelfView } from './readelfParse.js';
import { COPY } from '../../src/elf/constants.js';

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
        const ndx = e.section === 0xfff1 ? 'ABS' : e.section === 0xfff2 ? 'COM' : String(e.section);
        if (!e.version || e.name === e.version) return `${e.name} [${ndx}]`;
        const fromNeed = needVersions.has(e.version) && !defVersions.has(e.version);
        return `${e.name}${e.hidden || fromNeed ? '@' : '@@'}${e.version} [${ndx}]`;
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

/**
 * copyRelocationProblems checks the index mode's copy relocations against the full read:
 * one per R_*_COPY relocation (each names its own symbol), each a definition of the full
 * read with the same version, and a library that declares that version (the reader takes
 * the exact one from the symbol's version index; a name alone can be ambiguous:
 * `GLIBC_2.2.5` is declared for libc.so.6, libm.so.6 and ld-linux alike).
 */
function copyRelocationProblems(full: ElfInfo, lean: ElfInfo): string[] {
  const filesOf = new Map<string, Set<string>>();
  for (const n of full.versionNeeds) for (const v of n.versions) filesOf.set(v.name, (filesOf.get(v.name) ?? new Set()).add(n.file));
  const copyType = COPY.get(full.machine);
  const want = copyType === undefined ? 0 : (full.relocations.counts[copyType] ?? 0);
  const problems: string[] = [];
  if (lean.copyRelocations.length !== want) problems.push(`${lean.copyRelocations.length} copy relocations for ${want} R_*_COPY`);
  const defined = new Set(full.exports.map((e) => `${e.name}@${e.version}`));
  for (const c of lean.copyRelocations) {
    if (!defined.has(`${c.name}@${c.version}`)) problems.push(`copy relocation ${c.name}@${c.version} is no definition`);
    if (c.version !== null && c.library !== null && !filesOf.get(c.version)?.has(c.library)) problems.push(`copy relocation ${c.name}: ${c.library} does not declare ${c.version}`);
  }
  return problems;
}

/** againstFullRead runs `check` on every file the full read accepts and collects its problems per file. */
async function againstFullRead(files: string[], check: (file: string, full: ElfInfo) => Promise<string[]>): Promise<{ compared: number; mismatches: string[] }> {
  const mismatches: string[] = [];
  let compared = 0;
  await mapLimit(files, 4, async (file) => {
    let full: ElfInfo;
    try {
      full = await readElf(file);
    } catch {
      return;
    }
    compared++;
    const problems = await check(file, full);
    if (problems.length > 0) mismatches.push(`${file}: ${problems.join(', ')}`);
  });
  return { compared, mismatches };
}

describe('the scan\'s index mode', () => {
  it(`agrees with the full read on every ELF file under ${DIRS.join(' and ')}`, async () => {
    const all = elfFilesUnder(DIRS);
    const { compared, mismatches } = await againstFullRead(all, async (file, full) => {
      const lean = await readElf(file, ANALYSIS_READ);
      const expected = NameIndex.fromNames(full.exports.filter(bindable).map((e) => e.name)).hashes().sort((a, b) => a - b);
      const problems: string[] = [];
      if (lean.exports.length !== 0) problems.push('exports decoded');
      if (JSON.stringify(lean.imports) !== JSON.stringify(full.imports)) problems.push('imports');
      if (JSON.stringify(new NameIndex(lean.exportIndex!).hashes().sort((a, b) => a - b)) !== JSON.stringify(expected)) problems.push('export index');
      problems.push(...copyRelocationProblems(full, lean));
      if (JSON.stringify(lean.relocations) !== JSON.stringify(full.relocations)) problems.push('relocations');
      if (JSON.stringify(lean.toolchain) !== JSON.stringify(full.toolchain)) problems.push('toolchain');
      return problems;
    });
    console.log(`index mode vs full read: ${compared} files, ${compared - mismatches.length} identical`);
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(all.length * 0.9);
  }, 300_000);

  it(`defers exports (the scan's read) and still agrees with the full read on every ELF file under ${DIRS.join(' and ')}`, async () => {
    const all = elfFilesUnder(DIRS);
    let deferred = 0;
    let selfDefined = 0;
    let fullBytes = 0;
    let deferredBytes = 0;
    const { compared, mismatches } = await againstFullRead(all, async (file, full) => {
      const scan = await readElf(file, SCAN_READ);
      const lean = await readElf(file, ANALYSIS_READ);
      fullBytes += lean.bytesRead;
      deferredBytes += scan.bytesRead;
      const problems: string[] = [];
      // Everything but the exports is the same as the index mode's.
      for (const key of ['interp', 'needed', 'soname', 'rpath', 'runpath', 'imports', 'copyRelocations', 'versionNeeds', 'versionDefinitions', 'relocations', 'toolchain', 'staticLibc', 'buildId'] as const) {
        if (JSON.stringify(scan[key]) !== JSON.stringify(lean[key])) problems.push(key);
      }
      const own = new Set(full.exports.filter(bindable).map((e) => e.name));
      if (scan.exportsDeferred) {
        deferred++;
        if (scan.soname !== null) problems.push('deferred with a soname');
        if (scan.exportIndex !== null) problems.push('an index when deferred');
        // The one question its own analysis asks: which imports does the file define itself?
        const expected = [...new Set(full.imports.map((i) => i.name).filter((n) => own.has(n)))].sort();
        if (JSON.stringify(scan.selfDefined) !== JSON.stringify(expected)) problems.push(`selfDefined ${JSON.stringify(scan.selfDefined)} != ${JSON.stringify(expected)}`);
        selfDefined += expected.length;
        // Completed later, the index is the index mode's.
        const fd = openSync(file, 'r');
        try {
          const { index } = readExportIndex(fd, fstatSync(fd).size, file, bindable);
          const a = new NameIndex(index).hashes().sort((x, y) => x - y);
          const b = new NameIndex(lean.exportIndex!).hashes().sort((x, y) => x - y);
          if (JSON.stringify(a) !== JSON.stringify(b)) problems.push('completed export index');
        } finally {
          closeSync(fd);
        }
      } else if (JSON.stringify(scan.exportIndex) !== JSON.stringify(lean.exportIndex)) problems.push('export index');
      return problems;
    });
    console.log(`deferred read vs full read: ${compared} files (${deferred} deferred, ${selfDefined} self-defined imports), ${compared - mismatches.length} identical; bytes ${deferredBytes} vs ${fullBytes}`);
    expect(mismatches).toEqual([]);
    expect(compared).toBeGreaterThan(all.length * 0.9);
    expect(deferred).toBeGreaterThan(0);
    expect(deferredBytes).toBeLessThan(fullBytes);
  }, 300_000);
});
