/**
 * embedded.test: what a static file shows of its libc. glibc's ABI tag note tells glibc from
 * musl and Go; `.symtab` names (or, without section headers, the read-only segments'
 * strings) tell whether NSS or dlopen are linked in. Searches are chunked and capped.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, existsSync, ftruncateSync, mkdtempSync, openSync, rmSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readElf } from '../../src/elf/index.js';
import { evidenceFromStrings, evidenceFromSymbolNames, nssEvidence, searchRanges, SEARCH_MAX } from '../../src/elf/embedded.js';
import { Source } from '../../src/elf/source.js';
import type { StaticLibc } from '../../src/elf/types.js';

const BIN = join(import.meta.dirname, '..', '..', 'samples', 'bin');
const dir = mkdtempSync(join(tmpdir(), 'muslcheck-embedded-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** withoutSectionHeaders copies an ELF64 file with e_shoff, e_shnum and e_shstrndx zeroed. */
function withoutSectionHeaders(path: string): string {
  const copy = join(dir, `${path.replaceAll('/', '_')}-nohdrs`);
  copyFileSync(path, copy);
  const fd = openSync(copy, 'r+');
  writeSync(fd, Buffer.alloc(8), 0, 8, 40);
  writeSync(fd, Buffer.alloc(4), 0, 4, 60);
  closeSync(fd);
  return copy;
}

/** muslStatic builds a static musl program when musl-gcc is installed. */
function muslStatic(): string | null {
  if (spawnSync('sh', ['-c', 'command -v musl-gcc'], { stdio: 'ignore' }).status !== 0) return null;
  const src = join(dir, 'hello.c');
  writeFileSync(src, '#include <pwd.h>\n#include <stdio.h>\nint main(void) { struct passwd *p = getpwnam("root"); puts(p ? p->pw_dir : "?"); return 0; }\n');
  execFileSync('musl-gcc', ['-O2', '-static', '-o', join(dir, 'musl-static'), src]);
  return join(dir, 'musl-static');
}

const GLIBC = (over: Partial<StaticLibc>): StaticLibc => ({ glibcAbiTag: true, nss: [], dlopen: [], source: 'symtab', ...over });
const NOT_GLIBC: StaticLibc = { glibcAbiTag: false, nss: [], dlopen: [], source: null };
const STRINGS = ['/etc/nsswitch.conf', 'libnss_'];

describe('staticLibc of real files', () => {
  const sample = (p: string) => join(BIN, p);
  const cases: Array<[string, () => string | null, StaticLibc | null]> = [
    ['hello-static (glibc, no NSS: dlopen is linked into every glibc >= 2.34 static program)', () => sample('hello-static'), GLIBC({})],
    ['hello-static-pie', () => sample('hello-static-pie'), GLIBC({})],
    ['static-nss (getpwnam, dlopen)', () => sample('static-nss'), GLIBC({ nss: ['__nss_passwd_lookup2'] })],
    ['static-nss without section headers: strings from the read-only segments', () => withoutSectionHeaders(sample('static-nss')), GLIBC({ nss: STRINGS, source: 'segments' })],
    ['hello-static without section headers', () => withoutSectionHeaders(sample('hello-static')), GLIBC({ source: 'segments' })],
    ['go/hello-static (no glibc ABI tag)', () => sample('go/hello-static'), NOT_GLIBC],
    ['musl-gcc -static calling getpwnam (no glibc ABI tag)', muslStatic, NOT_GLIBC],
    ['hello-glibc (dynamic: not looked at)', () => sample('hello-glibc'), null],
  ];
  it.each(cases)('%s', async (_label, path, expected) => {
    const file = path();
    if (file === null || !existsSync(file)) {
      console.warn(`!!! ${_label}: file missing, SKIPPED`);
      return;
    }
    const e = await readElf(file);
    expect(e.staticLibc).toEqual(expected);
  });
});

/** sourceFor writes bytes to a file and opens it as a Source. */
function sourceFor(name: string, bytes: Buffer): { src: Source; close: () => void } {
  const path = join(dir, name);
  writeFileSync(path, bytes);
  const fd = openSync(path, 'r');
  return { src: new Source(fd, bytes.length, path), close: () => closeSync(fd) };
}

