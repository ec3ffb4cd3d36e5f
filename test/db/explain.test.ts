/**
 * explainSymbols against a table of known answers (musl versions, arches, gcompat, glibc nodes,
 * shims, hazards, advice), and listDatabase's shape. Each expectation comes from a primary source
 * named in docs/data.md (musl's dynlink.c and WHATSNEW, Debian's packages, gcompat's export list,
 * glibc's version nodes) or is checked by the oracle test against the real loader.
 */
import { describe, expect, it } from 'vitest';
import { loadDatabase } from '../../src/db/index.js';
import { explainSymbols, listDatabase, type ExplainEntry } from '../../src/db/explain.js';

const db = loadDatabase();

/** Known is one row: symbol, target spec, arch, and the fields it must have. */
type Known = [symbol: string, target: string, arch: string, expected: Partial<Omit<ExplainEntry, 'shims' | 'hazards' | 'advice'>> & { shims?: string[]; hazards?: string[]; advice?: boolean }];

const KNOWN: Known[] = [
  // LFS64: real exports in 1.2.3, loader remap from 1.2.4, posix_fallocate64 too long for 1.2.4/1.2.5's buffer, fixed in 1.2.6
  ['fopen64', 'musl:1.2.3', 'x86_64', { musl: true, glibc: 'GLIBC_2.2.5', muslSince: '1.2.3' }],
  ['fopen64', 'alpine:3.18', 'x86_64', { musl: true }],
  ['fopen64', 'alpine:3.23', 'x86_64', { musl: true, gcompat: true, advice: false }],
  ['posix_fallocate64', 'alpine:3.17', 'x86_64', { musl: true }],
  ['posix_fallocate64', 'alpine:3.19', 'x86_64', { musl: false, gcompat: false, advice: true }],
  ['posix_fallocate64', 'musl:1.2.5', 'aarch64', { musl: false, glibc: 'GLIBC_2.17' }],
  ['posix_fallocate64', 'alpine:edge', 'x86_64', { musl: true }],
  ['readdir64_r', 'alpine:3.22', 'x86_64', { musl: true }],
  ['__fxstat64', 'alpine:3.21', 'x86_64', { musl: true }],
  ['fcntl64', 'alpine:3.23', 'x86_64', { musl: false, gcompat: false, glibc: 'GLIBC_2.28', muslSince: null, advice: true }],
  ['fcntl64', 'alpine:3.17', 'x86_64', { musl: false }],
  // version-specific musl additions
  ['statx', 'alpine:3.19', 'x86_64', { musl: false, glibc: 'GLIBC_2.28', muslSince: '1.2.5' }],
  ['statx', 'alpine:3.20', 'x86_64', { musl: true }],
  ['statx', 'alpine:3.23', 'armv7', { musl: true }],
  ['preadv2', 'alpine:3.18', 'aarch64', { musl: false, muslSince: '1.2.5' }],
  ['pwritev2', 'musl:1.2.5', 'riscv64', { musl: true }],
  ['renameat2', 'alpine:3.23', 'x86_64', { musl: false, muslSince: '1.2.6', glibc: 'GLIBC_2.28' }],
  ['renameat2', 'alpine:edge', 'x86_64', { musl: true }],
  ['posix_getdents', 'alpine:3.21', 'x86_64', { musl: false, glibc: null, muslSince: '1.2.6' }],
  ['posix_getdents', 'alpine:edge', 's390x', { musl: true }],
  ['qsort_r', 'alpine:3.17', 'x86_64', { musl: true, glibc: 'GLIBC_2.8', muslSince: '1.2.3' }],
  // Debian corrections
  ['crypt', 'alpine:3.17', 'x86_64', { musl: true, glibc: null, muslSince: '1.2.3' }],
  ['fts_open', 'alpine:3.23', 'x86_64', { musl: false, gcompat: false, muslSince: null, glibc: 'GLIBC_2.2.5', shims: ['musl-fts'] }],
  // arch-only names
  ['arch_prctl', 'alpine:3.23', 'x86_64', { musl: true, muslSince: '1.2.3' }],
  ['arch_prctl', 'alpine:3.23', 'aarch64', { musl: false, glibc: null, muslSince: null }],
  ['__clock_gettime64', 'alpine:3.23', 'armhf', { musl: true, muslSince: '1.2.3', glibc: 'GLIBC_2.34' }],
  ['__clock_gettime64', 'alpine:3.23', 'x86_64', { musl: false }],
  ['fopen64', 'alpine:3.17', 'riscv64', { musl: null }],
  // glibc ABI names musl exports
  ['__libc_start_main', 'alpine:3.23', 'x86_64', { musl: true, glibc: 'GLIBC_2.2.5' }],
  ['memcpy', 'alpine:3.23', 'aarch64', { musl: true, glibc: 'GLIBC_2.17' }],
  ['__isoc99_sscanf', 'alpine:3.23', 'x86_64', { musl: true, glibc: 'GLIBC_2.7' }],
  ['__xpg_basename', 'alpine:3.23', 'x86_64', { musl: true }],
  // gcompat 1.1.0 and its traps
  ['__printf_chk', 'alpine:3.23', 'x86_64', { musl: false, gcompat: true, glibc: 'GLIBC_2.3.4', advice: true }],
  ['__fdelt_chk', 'alpine:3.23', 'x86_64', { musl: false, gcompat: true, glibc: 'GLIBC_2.15' }],
  ['__openat_2', 'alpine:3.23', 'x86_64', { musl: false, gcompat: false, glibc: 'GLIBC_2.7', advice: true }],
  ['getcontext', 'alpine:3.23', 'x86_64', { musl: false, gcompat: true, shims: ['libucontext'], hazards: ['gcompat-getcontext'], advice: true }],
  ['makecontext', 'alpine:3.23', 'x86_64', { musl: false, gcompat: true, shims: ['libucontext'], hazards: [] }],
  ['__libc_single_threaded', 'alpine:3.23', 'x86_64', { musl: false, gcompat: true, glibc: 'GLIBC_2.32', hazards: ['gcompat-__libc_single_threaded'] }],
  ['backtrace', 'alpine:3.23', 'x86_64', { musl: false, gcompat: true, hazards: ['gcompat-backtrace'], advice: true }],
  ['gnu_get_libc_version', 'alpine:3.23', 'x86_64', { musl: false, gcompat: true, hazards: ['gcompat-gnu_get_libc_version'] }],
  ['error', 'alpine:3.23', 'x86_64', { musl: false, gcompat: true, advice: true }],
  ['error_at_line', 'alpine:3.23', 'x86_64', { musl: false, gcompat: false, advice: true }],
  ['_obstack_newchunk', 'alpine:3.23', 'x86_64', { musl: false, gcompat: true, shims: ['musl-obstack'] }],
  ['mallinfo', 'alpine:3.23', 'x86_64', { musl: false, gcompat: true }],
  ['mallinfo2', 'alpine:3.23', 'x86_64', { musl: false, gcompat: false, glibc: 'GLIBC_2.33', advice: true }],
  ['__cxa_thread_atexit_impl', 'alpine:3.23', 'x86_64', { musl: false, gcompat: true, glibc: 'GLIBC_2.18' }],
  ['canonicalize_file_name', 'alpine:3.23', 'x86_64', { musl: false, gcompat: false, advice: true }],
  ['fcntl64', 'musl:1.2.5', 'x86_64', { musl: false, gcompat: null }],
  // nothing provides these
  ['__isoc23_strtol', 'alpine:3.23', 'x86_64', { musl: false, gcompat: false, glibc: 'GLIBC_2.38', shims: [], advice: true }],
  ['__isoc23_sscanf', 'alpine:3.23', 'aarch64', { musl: false, gcompat: false, glibc: 'GLIBC_2.38', advice: true }],
  ['arc4random', 'alpine:3.23', 'x86_64', { musl: false, gcompat: false, glibc: 'GLIBC_2.36', shims: ['libbsd'], advice: true }],
  ['close_range', 'alpine:3.23', 'x86_64', { musl: false, gcompat: false, glibc: 'GLIBC_2.34', advice: true }],
  ['_dl_find_object', 'alpine:3.23', 'x86_64', { musl: false, gcompat: false, glibc: 'GLIBC_2.35', advice: true }],
  ['__res_init', 'alpine:3.23', 'x86_64', { musl: false, advice: true }],
  ['sys_siglist', 'alpine:3.23', 'x86_64', { musl: false, advice: true }],
  ['re_compile_pattern', 'alpine:3.23', 'x86_64', { musl: false, advice: true }],
  ['argp_parse', 'alpine:3.23', 'x86_64', { musl: false, gcompat: false, shims: ['argp-standalone'], advice: true }],
  ['xdr_int', 'alpine:3.23', 'x86_64', { musl: false, gcompat: false, shims: ['libtirpc'] }],
  ['_dl_catch_error', 'alpine:3.23', 'x86_64', { musl: false, glibc: 'GLIBC_PRIVATE' }],
  // hazards on names musl has
  ['strerror_r', 'alpine:3.23', 'x86_64', { musl: true, hazards: ['gnu-strerror_r'], shims: [], advice: false }],
  ['basename', 'alpine:3.23', 'x86_64', { musl: true, hazards: ['gnu-basename'] }],
  ['dlclose', 'alpine:3.23', 'x86_64', { musl: true, hazards: ['dlclose-noop'] }],
  ['pthread_create', 'alpine:3.23', 'x86_64', { musl: true, glibc: 'GLIBC_2.2.5', hazards: ['thread-stack-128k'] }],
  ['getpwnam', 'alpine:3.23', 'x86_64', { musl: true, hazards: ['nss-files-only'] }],
  ['no_such_symbol_anywhere', 'alpine:3.23', 'x86_64', { musl: false, gcompat: false, glibc: null, muslSince: null, shims: [], hazards: [], advice: false }],
];

