/**
 * The bundled data/ files: they validate, they are in the generator's canonical form, the
 * Debian corrections are pinned, every arch's musl set is plausible, provenance is consistent,
 * and loading is fast. CI runs this without network: nothing here downloads anything.
 */
import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DATA_FILES, defaultDataDir, loadDatabaseUncached, validateDatabase } from '../../src/db/index.js';
// @ts-expect-error -- plain ESM helper of the generator, no type declarations
import { formatJson } from '../../scripts/data/format-json.mjs';

const dir = defaultDataDir();
const db = validateDatabase();
const raw = (file: string): Record<string, unknown> => JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;

describe('data files', () => {
  it.each(DATA_FILES)('%s carries schemaVersion 1 and its kind', (file) => {
    const j = raw(file);
    expect(j.schemaVersion).toBe(1);
    expect(j.kind).toBe(file.replace(/\.json$/, ''));
  });

  it.each(['musl.json', 'glibc.json', 'libstdcxx.json', 'gcompat.json'])('%s is byte-identical to the generator’s canonical form (sorted, deterministic)', (file) => {
    const text = readFileSync(join(dir, file), 'utf8');
    expect(formatJson(JSON.parse(text))).toBe(text);
  });

  it('keeps data/ within a few MiB', () => {
    const total = DATA_FILES.reduce((n, f) => n + readFileSync(join(dir, f)).length, 0);
    expect(total).toBeLessThan(3 * 1024 * 1024);
  });

  it('loads fast (loadDatabase on a cold directory)', () => {
    const times: number[] = [];
    for (let i = 0; i < 5; i++) {
      const t0 = performance.now();
      loadDatabaseUncached(dir);
      times.push(performance.now() - t0);
    }
    const best = Math.min(...times);
    console.info(`loadDatabase: first ${times[0]?.toFixed(1)} ms, best of 5 ${best.toFixed(1)} ms`);
    expect(best).toBeLessThan(50);
  });

  it('records provenance with a sha256 for every generated input', () => {
    expect(db.provenance.length).toBeGreaterThan(25);
    for (const p of db.provenance) expect(p.sha256).toMatch(/^[0-9a-f]{64}$/);
    const packages = new Set(db.provenance.map((p) => p.package));
    for (const pkg of ['musl', 'libc6', 'libstdc++6', 'libgcc-s1', 'gcompat']) expect(packages).toContain(pkg);
  });
});

/** MUSL_ARCHES_BY_VERSION: Debian builds musl 1.2.3 (bookworm) and 1.2.5 (trixie) for these; bookworm has no riscv64 musl. */
const MUSL_ARCHES_BY_VERSION: Array<[string, string[]]> = [
  ['1.2.3', ['aarch64', 'armhf', 'ppc64le', 's390x', 'x86', 'x86_64']],
  ['1.2.4', ['aarch64', 'armhf', 'ppc64le', 'riscv64', 's390x', 'x86', 'x86_64']],
  ['1.2.5', ['aarch64', 'armhf', 'ppc64le', 'riscv64', 's390x', 'x86', 'x86_64']],
  ['1.2.6', ['aarch64', 'armhf', 'ppc64le', 'riscv64', 's390x', 'x86', 'x86_64']],
];

