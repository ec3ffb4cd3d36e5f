/**
 * oracle.test: muslcheck's `unresolved`, `missingLibraries` and `loaderErrors` must equal
 * what musl's own dynamic linker reports (`LIBC.so --library-path DIRS --list FILE`), file
 * by file, for musl 1.2.3 (Debian's `musl` package) and 1.2.5 (trixie's, unpacked by
 * .ci/run into MUSL125_DIR), over every glibc ELF file under /usr/bin, /usr/sbin and
 * /usr/lib/x86_64-linux-gnu that is not glibc's own, and over every x86_64 sample.
 *
 * DIRS is the file's folder, then the host library folder with libc6's files filtered
 * out, so non-libc dependencies are found and glibc's are not. The comparison uses
 * Debian's musl exports (MuslView.debianExports): Debian's build differs from Alpine's
 * (fts_*, renameat2, crypt), and the analysis models Alpine's by default.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeElf } from '../../src/analyze/index.js';
import { isHostSymbol, pluginKind } from '../../src/analyze/symbols.js';
import { loadDatabase } from '../../src/db/index.js';
import { readElf, type ElfInfo } from '../../src/elf/index.js';
import { SCAN_READ } from '../../src/analyze/index.js';
import { elfFilesUnder, mapLimit } from '../helpers/files.js';
import { preloadLookup } from './dirLookup.js';
import { MUSL123_LIBC, filteredLibraryDir, musl125Libc, runMuslList } from './muslList.js';

const HOST_LIBS = '/usr/lib/x86_64-linux-gnu';
/** inCI: CI is set to anything but empty, '0' or 'false' (as the CLI reads it). */
const inCI = ![undefined, '', '0', 'false'].includes(process.env['CI']);
const have123 = existsSync(MUSL123_LIBC);
const libc125 = musl125Libc();
if (!have123) {
  const msg = `\n!!! musl's loader (${MUSL123_LIBC}) is missing: the ORACLE TESTS are SKIPPED. apt-get install musl (CI installs it).\n`;
  if (inCI) throw new Error(msg);
  console.warn(msg);
}
if (!libc125) {
  const msg = '\n!!! MUSL125_DIR is not set: the musl 1.2.5 ORACLE is SKIPPED. Run: export MUSL125_DIR=$(bash scripts/fetch-musl-trixie.sh /tmp/musl125)\n';
  if (inCI) throw new Error(msg);
  console.warn(msg);
}