describe('evidence from symbol names', () => {
  it.each([
    ['dlopen alone: a caller linked libdl.a (glibc < 2.34)', ['dlopen', 'main'], { nss: [], dlopen: ['dlopen'] }],
    ['dlopen with ___dlopen: glibc >= 2.34 links it into every static program', ['___dlopen', '__dlopen', 'dlopen', 'main'], { nss: [], dlopen: [] }],
    ['NSS lookups name their databases', ['__nss_lookup', '__nss_passwd_lookup2', '__nss_hosts_lookup2', '__nss_configure_lookup'], { nss: ['__nss_hosts_lookup2', '__nss_passwd_lookup2'], dlopen: [] }],
    ['other __nss_ names when there is no lookup', ['__nss_database_get', '__nss_files_data_open'], { nss: ['__nss_database_get', '__nss_files_data_open'], dlopen: [] }],
    ['nothing', ['main', 'puts', 'dlopen_doit', 'x__nss_y'], { nss: [], dlopen: [] }],
  ])('%s', (_label, names, expected) => {
    const strtab = Buffer.from(`\0${names.join('\0')}\0`, 'latin1');
    const { src, close } = sourceFor('strtab', strtab);
    try {
      expect(evidenceFromSymbolNames(src, { offset: 0, size: strtab.length })).toEqual(expected);
    } finally {
      close();
    }
  });

  it('nssEvidence keeps at most 8 names, sorted', () => {
    const many = Array.from({ length: 20 }, (_, i) => `__nss_db${String.fromCharCode(97 + i)}_lookup2`);
    expect(nssEvidence(many)).toEqual(many.slice(0, 8));
  });
});

describe('evidenceFromStrings', () => {
  // Go's resolver reads /etc/nsswitch.conf itself: that string alone is no glibc NSS.
  it.each([
    ['both strings (glibc NSS)', ['/etc/nsswitch.conf', 'libnss_'], ['/etc/nsswitch.conf', 'libnss_']],
    ['the module prefix alone', ['libnss_'], ['libnss_']],
    ['/etc/nsswitch.conf alone (a static Go program)', ['/etc/nsswitch.conf'], []],
    ['neither', [], []],
  ])('%s', (label, strings, nss) => {
    const b = Buffer.alloc(64 * 1024);
    strings.forEach((t, k) => b.write(t, 1000 + k * 20_000, 'latin1'));
    const { src, close } = sourceFor(`evidence-${label.replace(/[^a-z]+/gi, '-')}`, b);
    try {
      expect(evidenceFromStrings(src, [{ offset: 0, size: b.length }])).toEqual({ nss, dlopen: [] });
    } finally {
      close();
    }
  });
});

describe('searchRanges', () => {
  it('finds a pattern that straddles a 1 MiB chunk boundary exactly once', () => {
    const b = Buffer.alloc((1 << 20) + 4096);
    b.write('/etc/nsswitch.conf', (1 << 20) - 7, 'latin1');
    b.write('libnss_', 10, 'latin1');
    const { src, close } = sourceFor('straddle', b);
    try {
      const found: Array<[string, number]> = [];
      searchRanges(src, [{ offset: 0, size: b.length }], STRINGS, (p, o) => found.push([p, o]));
      expect(found.sort()).toEqual([
        ['/etc/nsswitch.conf', (1 << 20) - 7],
        ['libnss_', 10],
      ]);
    } finally {
      close();
    }
  });

  it(`reads at most ${SEARCH_MAX / 1024 / 1024} MiB of a huge range (sparse file)`, () => {
    const path = join(dir, 'sparse');
    const fd = openSync(path, 'w+');
    ftruncateSync(fd, SEARCH_MAX * 2);
    const src = new Source(fd, SEARCH_MAX * 2, path);
    try {
      let hits = 0;
      searchRanges(src, [{ offset: 0, size: SEARCH_MAX * 2 }], STRINGS, () => hits++);
      expect(hits).toBe(0);
      expect(src.bytesRead).toBeLessThanOrEqual(SEARCH_MAX);
    } finally {
      closeSync(fd);
    }
  });
});