describe('musl sets', () => {
  it.each(MUSL_ARCHES_BY_VERSION)('musl %s covers %j', (version, arches) => {
    expect(db.muslVersions.find((v) => v.version === version)?.arches).toEqual(arches);
    expect(db.musl(version, 'riscv64') === null).toBe(version === '1.2.3');
  });

  const sets = MUSL_ARCHES_BY_VERSION.flatMap(([version, arches]) => arches.map((arch) => [version, arch] as const));
  it.each(sets)('musl %s %s is plausible', (version, arch) => {
    const view = db.musl(version, arch);
    expect(view).not.toBeNull();
    if (view === null) return;
    const is32 = arch === 'armhf' || arch === 'x86';
    expect(view.exports.size).toBeGreaterThan(1550);
    expect(view.exports.size).toBeLessThan(1800);
    for (const n of ['malloc', 'printf', 'pthread_create', 'dlopen', '__libc_start_main', '__errno_location', '__cxa_atexit', 'qsort_r', 'pthread_getname_np']) expect(view.exports).toContain(n);
    // arch-only names: arch_prctl exists only for x86; the *_time64 entry points only on 32-bit arches (time64 ABI since 1.2.0)
    expect(view.exports.has('arch_prctl')).toBe(arch === 'x86_64' || arch === 'x86');
    expect(view.exports.has('__clock_gettime64')).toBe(is32);
    expect(view.exports.has('__stat_time64')).toBe(is32);
    // LFS64 names: real exports before 1.2.4, gone from the export table after
    expect(view.exports.has('fopen64')).toBe(version === '1.2.3');
    expect(view.resolves('fopen64')).toBe(true);
    expect(view.loaderPath).toBe(`/lib/ld-musl-${{ x86: 'i386', ppc64le: 'powerpc64le' }[arch] ?? arch}.so.1`);
    expect(view.derived).toBe(version === '1.2.4' || version === '1.2.6');
    expect(view.debianExports === null).toBe(view.derived);
  });

  it('serves armv7 from the armhf data (same ABI and loader)', () => {
    expect([...(db.musl('1.2.5', 'armv7')?.exports ?? [])]).toEqual([...(db.musl('1.2.5', 'armhf')?.exports ?? [])]);
    expect(db.musl('1.2.5', 'armv7')?.loaderPath).toBe('/lib/ld-musl-armhf.so.1');
  });
});

/** CORRECTIONS pins each Debian-vs-upstream difference, as measured (see docs/data.md). */
const CORRECTIONS: Array<{ version: string; name: string; debian: boolean; upstream: boolean }> = [
  ...['fts_open', 'fts_read', 'fts_children', 'fts_set', 'fts_close'].flatMap((name) => [
    { version: '1.2.3', name, debian: true, upstream: false },
    { version: '1.2.5', name, debian: true, upstream: false },
  ]),
  { version: '1.2.5', name: 'renameat2', debian: true, upstream: false },
  ...['crypt', 'crypt_r', 'encrypt', 'setkey'].flatMap((name) => [
    { version: '1.2.3', name, debian: false, upstream: true },
    { version: '1.2.5', name, debian: true, upstream: true },
  ]),
];

describe('Debian corrections, on every arch', () => {
  const rows = CORRECTIONS.flatMap((c) => (db.muslVersions.find((v) => v.version === c.version)?.arches ?? []).map((arch) => ({ ...c, arch })));
  it.each(rows)('musl $version $arch: $name Debian=$debian upstream=$upstream', ({ version, arch, name, debian, upstream }) => {
    const view = db.musl(version, arch);
    expect(view?.debianExports?.has(name)).toBe(debian);
    expect(view?.exports.has(name)).toBe(upstream);
  });

  it('differs from Debian by exactly the corrections, nothing else', () => {
    for (const version of ['1.2.3', '1.2.5']) {
      for (const arch of db.muslVersions.find((v) => v.version === version)?.arches ?? []) {
        const view = db.musl(version, arch);
        const deb = view?.debianExports ?? new Set<string>();
        const ups = view?.exports ?? new Set<string>();
        const diff = [...[...deb].filter((n) => !ups.has(n)).map((n) => `-${n}`), ...[...ups].filter((n) => !deb.has(n)).map((n) => `+${n}`)].sort();
        const expected = CORRECTIONS.filter((c) => c.version === version && c.debian !== c.upstream).map((c) => (c.upstream ? `+${c.name}` : `-${c.name}`)).sort();
        expect(diff).toEqual(expected);
      }
    }
  });

  it.each(['aarch64', 'x86_64', 'armhf', 'riscv64'])('derives 1.2.4 (%s) as 1.2.5 without statx, preadv2, pwritev2', (arch) => {
    const v124 = db.musl('1.2.4', arch);
    const v125 = db.musl('1.2.5', arch);
    const diff = [...(v125?.exports ?? [])].filter((n) => !v124?.exports.has(n)).sort();
    expect(diff).toEqual(['preadv2', 'pwritev2', 'statx']);
    expect([...(v124?.exports ?? [])].every((n) => v125?.exports.has(n))).toBe(true);
  });

  it.each(['x86_64', 's390x'])('derives 1.2.6 (%s) as 1.2.5 plus posix_getdents and renameat2', (arch) => {
    const v126 = db.musl('1.2.6', arch);
    const v125 = db.musl('1.2.5', arch);
    expect([...(v126?.exports ?? [])].filter((n) => !v125?.exports.has(n)).sort()).toEqual(['posix_getdents', 'renameat2']);
    expect(v126?.derivedFrom).toBe('1.2.5');
  });
});

