/**
 * verdicts.test: table-driven analysis of synthetic ELF files against the real database:
 * imports in, findings, unresolved sets and verdict out.
 */
import { describe, expect, it } from 'vitest';
import { analyzeElf, NO_LIBRARIES, type LibraryLookup } from '../../src/analyze/index.js';
import { exitCodeFor, verdictOf } from '../../src/plan/index.js';
import { loadDatabase } from '../../src/db/index.js';
import type { ElfInfo } from '../../src/elf/types.js';
import { elf, imp } from './fixtures.js';

const db = loadDatabase();

const MUSL_EXE = { interp: '/lib/ld-musl-x86_64.so.1', needed: ['libc.so'] };
/** STATIC is a static executable; `libc` says what its notes and symbols show. */
const STATIC = (libc: Partial<NonNullable<ElfInfo['staticLibc']>>): Partial<ElfInfo> => ({
  type: 'exec',
  interp: null,
  needed: [],
  static: true,
  pie: false,
  imports: [],
  staticLibc: { glibcAbiTag: true, nss: [], dlopen: [], source: 'symtab', ...libc },
});
const RELR = { counts: {}, irelative: 0, irelativeType: 37, relr: true, unreferencedImports: [], selfReferencedUnbindable: [] };
/** MIPS is a 32-bit big-endian MIPS o32 file: musl has a port, muslcheck has no symbol data. */
const MIPS = { class: 32 as const, endian: 'big' as const, machine: 'mips', machineCode: 8, flags: 0x70001007 };

interface Case {
  name: string;
  file: Partial<ElfInfo>;
  target?: string;
  path?: string;
  lookup?: LibraryLookup;
  verdict: string;
  codes: string[];
  unresolved?: string[];
  withGcompat?: string[];
}