describe('explainSymbols: known answers', () => {
  it.each(KNOWN)('%s on %s/%s', (symbol, spec, arch, expected) => {
    const [entry] = explainSymbols(db, [symbol], db.resolveTarget(spec), arch);
    expect(entry).toBeDefined();
    if (entry === undefined) return;
    const { shims, hazards, advice, ...plain } = expected;
    expect(entry).toMatchObject(plain);
    if (shims !== undefined) expect(entry.shims.map((s) => s.package)).toEqual(shims);
    if (hazards !== undefined) expect(entry.hazards.map((h) => h.id)).toEqual(hazards);
    if (advice !== undefined) expect(entry.advice !== null).toBe(advice);
  });

  it('has at least 40 known answers', () => {
    expect(KNOWN.length).toBeGreaterThanOrEqual(40);
  });

  it('keeps the order asked and the documented keys', () => {
    const entries = explainSymbols(db, ['statx', 'fcntl64', 'memcpy'], db.resolveTarget(), 'x86_64');
    expect(entries.map((e) => e.name)).toEqual(['statx', 'fcntl64', 'memcpy']);
    expect(Object.keys(entries[0] ?? {})).toEqual(['name', 'musl', 'gcompat', 'glibc', 'muslSince', 'shims', 'hazards', 'advice']);
  });

  it('names a source for every shim, hazard and advice it returns', () => {
    const entries = explainSymbols(db, KNOWN.map((k) => k[0]), db.resolveTarget(), 'x86_64');
    for (const e of entries) {
      for (const s of e.shims) expect(s.source).toMatch(/\w/);
      for (const h of e.hazards) expect(h.source).toMatch(/\w/);
      if (e.advice !== null) expect(e.advice.source).toMatch(/\w/);
    }
  });
});