describe('provenance of the musl sets', () => {
  const musl = raw('musl.json') as { provenance: Array<{ package: string; version: string; arch: string; sha256: string; file: string }>; versions: Array<{ version: string; debianVersion: string | null; arches: Record<string, { sha256: string }> }> };
  const debArch: Record<string, string> = { x86_64: 'amd64', aarch64: 'arm64', armhf: 'armhf', x86: 'i386', ppc64le: 'ppc64el', s390x: 's390x', riscv64: 'riscv64' };

  it('ties each measured set to one provenance entry by sha256, package version and arch', () => {
    for (const v of musl.versions) {
      for (const [arch, a] of Object.entries(v.arches)) {
        const p = musl.provenance.find((x) => x.sha256 === a.sha256);
        expect(p, `${v.version} ${arch}`).toMatchObject({ package: 'musl', version: v.debianVersion, arch: debArch[arch] });
      }
    }
    expect(musl.versions.find((v) => v.version === '1.2.5')?.debianVersion).toBe('1.2.5-3.1~deb13u1');
    expect(musl.versions.find((v) => v.version === '1.2.3')?.debianVersion).toBe('1.2.3-1');
  });

  const cache = process.env.MUSLCHECK_DEB_CACHE ?? '/work/cache/debs';
  it.runIf(existsSync(cache))('matches the cached .debs’ sha256 where the cache exists (never downloads)', () => {
    for (const p of musl.provenance) {
      const path = join(cache, p.file);
      if (!existsSync(path)) continue;
      expect(createHash('sha256').update(readFileSync(path)).digest('hex'), p.file).toBe(p.sha256);
    }
  });
});