const CASES: Case[] = [
  { name: 'glibc hello: only the loader', file: { imports: [imp('puts@GLIBC_2.2.5'), imp('__libc_start_main@GLIBC_2.34')] }, verdict: 'loader', codes: ['glibc-interpreter'], unresolved: [] },
  {
    name: 'fortified: gcompat',
    file: { imports: [imp('__printf_chk@GLIBC_2.3.4'), imp('__memcpy_chk@GLIBC_2.3.4'), imp('puts@GLIBC_2.2.5')] },
    verdict: 'gcompat',
    codes: ['glibc-interpreter', 'missing-symbol-gcompat'],
    unresolved: ['__memcpy_chk', '__printf_chk'],
    withGcompat: [],
  },
  { name: 'fcntl64: rebuild', file: { imports: [imp('fcntl64@GLIBC_2.28')] }, verdict: 'rebuild', codes: ['glibc-interpreter', 'missing-symbol-rebuild'], unresolved: ['fcntl64'], withGcompat: ['fcntl64'] },
  { name: '__openat_2: rebuild', file: { imports: [imp('__openat_2@GLIBC_2.7')] }, verdict: 'rebuild', codes: ['glibc-interpreter', 'missing-symbol-rebuild'], unresolved: ['__openat_2'] },
  { name: 'close_range: patch', file: { imports: [imp('close_range@GLIBC_2.34')] }, verdict: 'patch', codes: ['glibc-interpreter', 'missing-symbol-patch'] },
  { name: 'arc4random: shim libbsd', file: { imports: [imp('arc4random_uniform@GLIBC_2.36')] }, verdict: 'shim', codes: ['glibc-interpreter', 'missing-symbol-shim'] },
  { name: 'fts: shim musl-fts', file: { imports: [imp('fts_open@GLIBC_2.2.5'), imp('fts_read@GLIBC_2.2.5')] }, verdict: 'shim', codes: ['glibc-interpreter', 'missing-symbol-shim'] },
  { name: 'weak imports never fail', file: { imports: [imp('arc4random@GLIBC_2.36', true), imp('puts@GLIBC_2.2.5')] }, verdict: 'loader', codes: ['glibc-interpreter'], unresolved: [] },
  { name: 'fopen64 resolves on 1.2.5 by the LFS64 retry', file: { imports: [imp('fopen64@GLIBC_2.2.5')] }, verdict: 'loader', codes: ['glibc-interpreter'], unresolved: [] },
  { name: 'fopen64 is a real export on 1.2.3', target: 'musl:1.2.3', file: { imports: [imp('fopen64@GLIBC_2.2.5')] }, verdict: 'loader', codes: ['glibc-interpreter'], unresolved: [] },
  { name: 'GLIBC_PRIVATE: rebuild', file: { imports: [imp('__libc_enable_secure@GLIBC_PRIVATE')] }, verdict: 'rebuild', codes: ['glibc-interpreter', 'glibc-private'] },
  { name: 'musl-native hello: ok', file: { ...MUSL_EXE, imports: [imp('puts')] }, verdict: 'ok', codes: [] },
  { name: 'statx on musl 1.2.4: musl too old', target: 'alpine:3.19', file: { ...MUSL_EXE, imports: [imp('statx')] }, verdict: 'rebuild', codes: ['musl-too-old'] },
  { name: 'statx on Alpine 3.22: ok', target: 'alpine:3.22', file: { ...MUSL_EXE, imports: [imp('statx')] }, verdict: 'ok', codes: [] },
  { name: 'mixed libc', file: { ...MUSL_EXE, imports: [imp('__printf_chk'), imp('puts')] }, verdict: 'rebuild', codes: ['mixed-libc'] },
  {
    name: 'IFUNC relocation: unsupported',
    file: { imports: [imp('puts@GLIBC_2.2.5')], relocations: { counts: { 37: 1 }, irelative: 1, irelativeType: 37, relr: false, unreferencedImports: [], selfReferencedUnbindable: [] } },
    verdict: 'rebuild',
    codes: ['glibc-interpreter', 'unsupported-relocation'],
  },
  { name: 'static: ok', file: { interp: null, needed: [], static: true, imports: [] }, verdict: 'ok', codes: ['static-binary'] },
  { name: 'static glibc without NSS or dlopen: ok', file: STATIC({}), verdict: 'ok', codes: ['static-binary'] },
  { name: 'static glibc with NSS: rebuild', file: STATIC({ nss: ['__nss_passwd_lookup2'] }), verdict: 'rebuild', codes: ['static-binary', 'static-nss'] },
  { name: 'static glibc (before 2.34) calling dlopen: rebuild', file: STATIC({ dlopen: ['dlopen'] }), verdict: 'rebuild', codes: ['static-binary', 'static-nss'] },
  { name: 'static musl or Go (no ABI tag): ok', file: STATIC({ glibcAbiTag: false, source: null }), verdict: 'ok', codes: ['static-binary'] },
  { name: 'static record from an older cache (no staticLibc): ok', file: { ...STATIC({}), staticLibc: undefined as never }, verdict: 'ok', codes: ['static-binary'] },
  { name: 'DT_RELR on musl 1.2.3 (Alpine 3.17): rebuild', target: 'alpine:3.17', file: { ...MUSL_EXE, imports: [imp('puts')], relocations: RELR }, verdict: 'rebuild', codes: ['relr-unsupported'] },
  { name: 'DT_RELR on musl 1.2.4 (Alpine 3.18): ok', target: 'alpine:3.18', file: { ...MUSL_EXE, imports: [imp('puts')], relocations: RELR }, verdict: 'ok', codes: [] },
  { name: 'DT_RELR in a static-pie relocates itself: ok', target: 'alpine:3.17', file: { ...STATIC({ glibcAbiTag: false, source: null }), type: 'dyn', pie: true, relocations: RELR }, verdict: 'ok', codes: ['static-binary'] },
  { name: 'mips glibc: no symbol data, no verdict (error), no rebuild claimed', file: { ...MIPS, interp: '/lib/ld.so.1', imports: [imp('__snprintf_chk@GLIBC_2.3.4')] }, verdict: 'error', codes: ['arch-not-covered'] },
  { name: 'mips musl: no symbol data, ok', file: { ...MIPS, interp: '/lib/ld-musl-mips.so.1', needed: ['libc.so'], imports: [imp('puts')] }, verdict: 'ok', codes: ['arch-not-covered'] },
  { name: 'mips static: analysed like any static file', file: { ...MIPS, ...STATIC({ glibcAbiTag: false, source: null }) }, verdict: 'ok', codes: ['static-binary'] },
  { name: 'sparc: no musl port, rebuild', file: { class: 64, endian: 'big', machine: 'sparcv9', machineCode: 43, interp: '/lib64/ld-linux.so.2', imports: [imp('puts@GLIBC_2.2')] }, verdict: 'rebuild', codes: ['unsupported-arch'] },
  {
    name: 'ucontext: one libucontext group (gcompat only stubs getcontext), no gcompat finding',
    file: { imports: [imp('getcontext@GLIBC_2.2.5'), imp('makecontext@GLIBC_2.2.5'), imp('swapcontext@GLIBC_2.2.5'), imp('puts@GLIBC_2.2.5')] },
    verdict: 'shim',
    codes: ['gcompat-stub', 'glibc-interpreter', 'missing-symbol-shim'],
    withGcompat: [],
  },
  {
    name: 'ucontext and fortify: libucontext and gcompat',
    file: { imports: [imp('getcontext@GLIBC_2.2.5'), imp('__printf_chk@GLIBC_2.3.4')] },
    verdict: 'shim',
    codes: ['gcompat-stub', 'glibc-interpreter', 'missing-symbol-gcompat', 'missing-symbol-shim'],
  },
  { name: 'thread stack hazard', file: { imports: [imp('pthread_create@GLIBC_2.34')] }, verdict: 'loader', codes: ['glibc-interpreter', 'small-thread-stack'] },
  { name: 'thread stack set at link time', file: { gnuStack: { executable: false, size: 8 << 20 }, imports: [imp('pthread_create@GLIBC_2.34')] }, verdict: 'loader', codes: ['glibc-interpreter'] },
  { name: 'libresolv: glibc-only library gcompat answers', file: { needed: ['libresolv.so.2', 'libc.so.6'], imports: [imp('puts@GLIBC_2.2.5')] }, verdict: 'gcompat', codes: ['glibc-interpreter', 'glibc-only-library'] },
  { name: 'system library from Alpine', file: { needed: ['libz.so.1', 'libc.so.6'], imports: [imp('deflate@ZLIB_1.2.0'), imp('puts@GLIBC_2.2.5')] }, verdict: 'loader', codes: ['glibc-interpreter', 'system-library'], unresolved: [] },
  {
    name: 'too-new libstdc++ on Alpine 3.17 (GCC 12)',
    target: 'alpine:3.17',
    file: { needed: ['libstdc++.so.6', 'libc.so.6'], versionNeeds: [{ file: 'libstdc++.so.6', versions: [{ name: 'GLIBCXX_3.4.32', weak: false, index: 2 }] }], imports: [imp('_ZSt4cout@GLIBCXX_3.4.32')] },
    verdict: 'rebuild',
    codes: ['glibc-interpreter', 'libstdcxx-too-new', 'system-library'],
  },
  {
    name: 'Node addon: host symbols are not unresolved',
    path: '/app/node_modules/x/build/Release/x.node',
    file: { interp: null, imports: [imp('napi_create_string_utf8'), imp('__sprintf_chk@GLIBC_2.3.4')] },
    verdict: 'gcompat',
    codes: ['host-symbols', 'missing-symbol-gcompat'],
    unresolved: ['__sprintf_chk'],
  },
  {
    name: 'a bundled library in the tree provides a missing name',
    file: { needed: ['libbundle.so.1', 'libc.so.6'], imports: [imp('error_at_line'), imp('puts@GLIBC_2.2.5')] },
    lookup: { find: (n) => (n === 'libbundle.so.1' ? { path: '/t/lib/libbundle.so.1', soname: n, needed: [], rpath: null, runpath: null, names: new Set(['error_at_line']) } : null) },
    verdict: 'loader',
    codes: ['glibc-interpreter'],
    unresolved: [],
  },
  { name: 'i386 glibc: time64 ABI', file: { class: 32, machine: 'i386', machineCode: 3, interp: '/lib/ld-linux.so.2', imports: [imp('time@GLIBC_2.0'), imp('puts@GLIBC_2.0')] }, verdict: 'rebuild', codes: ['glibc-interpreter', 'time64-abi'] },
];

