/**
 * facts: the hand-verified facts the generator applies to what it reads from the .debs.
 * Every entry names its source; each was checked on the real files or sources before being
 * encoded (docs/data.md, "Corrections", records how).
 */

/** DEBIAN_TO_MUSL_ARCH maps Debian architecture names to musl/Alpine ones. */
export const DEBIAN_TO_MUSL_ARCH = Object.freeze({
  amd64: 'x86_64',
  arm64: 'aarch64',
  armhf: 'armhf',
  i386: 'x86',
  ppc64el: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
});

const FTS = ['fts_children', 'fts_close', 'fts_open', 'fts_read', 'fts_set'];

/**
 * MUSL_CORRECTIONS turns Debian's musl builds into upstream (Alpine) musl, per upstream version.
 * Verified on x86_64 by building musl v1.2.3 and v1.2.5 from the bminor/musl tags and diffing
 * `nm -D --defined-only` with Debian's libc.so: Debian 1.2.3-1 = upstream + fts_* - {crypt,
 * crypt_r, encrypt, setkey}; Debian 1.2.5-3.1~deb13u1 = upstream + fts_* + renameat2. The
 * generator re-checks on every arch that Debian still has/lacks each name.
 */
export const MUSL_CORRECTIONS = Object.freeze({
  '1.2.3': {
    remove: FTS,
    add: ['crypt', 'crypt_r', 'encrypt', 'setkey'],
    reason:
      "Debian's musl 1.2.3-1 merges musl-fts (exports fts_*) and builds without musl's crypt (no crypt, crypt_r, encrypt, setkey); upstream musl 1.2.3 (Alpine 3.17) is the other way round. Checked against a build of the v1.2.3 tag.",
    lfs64Remap: false,
    lfs64NameMax: null,
    note: 'measured from Debian bookworm; the *64 LFS names are real exports before 1.2.4',
  },
  '1.2.5': {
    remove: [...FTS, 'renameat2'],
    add: [],
    reason:
      "Debian's musl 1.2.5-3.1~deb13u1 merges musl-fts (fts_*) and carries a patch adding renameat2 (upstream adds it after 1.2.5); upstream musl 1.2.5 (Alpine 3.20-3.23) has neither. Checked against a build of the v1.2.5 tag.",
    lfs64Remap: true,
    lfs64NameMax: 16,
    note: 'measured from Debian trixie; the loader maps LFS64 names, but names longer than 16 characters (posix_fallocate64) are not retried',
  },
});

/**
 * DERIVED_MUSL are versions Debian does not package, derived from a measured one.
 * 1.2.4 (Alpine 3.18/3.19): musl git `git diff --diff-filter=A v1.2.4 v1.2.5 -- src/` adds only
 * src/linux/statx.c, preadv2.c, pwritev2.c (plus internal/arch files) and WHATSNEW 1.2.5 lists
 * statx, preadv2, pwritev2 as new; a build of the v1.2.4 tag equals 1.2.5 minus those three.
 * 1.2.6 (edge): musl git after v1.2.5 (bminor/musl mirror at 86373b49, 2025-05-27) adds
 * src/dirent/posix_getdents.c and src/linux/renameat2.c, and commit 53ac44ff fixes get_lfs64's
 * buffer so posix_fallocate64 is remapped.
 */
export const DERIVED_MUSL = Object.freeze([
  {
    version: '1.2.4',
    derivedFrom: '1.2.5',
    remove: ['preadv2', 'pwritev2', 'statx'],
    add: [],
    reason: 'musl 1.2.5 added statx, preadv2 and pwritev2 (WHATSNEW; git diff v1.2.4 v1.2.5 -- src/); a build of the v1.2.4 tag equals 1.2.5 without them',
    lfs64Remap: true,
    lfs64NameMax: 16,
    note: 'derived: Debian does not package musl 1.2.4; 1.2.4 introduced the LFS64 mapping with the same 16-character limit as 1.2.5',
  },
  {
    version: '1.2.6',
    derivedFrom: '1.2.5',
    remove: [],
    add: ['posix_getdents', 'renameat2'],
    reason: 'musl git after v1.2.5 adds posix_getdents and renameat2 (src/dirent/posix_getdents.c, src/linux/renameat2.c)',
    lfs64Remap: true,
    lfs64NameMax: null,
    note: 'derived: musl 1.2.6 (Alpine edge) is not in Debian; modelled from musl git after v1.2.5, including commit 53ac44ff (posix_fallocate64 remapped)',
  },
]);