describe('listDatabase', () => {
  const listing = listDatabase(db);

  it('lists every target with its musl, GCC and gcompat, the default marked', () => {
    expect(listing.defaultTarget).toBe('alpine:3.23');
    expect(listing.targets.filter((t) => t.default).map((t) => t.id)).toEqual(['alpine:3.23']);
    expect(listing.targets.map((t) => t.id)).toEqual([
      'alpine:3.23', 'alpine:3.22', 'alpine:3.21', 'alpine:3.20', 'alpine:3.19', 'alpine:3.18', 'alpine:3.17', 'alpine:edge',
      'musl:1.2.6', 'musl:1.2.5', 'musl:1.2.4', 'musl:1.2.3',
    ]);
    expect(listing.targets.find((t) => t.id === 'alpine:3.19')).toMatchObject({ musl: '1.2.4', gcc: '13.2', gcompat: '1.1.0', derived: true });
    expect(listing.targets.find((t) => t.id === 'alpine:edge')).toMatchObject({ musl: '1.2.6', derived: true });
  });

  it('gives per-version, per-arch set sizes and provenance', () => {
    const v123 = listing.musl.find((v) => v.version === '1.2.3');
    expect(v123?.derived).toBe(false);
    expect(v123?.arches.find((a) => a.arch === 'x86_64')).toMatchObject({ exports: 1704, debianExports: 1705 });
    expect(listing.musl.find((v) => v.version === '1.2.4')?.arches.every((a) => a.debianExports === null)).toBe(true);
    expect(listing.glibc.releases).toEqual(['2.36', '2.41']);
    expect(listing.gcc.map((g) => g.gcc)).toEqual(['12.2', '13.2', '14.2', '15.2', '16.2']);
    expect(listing.provenance.length).toBe(db.provenance.length);
    expect(JSON.parse(JSON.stringify(listing))).toEqual(listing);
  });
});