describe('analyzeElf', () => {
  it.each(CASES)('$name', (c) => {
    const target = db.resolveTarget(c.target ?? 'alpine:3.22');
    const r = analyzeElf(c.path ?? '/t/app', elf(c.file), { db, target, lookup: c.lookup ?? NO_LIBRARIES });
    const codes = [...new Set(r.findings.filter((f) => f.code !== 'behaviour-difference').map((f) => f.code))].sort();
    expect({ verdict: r.verdict, codes }).toEqual({ verdict: c.verdict, codes: [...c.codes].sort() });
    if (c.unresolved) expect(r.unresolved).toEqual(c.unresolved);
    if (c.withGcompat) expect(r.unresolvedWithGcompat).toEqual(c.withGcompat);
    expect(verdictOf(r.findings)).toBe(r.verdict);
    expect(r.plan.length > 0).toBe(r.verdict !== 'ok');
  });
});

describe('thread stack hazard: one finding, only without a PT_GNU_STACK size', () => {
  const target = db.resolveTarget('alpine:3.22');
  /** stackFindings lists the findings about musl's thread stack, as `code` or `code:hazard`. */
  const stackFindings = (gnuStack: ElfInfo['gnuStack']): string[] =>
    analyzeElf('/t/app', elf({ gnuStack, imports: [imp('pthread_create@GLIBC_2.34'), imp('puts@GLIBC_2.2.5')] }), { db, target, lookup: NO_LIBRARIES })
      .findings.filter((f) => f.code === 'small-thread-stack' || String(f.args['hazard']).startsWith('thread-stack'))
      .map((f) => (f.code === 'behaviour-difference' ? `${f.code}:${String(f.args['hazard'])}` : f.code));
  it.each([
    ['no PT_GNU_STACK', null, ['small-thread-stack']],
    ['PT_GNU_STACK without a size', { executable: false, size: 0 }, ['small-thread-stack']],
    ['-Wl,-z,stack-size=8388608', { executable: false, size: 8 << 20 }, []],
  ] as const)('%s', (_label, gnuStack, expected) => {
    expect(stackFindings(gnuStack)).toEqual(expected);
  });
});