/** LFS64_NAMES is get_lfs64's list in musl ldso/dynlink.c (identical in v1.2.4 and v1.2.5). */
export const LFS64_NAMES = Object.freeze([
  'aio_cancel', 'aio_error', 'aio_fsync', 'aio_read', 'aio_return', 'aio_suspend', 'aio_write', 'alphasort', 'creat', 'fallocate',
  'fgetpos', 'fopen', 'freopen', 'fseeko', 'fsetpos', 'fstat', 'fstatat', 'fstatfs', 'fstatvfs', 'ftello', 'ftruncate', 'ftw',
  'getdents', 'getrlimit', 'glob', 'globfree', 'lio_listio', 'lockf', 'lseek', 'lstat', 'mkostemp', 'mkostemps', 'mkstemp',
  'mkstemps', 'mmap', 'nftw', 'open', 'openat', 'posix_fadvise', 'posix_fallocate', 'pread', 'preadv', 'prlimit', 'pwrite',
  'pwritev', 'readdir', 'scandir', 'sendfile', 'setrlimit', 'stat', 'statfs', 'statvfs', 'tmpfile', 'truncate', 'versionsort',
  '__fxstat', '__fxstatat', '__lxstat', '__xstat',
]);

export const LFS64_SOURCE =
  'musl ldso/dynlink.c get_lfs64() (v1.2.4, v1.2.5): on a failed lookup, NAME64 for these NAMEs (and readdir64_r -> readdir_r) is retried as NAME; the name is first copied into char buf[16], so names of 17+ characters are not retried until commit 53ac44ff';

/** SELF_SONAME_PREFIXES is load_library's `reserved` list: `lib` + one of these is the loader itself. */
export const SELF_SONAME_PREFIXES = Object.freeze(['c.', 'dl.', 'm.', 'pthread.', 'rt.', 'util.', 'xnet.']);

export const SELF_SONAME_SOURCE =
  'musl ldso/dynlink.c load_library(): reserved = "c.pthread.rt.m.dl.util.xnet." matched after "lib" (same in v1.2.3, v1.2.4, v1.2.5 and git)';

/**
 * GCC_DERIVED are GCC releases without a Debian libstdc++6, derived from a measured superset by the
 * maximum version labels of the libstdc++ manual, "ABI Policy and Guidelines" (doc/xml/manual/abi.xml:
 * "GCC 13.2.0: GLIBCXX_3.4.32, CXXABI_1.3.14", quoted in the GCC 14.1 docs patch on the libstdc++
 * list, 2024-04-11; GCC 15.1 entries added by PR libstdc++/122743, libstdc++.so.6.0.34 =
 * GLIBCXX_3.4.34; releases not listed have the labels of the preceding one). The GCC 15 CXXABI
 * maximum could not be confirmed from the manual here: CXXABI_1.3.17 is GCC 16's, and the measured
 * x86_64 GCC 16.2 library has no CXXABI_1.3.16, so any maximum between 1.3.15 and 1.3.16 gives the
 * same set. libgcc_s labels new symbols GCC_<major>.0.0 (GCC_<major>.0 on some arches), so
 * GCC_14.0.0 is newer than GCC 13. `from` is the measured superset per arch; where it lacks an
 * arch (forky: amd64 only), the arch's `fallback` nodes plus what the derived release adds on
 * x86_64 are used.
 */
export const GCC_DERIVED = Object.freeze([
  {
    gcc: '13.2',
    from: '14.2',
    fallback: '14.2',
    maxima: { GLIBCXX: '3.4.32', CXXABI: '1.3.14', GCC: '13.0.0' },
    source:
      'derived: Debian trixie GCC 14.2 nodes (per arch) without those newer than GCC 13.2 per the libstdc++ manual, ABI Policy and Guidelines (GLIBCXX_3.4.32, CXXABI_1.3.14; libgcc_s GCC_13.0.0)',
  },
  {
    gcc: '15.2',
    from: '16.2',
    fallback: '14.2',
    maxima: { GLIBCXX: '3.4.34', CXXABI: '1.3.16', GCC: '15.0.0' },
    source:
      'derived: Debian forky GCC 16.2 nodes (amd64) without those newer than GCC 15 per the libstdc++ manual, ABI Policy and Guidelines (GCC 15.1.0: GLIBCXX_3.4.34, libstdc++.so.6.0.34; no later 15.x entry); CXXABI_1.3.17 and later are GCC 16. Other arches: GCC 14.2 (trixie) plus GLIBCXX_3.4.34',
  },
]);

/**
 * parseGcompatExports reads scripts/data/gcompat-1.1.0-x86_64-exports.txt: `#` header lines (the
 * `#   libNAME.so.N (...): names...` lines list what gcompat's DT_NEEDED libraries add), then
 * one exported name per line.
 */
export function parseGcompatExports(text) {
  const symbols = [];
  const linked = {};
  for (const line of text.split('\n')) {
    const header = /^#\s+(lib[\w.+-]+\.so\.\d+)\s+\([^)]*\):\s*(.+)$/.exec(line);
    if (header) {
      linked[header[1]] = header[2].trim().split(/\s+/);
      continue;
    }
    const name = line.trim();
    if (name.length === 0 || name.startsWith('#')) continue;
    if (!/^[A-Za-z_][\w.]*$/.test(name)) throw new Error(`gcompat exports: unexpected line '${line}'`);
    symbols.push(name);
  }
  const declared = /^# (\d+) symbols follow$/m.exec(text);
  if (declared && Number(declared[1]) !== symbols.length) throw new Error(`gcompat exports: header says ${declared[1]} symbols, found ${symbols.length}`);
  return { symbols, linked };
}
