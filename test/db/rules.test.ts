/**
 * The loader rules and lookups: archForElf, the LFS64 retry (musl ldso/dynlink.c get_lfs64),
 * the self sonames (load_library's reserved list), targets, the shim/advice/hazard matcher,
 * Alpine packages by soname, and the validation of malformed data/ files.
 */
import { cpSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DataError, archForElf, defaultDataDir, loadDatabase, loadDatabaseUncached } from '../../src/db/index.js';
import { globToRegExp } from '../../src/db/catalogue.js';

const db = loadDatabase();

describe('archForElf', () => {
  it.each([
    ['x86_64', 64, 'little', 0, 'x86_64'],
    ['x86_64', 32, 'little', 0, 'x32'],
    ['em_62', 64, 'little', 0, 'x86_64'],
    ['i386', 32, 'little', 0, 'x86'],
    ['aarch64', 64, 'little', 0, 'aarch64'],
    ['aarch64', 64, 'big', 0, 'aarch64_be'],
    ['arm', 32, 'little', 0x05000400, 'armhf'],
    ['arm', 32, 'little', 0x05000200, 'arm'],
    ['arm', 32, 'big', 0x05000400, 'armebhf'],
    ['ppc64', 64, 'little', 2, 'ppc64le'],
    ['ppc64', 64, 'big', 1, 'ppc64'],
    ['ppc', 32, 'big', 0, 'ppc'],
    ['s390', 64, 'big', 0, 's390x'],
    ['s390x', 64, 'big', 0, 's390x'],
    ['riscv', 64, 'little', 5, 'riscv64'],
    ['riscv64', 64, 'little', 5, 'riscv64'],
    ['loongarch', 64, 'little', 0x43, 'loongarch64'],
    ['mips', 32, 'little', 0, 'mipsel'],
    ['mips', 32, 'big', 0x20, 'mipsn32'],
    ['mips', 64, 'big', 0, 'mips64'],
    ['sparc', 64, 'big', 0, null],
    ['em_2', 32, 'big', 0, null],
    ['aarch64', 32, 'little', 0, null],
    ['constructor', 64, 'little', 0, null],
  ] as const)('%s/%i/%s/%i -> %s', (machine, cls, endian, flags, arch) => {
    expect(archForElf(machine, cls, endian, flags)).toBe(arch);
    expect(db.archForElf(machine, cls, endian, flags)).toBe(arch);
  });

  it('covers every arch the data has, and x86_64 first-class', () => {
    expect(db.arches).toEqual(['aarch64', 'armhf', 'armv7', 'ppc64le', 'riscv64', 's390x', 'x86', 'x86_64']);
  });
});

describe('LFS64 retry (get_lfs64)', () => {
  const v123 = db.musl('1.2.3', 'x86_64');
  const v124 = db.musl('1.2.4', 'x86_64');
  const v125 = db.musl('1.2.5', 'x86_64');
  const v126 = db.musl('1.2.6', 'x86_64');
  it.each([
    ['fopen64', null, 'fopen', 'fopen', 'fopen'],
    ['readdir64_r', null, 'readdir_r', 'readdir_r', 'readdir_r'],
    ['__fxstatat64', null, '__fxstatat', '__fxstatat', '__fxstatat'],
    ['posix_fadvise64', null, 'posix_fadvise', 'posix_fadvise', 'posix_fadvise'],
    ['posix_fallocate64', null, null, null, 'posix_fallocate'],
    ['fcntl64', null, null, null, null],
    ['strtoll64', null, null, null, null],
    ['64', null, null, null, null],
  ])('%s: 1.2.3 %s, 1.2.4 %s, 1.2.5 %s, 1.2.6 %s', (name, t123, t124, t125, t126) => {
    expect(v123?.lfs64Target?.(name)).toBe(t123);
    expect(v124?.lfs64Target?.(name)).toBe(t124);
    expect(v125?.lfs64Target?.(name)).toBe(t125);
    expect(v126?.lfs64Target?.(name)).toBe(t126);
  });

  it('only retries when the first lookup failed (LFS64 names were exports in 1.2.3)', () => {
    expect(v123?.resolves('stat64')).toBe(true);
    expect(v125?.exports.has('stat64')).toBe(false);
    expect(v125?.resolves('stat64')).toBe(true);
  });
});

describe('self sonames (load_library reserved list)', () => {
  const view = db.musl('1.2.5', 'x86_64');
  it.each([
    ['libc.so.6', true],
    ['libc.so', true],
    ['libc.musl-x86_64.so.1', true],
    ['libm.so.6', true],
    ['libpthread.so.0', true],
    ['libdl.so.2', true],
    ['librt.so.1', true],
    ['libutil.so.1', true],
    ['libxnet.so', true],
    ['libresolv.so.2', false],
    ['libcrypt.so.1', false],
    ['libnsl.so.1', false],
    ['libanl.so.1', false],
    ['ld-linux-x86-64.so.2', false],
    ['libcurl.so.4', false],
    ['libmagic.so.1', false],
  ])('%s -> %s', (soname, self) => {
    expect(view?.isSelfSoname(soname)).toBe(self);
  });
});