/** glibcOwnFiles lists the basenames and paths of libc6/libc6-dev files (dpkg -L). */
function glibcOwnFiles(): { names: Set<string>; paths: Set<string> } {
  const names = new Set<string>();
  const paths = new Set<string>();
  for (const pkg of ['libc6', 'libc6-dev']) {
    let out = '';
    try {
      out = execFileSync('dpkg', ['-L', `${pkg}:amd64`], { encoding: 'utf8' });
    } catch {
      try {
        out = execFileSync('dpkg', ['-L', pkg], { encoding: 'utf8' });
      } catch {
        continue;
      }
    }
    for (const p of out.split('\n')) {
      if (!p.includes('/')) continue;
      paths.add(p.replace(/^\/lib\//, '/usr/lib/').replace(/^\/lib64\//, '/usr/lib64/'));
      if (pkg === 'libc6' && /x86_64-linux-gnu\/[^/]+$/.test(p)) names.add(p.slice(p.lastIndexOf('/') + 1));
    }
  }
  return { names, paths };
}

const db = loadDatabase();
const own = have123 ? glibcOwnFiles() : { names: new Set<string>(), paths: new Set<string>() };
const filtered = have123 ? filteredLibraryDir(HOST_LIBS, own.names) : '';
afterAll(() => {
  if (filtered) rmSync(filtered, { recursive: true, force: true });
});

interface Candidate {
  path: string;
  elf: ElfInfo;
}

/** candidates reads the files to compare: dynamic x86_64 glibc ELF files that are not glibc's own. */
async function candidates(files: string[]): Promise<Candidate[]> {
  const out: Candidate[] = [];
  await mapLimit(files, 8, async (path) => {
    if (own.paths.has(path)) return;
    try {
      // Read as a scan reads: a file without DT_SONAME has its own exports deferred.
      const elf = await readElf(path, SCAN_READ);
      if (elf.machine !== 'x86_64' || elf.class !== 64 || elf.static || !elf.dynamic) return;
      if (elf.type !== 'exec' && elf.type !== 'dyn') return;
      out.push({ path, elf });
    } catch {
      /* not ELF or malformed: nothing for the loader to say */
    }
  });
  return out.sort((a, b) => (a.path < b.path ? -1 : 1));
}

/** compareWithOracle runs both sides for every candidate and returns the disagreements. */
async function compareWithOracle(libc: string, muslVersion: string, list: Candidate[]): Promise<{ compared: number; identical: number; skipped: number; diffs: string[] }> {
  const libPath = (file: string): string[] => [dirname(file), filtered];
  const lookupFor = await preloadLookup(list, libPath);
  const target = db.resolveTarget(`musl:${muslVersion}`);
  const diffs: string[] = [];
  let compared = 0;
  let identical = 0;
  let skipped = 0;
  await mapLimit(list, 2, async ({ path, elf }) => {
    const report = analyzeElf(path, elf, { db, target, lookup: lookupFor(path), debianMusl: true });
    if (report.libc !== 'glibc' && report.libc !== 'mixed') return;
    // Libraries nobody could find would be assumed provided by Alpine packages: not comparable symbol by symbol.
    if (report.findings.some((f) => f.code === 'system-library')) {
      skipped++;
      return;
    }
    const oracle = await runMuslList(libc, libPath(path), path);
    const plugin = pluginKind(path, elf.type, elf.interp, elf.imports);
    const oracleNotFound = oracle.notFound.filter((n) => !isHostSymbol(plugin, n));
    compared++;
    const problems: string[] = [];
    const a = JSON.stringify(report.unresolved);
    const b = JSON.stringify(oracleNotFound);
    if (a !== b) problems.push(`unresolved\n    muslcheck: ${a}\n    musl:      ${b}`);
    if (JSON.stringify(report.missingLibraries) !== JSON.stringify(oracle.missingLibraries)) {
      problems.push(`missingLibraries\n    muslcheck: ${JSON.stringify(report.missingLibraries)}\n    musl:      ${JSON.stringify(oracle.missingLibraries)}`);
    }
    if (JSON.stringify(report.loaderErrors) !== JSON.stringify(oracle.otherErrors)) {
      problems.push(`loaderErrors\n    muslcheck: ${JSON.stringify(report.loaderErrors)}\n    musl:      ${JSON.stringify(oracle.otherErrors)}`);
    }
    if (problems.length === 0) identical++;
    else diffs.push(`${path} (musl ${muslVersion}): ${problems.join('; ')}`);
  });
  return { compared, identical, skipped, diffs };
}

const HOST_DIRS = ['/usr/bin', '/usr/sbin', HOST_LIBS];
const SAMPLE_DIRS = ['samples/bin'];

const versions: Array<[string, string | null]> = [
  ['1.2.3', have123 ? MUSL123_LIBC : null],
  ['1.2.5', libc125],
];

describe.skipIf(!have123)('oracle: musl --list agrees with muslcheck', () => {
  let hostList: Candidate[] = [];
  let sampleList: Candidate[] = [];
  it('finds the files to compare', async () => {
    hostList = await candidates(elfFilesUnder(HOST_DIRS));
    sampleList = await candidates(elfFilesUnder(SAMPLE_DIRS));
    console.log(`oracle: ${hostList.length} host files, ${sampleList.length} x86_64 samples`);
    expect(hostList.length).toBeGreaterThan(100);
  }, 300_000);

  for (const [version, libc] of versions) {
    it.skipIf(libc === null)(`musl ${version}: host files under ${HOST_DIRS.join(', ')}`, async () => {
      const r = await compareWithOracle(libc!, version, hostList);
      console.log(`oracle musl ${version}, host: ${r.compared} compared, ${r.identical} identical, ${r.skipped} skipped (libraries not found)`);
      expect(r.diffs.slice(0, 15)).toEqual([]);
      expect(r.compared).toBeGreaterThan(100);
    }, 900_000);

    it.skipIf(libc === null)(`musl ${version}: samples`, async () => {
      const r = await compareWithOracle(libc!, version, sampleList);
      console.log(`oracle musl ${version}, samples: ${r.compared} compared, ${r.identical} identical, ${r.skipped} skipped`);
      expect(r.diffs).toEqual([]);
    }, 300_000);
  }
});