describe('finding arguments', () => {
  const analyze = (file: Partial<ElfInfo>, target = 'alpine:3.22') => analyzeElf('/t/app', elf(file), { db, target: db.resolveTarget(target), lookup: NO_LIBRARIES });
  it('relr-unsupported names the musl version and the first Alpine release with it', () => {
    const f = analyze({ ...MUSL_EXE, relocations: RELR }, 'alpine:3.17').findings.find((x) => x.code === 'relr-unsupported');
    expect(f?.args).toEqual({ musl: '1.2.4', targetMusl: '1.2.3', alpine: 'alpine:3.18' });
  });
  it('missing-symbol-shim lists the names gcompat only stubs', () => {
    const f = analyze({ imports: [imp('getcontext@GLIBC_2.2.5'), imp('makecontext@GLIBC_2.2.5')] }).findings.find((x) => x.code === 'missing-symbol-shim');
    expect(f?.args).toMatchObject({ package: 'libucontext', soname: 'libucontext.so.1', symbols: ['getcontext', 'makecontext'], gcompatStubs: ['getcontext'] });
  });
  it('static-nss carries the evidence', () => {
    const f = analyze(STATIC({ nss: ['__nss_hosts_lookup2'], source: 'segments' })).findings.find((x) => x.code === 'static-nss');
    expect(f?.args).toEqual({ nss: ['__nss_hosts_lookup2'], dlopen: [], evidence: 'segments' });
  });
  it('arch-not-covered names the musl loader to check with', () => {
    const r = analyze({ ...MIPS, interp: '/lib/ld.so.1', imports: [imp('puts@GLIBC_2.0')] });
    expect(r.findings[0]?.args).toMatchObject({ arch: 'mips', libc: 'glibc', loader: '/lib/ld-musl-mips.so.1' });
    expect(r.plan).toEqual([expect.objectContaining({ kind: 'note', command: '/lib/ld-musl-mips.so.1 --list /t/app' })]);
  });
});

describe('exit codes', () => {
  const target = db.resolveTarget('alpine:3.22');
  const loader = analyzeElf('/t/a', elf({ imports: [imp('puts@GLIBC_2.2.5')] }), { db, target, lookup: NO_LIBRARIES });
  const rebuild = analyzeElf('/t/b', elf({ imports: [imp('fcntl64@GLIBC_2.28')] }), { db, target, lookup: NO_LIBRARIES });
  it.each([
    ['rebuild', [loader], 0],
    ['rebuild', [loader, rebuild], 1],
    ['loader', [loader], 1],
    ['patch', [rebuild], 0],
  ] as const)('--fail-on %s', (failOn, reports, code) => {
    expect(exitCodeFor(reports, failOn)).toBe(code);
  });
});