describe('targets', () => {
  it.each([
    [undefined, 'alpine:3.23', '1.2.5', '15.2'],
    ['3.22', 'alpine:3.22', '1.2.5', '14.2'],
    ['alpine:3.19', 'alpine:3.19', '1.2.4', '13.2'],
    ['alpine:3.17', 'alpine:3.17', '1.2.3', '12.2'],
    ['edge', 'alpine:edge', '1.2.6', null],
    ['musl:1.2.5', 'musl:1.2.5', '1.2.5', null],
    ['1.2.4', 'musl:1.2.4', '1.2.4', null],
  ])('%s -> %s (musl %s, GCC %s)', (spec, id, musl, gcc) => {
    expect(db.resolveTarget(spec)).toMatchObject({ id, musl, gcc });
  });

  it.each(['alpine:3.16', 'musl:1.1.24', 'debian:12', ''])('rejects %j', (spec) => {
    expect(() => db.resolveTarget(spec)).toThrow(/unknown target/);
  });

  it('gives bare musl targets no gcompat and no GCC', () => {
    expect(db.resolveTarget('musl:1.2.5')).toMatchObject({ alpine: null, gcompat: null, gcc: null });
  });
});

describe('catalogue matching', () => {
  it.each([
    ['__isoc23_*', '__isoc23_strtoull_l', true],
    ['__*_chk', '__fprintf_chk', true],
    ['__*_chk', '__chk_fail', false],
    ['xdr_*', 'xdr_int', true],
    ['a.b*', 'aXb', false],
  ])('%s matches %s: %s', (pattern, name, hit) => {
    expect(globToRegExp(pattern).test(name)).toBe(hit);
  });

  it('prefers exact advice over pattern advice', () => {
    expect(db.advice('__openat_2')?.api).toMatch(/_FORTIFY_SOURCE/);
    expect(db.advice('posix_fallocate64')?.api).toMatch(/posix_fallocate64/);
    expect(db.advice('getcontext')?.api).toMatch(/ucontext/);
  });
});

describe('Alpine packages by soname', () => {
  it.each([
    ['libstdc++.so.6', 'libstdc++', 'libstdc++', true],
    ['libgcc_s.so.1', 'libgcc', 'libgcc', true],
    ['libz.so.1', 'zlib', 'zlib', true],
    ['libssl.so.3', 'libssl3', 'libssl3', true],
    ['libcrypto.so.3', 'libcrypto3', 'libcrypto3', true],
    ['liblzma.so.5', 'xz-libs', 'xz-libs', true],
    ['libsystemd.so.0', null, null, true],
    ['libselinux.so.1', null, null, true],
    ['libfoo.so.7', null, 'so:libfoo.so.7', false],
  ])('%s -> package %s, apk %s', (soname, pkg, apk, known) => {
    expect(db.alpinePackageInfo(soname)).toMatchObject({ package: pkg, apk, known });
    expect(db.alpinePackageForSoname(soname)).toBe(apk ?? `so:${soname}`);
  });

  it('explains every soname Alpine lacks', () => {
    expect(db.alpinePackageInfo('libsystemd.so.0').note).toMatch(/systemd/);
  });
});

describe('validation of malformed data', () => {
  const tmp = mkdtempSync(join(tmpdir(), 'muslcheck-db-'));
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  /** withMutation copies data/ and rewrites one file through `mutate`. */
  function withMutation(file: string, mutate: (j: Record<string, unknown>) => unknown): string {
    const dir = mkdtempSync(join(tmp, 'case-'));
    cpSync(defaultDataDir(), dir, { recursive: true });
    const j = JSON.parse(readFileSync(join(dir, file), 'utf8')) as Record<string, unknown>;
    writeFileSync(join(dir, file), typeof mutate(j) === 'string' ? (mutate(j) as string) : JSON.stringify(j));
    return dir;
  }

  it.each([
    ['targets.json', (j: Record<string, unknown>) => void (j.schemaVersion = 2), /schemaVersion/],
    ['musl.json', (j: Record<string, unknown>) => void (j.kind = 'glibc'), /kind/],
    ['shims.json', () => '{"schemaVersion": 1,', /invalid JSON/],
    ['shims.json', (j: Record<string, unknown>) => void ((j.shims as Array<Record<string, unknown>>)[0]!.use = 'magic'), /use/],
    ['sonames.json', (j: Record<string, unknown>) => void ((j.packages as Record<string, unknown>)['libx.so.1'] = { package: null, note: null }), /needs a note/],
    ['targets.json', (j: Record<string, unknown>) => void (j.defaultTarget = 'alpine:9.9'), /defaultTarget/],
    ['musl.json', (j: Record<string, unknown>) => void ((j.provenance as Array<Record<string, unknown>>)[0]!.sha256 = 'abc'), /sha256/],
  ])('rejects a broken %s', (file, mutate, message) => {
    const dir = withMutation(file, mutate);
    expect(() => loadDatabaseUncached(dir)).toThrow(message);
  });

  it('rejects an unsorted musl list when the set is first built, naming file and path', () => {
    const dir = withMutation('musl.json', (j) => {
      const v = (j.versions as Array<{ arches: Record<string, { debianExports: string }> }>)[0]!;
      v.arches.x86_64!.debianExports = v.arches.x86_64!.debianExports.split(' ').reverse().join(' ');
    });
    const loaded = loadDatabaseUncached(dir);
    expect(() => loaded.musl('1.2.3', 'x86_64')).toThrow(DataError);
    expect(() => loaded.musl('1.2.3', 'x86_64')).toThrow(/musl\.json: .*debianExports/);
  });

  it('reports a missing file as DataError', () => {
    const dir = mkdtempSync(join(tmp, 'empty-'));
    expect(() => loadDatabaseUncached(dir)).toThrow(DataError);
  });
});