describe('glibc, libstdc++ and gcompat data', () => {
  it.each(['x86_64', 'aarch64', 'armhf', 'x86', 'ppc64le', 's390x', 'riscv64'])('has glibc names for %s', (arch) => {
    const count = db.glibcSymbolCount(arch);
    expect(count?.public).toBeGreaterThan(3500);
    expect(count?.private).toBeGreaterThan(10);
  });

  it('knows the glibc releases and sonames', () => {
    expect(db.glibcReleases).toEqual(['2.36', '2.41']);
    for (const s of ['libc.so.6', 'libm.so.6', 'libpthread.so.0', 'libresolv.so.2', 'ld-linux-x86-64.so.2', 'ld-linux-aarch64.so.1', 'ld64.so.2']) expect(db.isGlibcSoname(s)).toBe(true);
    expect(db.isGlibcSoname('libstdc++.so.6')).toBe(false);
  });

  it.each([
    ['12.2', 'GLIBCXX_3.4.30', 'GLIBCXX_3.4.31'],
    ['13.2', 'GLIBCXX_3.4.32', 'GLIBCXX_3.4.33'],
    ['14.2', 'GLIBCXX_3.4.33', 'GLIBCXX_3.4.34'],
    ['15.2', 'GLIBCXX_3.4.34', 'GLIBCXX_3.4.35'],
  ])('GCC %s has %s but not %s', (gcc, has, lacks) => {
    const nodes = db.libstdcxxNodes(gcc);
    expect(nodes?.has(has)).toBe(true);
    expect(nodes?.has(lacks)).toBe(false);
    expect(nodes?.has('CXXABI_1.3')).toBe(true);
    expect(nodes?.has('GCC_3.0')).toBe(true);
  });

  it.each([
    ['aarch64', '14.2', 'GCC_11.0', true],
    ['aarch64', '13.2', 'GCC_14.0', false],
    ['aarch64', '14.2', 'GCC_14.0', true],
    ['x86_64', '14.2', 'GCC_11.0', false],
    ['ppc64le', '12.2', 'GLIBCXX_LDBL_3.4', true],
    ['ppc64le', '15.2', 'GLIBCXX_3.4.34', true],
    ['armv7', '14.2', 'GCC_3.5', true],
    ['riscv64', '12.2', 'GCC_3.0', null],
  ] as const)('on %s, GCC %s has %s: %s (libgcc_s/libstdc++ nodes differ per arch)', (arch, gcc, node, has) => {
    const nodes = db.libstdcxxNodes(gcc, arch);
    expect(nodes === null ? null : nodes.has(node)).toBe(has);
  });

  it.each([
    ['GLIBCXX_3.4.30', '12.2'],
    ['GLIBCXX_3.4.31', '13.2'],
    ['CXXABI_1.3.15', '14.2'],
    ['GCC_14.0.0', '14.2'],
    ['GLIBCXX_3.4.34', '15.2'],
    ['GLIBCXX_3.4.36', '16.2'],
    ['GLIBCXX_9.9', null],
  ])('first GCC with %s is %s', (node, gcc) => {
    expect(db.firstGccWithNode(node)).toBe(gcc);
  });

  it('finds arch-specific nodes on their arch only', () => {
    expect(db.firstGccWithNode('GCC_11.0', 'aarch64')).toBe('12.2');
    expect(db.firstGccWithNode('GCC_11.0')).toBeNull();
  });

  it('has gcompat 1.1.0 with its linked libucontext and musl-obstack names, and the git profile', () => {
    const g = db.gcompat('1.1.0', 'x86_64');
    // 265 own exports + 12 libucontext + 9 musl-obstack names; getcontext is in both gcompat and libucontext
    expect(g?.symbols.size).toBe(265 + 12 + 9 - 1);
    expect(g?.symbols.has('makecontext')).toBe(true);
    expect(g?.symbols.has('_obstack_newchunk')).toBe(true);
    expect(g?.symbols.has('fcntl64')).toBe(false);
    expect(db.gcompat('git', 'x86_64')?.symbols.has('fcntl64')).toBe(true);
    expect([...(g?.sonames ?? [])].sort()).toEqual(['libc.so.6', 'libcrypt.so.1', 'libm.so.6', 'libpthread.so.0', 'libresolv.so.2', 'librt.so.1', 'libutil.so.1']);
  });

  it.each([
    ['x86_64', '/lib64/ld-linux-x86-64.so.2'],
    ['aarch64', '/lib/ld-linux-aarch64.so.1'],
    ['armhf', '/lib/ld-linux-armhf.so.3'],
    ['armv7', '/lib/ld-linux-armhf.so.3'],
    ['x86', '/lib/ld-linux.so.2'],
    ['ppc64le', '/lib64/ld64.so.2'],
    ['s390x', '/lib/ld64.so.1'],
    ['riscv64', '/lib/ld-linux-riscv64-lp64d.so.1'],
  ])('gcompat installs the glibc loader for %s at %s', (arch, path) => {
    expect(db.gcompat('1.1.0', arch)?.loaderPath).toBe(path);
  });

  it.each(['getcontext', '__libc_single_threaded', 'backtrace', 'gnu_get_libc_version'])('records gcompat trap %s', (name) => {
    expect(db.gcompat('1.1.0', 'x86_64')?.traps.get(name)).toMatch(/./);
  });
});
