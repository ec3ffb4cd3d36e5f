#!/usr/bin/env node
// gen-code-docs.mjs: writes docs/codes/<code>.md for every finding code, from the one
// catalogue (src/analyze/catalogue.ts, compiled to dist/) plus the examples and sources
// below. Run `npm run build && node scripts/gen-code-docs.mjs`; test/docs checks the pages
// are current.
import { writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { CATALOGUE, CODES } from '../dist/analyze/catalogue.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

/** DETAILS gives each code what users see and where the facts come from. */
const DETAILS = {
  'glibc-interpreter': {
    seen: 'sh: ./app: not found   (the file exists: its PT_INTERP does not)',
    sources: ['musl-loader-and-gcompat.md: interpreters per architecture', 'Alpine main/gcompat APKBUILD (loader stub names)'],
  },
  'missing-symbol-gcompat': {
    seen: 'Error relocating ./app: __printf_chk: symbol not found',
    sources: ['gcompat 1.1.0 exports (shared/facts/gcompat-1.1.0-x86_64-exports.txt)', 'musl ldso/dynlink.c: lookup by name, versions ignored'],
  },
  'missing-symbol-shim': {
    seen: 'Error relocating ./app: fts_open: symbol not found',
    sources: [
      'Alpine packages libucontext, musl-fts, musl-obstack, libtirpc, libbsd',
      'data/shims.json (each entry names its source)',
      'patchelf --add-needed inserts the new DT_NEEDED entry first; musl looks symbols up in load order (preloads, then DT_NEEDED breadth-first): measured with Debian musl 1.2.3',
    ],
  },
  'missing-symbol-rebuild': {
    seen: 'Error relocating ./app: fcntl64: symbol not found',
    sources: ['glibc headers: _FORTIFY_SOURCE, _FILE_OFFSET_BITS=64, C23 strtol redirects', 'musl ldso/dynlink.c LFS64 retry list (fcntl64 absent)'],
  },
  'missing-symbol-patch': {
    seen: 'Error relocating ./app: close_range: symbol not found',
    sources: ['data/shims.json advice entries', 'musl FAQ / functional differences from glibc'],
  },
  'glibc-private': {
    seen: 'Error relocating ./app: __libc_enable_secure: symbol not found',
    sources: ['Debian libc6 version nodes (data/glibc.json)'],
  },
  'glibc-only-library': {
    seen: 'Error loading shared library libresolv.so.2: No such file or directory (needed by ./app)',
    sources: ['musl ldso/dynlink.c reserved names (libc, libpthread, librt, libm, libdl, libutil, libxnet)', 'Alpine gcompat soname links'],
  },
  'system-library': {
    seen: 'Error loading shared library libz.so.1: No such file or directory (needed by ./app)',
    sources: ['data/sonames.json (Alpine aports package names)', 'apk so:NAME dependencies'],
  },
  'behaviour-difference': {
    seen: 'no error: different results at run time (e.g. strerror_r returns int, dlclose does not unload)',
    sources: ['musl functional differences from glibc', 'data/shims.json hazards'],
  },
  'gcompat-stub': {
    seen: 'getcontext() fails with ENOSYS under gcompat',
    sources: [
      'gcompat 1.1.0 (tag 1.1.0, commit b7bfe0b): Makefile WITH_LIBUCONTEXT adds -DWITH_LIBUCONTEXT, but libgcompat/ucontext.c guards its ENOSYS getcontext with #ifndef HAVE_LIBUCONTEXT, so the stub is always built',
      'gcompat 1.1.0 loader/loader.c: --preload "libgcompat.so.0 $LD_PRELOAD", gcompat first',
      'musl ldso: preloaded objects come before DT_NEEDED ones in symbol lookup (measured with Debian musl 1.2.3)',
      'gcompat 1.1.0 libgcompat/execinfo.c (backtrace depth)',
    ],
  },
  'small-thread-stack': {
    seen: 'Segmentation fault in a thread that recurses deeply or keeps large arrays on the stack',
    sources: ['musl: default thread stack 128 KiB; PT_GNU_STACK p_memsz sets it (-Wl,-z,stack-size=N)'],
  },
  'libstdcxx-too-new': {
    seen: "Error relocating ./app: _ZSt28__throw_bad_array_new_lengthv: symbol not found (GLIBCXX_3.4.29 not in the target's libstdc++)",
    sources: ["Debian libstdc++6/libgcc-s1 version nodes; GCC manual 'ABI Policy and Guidelines' (data/libstdcxx.json)"],
  },
  'musl-too-old': {
    seen: 'Error relocating ./app: statx: symbol not found (on Alpine 3.19, musl 1.2.4)',
    sources: ['musl WHATSNEW; data/musl.json per version'],
  },
  'mixed-libc': {
    seen: 'Error relocating ./app: __memcpy_chk: symbol not found (in a binary whose interpreter is ld-musl)',
    sources: ['Rust/Go cross-builds on glibc hosts (shared/facts: mixed-libc contamination)'],
  },
  'time64-abi': {
    seen: 'wrong dates or stat results, crashes in time functions of a 32-bit glibc binary',
    sources: ['musl 1.2.0 release notes: 64-bit time_t on 32-bit archs'],
  },
  'unsupported-relocation': {
    seen: 'Error relocating ./app: unsupported relocation type 37',
    sources: ['musl ldso/dynlink.c do_relocs: IRELATIVE is not handled'],
  },
  'static-binary': { seen: 'runs: nothing is loaded by a dynamic loader', sources: ['System V gABI: no PT_INTERP, no DT_NEEDED'] },
  'static-nss': {
    seen: 'getpwnam/getgrnam return NULL for users that come from LDAP/SSSD/systemd; dlopen fails; the build printed: warning: Using \'getpwnam\' in statically linked applications requires at runtime the shared libraries from the glibc version used for linking',
    sources: [
      "GNU ld's warning for static getpwnam/getaddrinfo/dlopen (glibc's link-time warnings)",
      'glibc csu/abi-note.S: crt1.o carries NT_GNU_ABI_TAG (.note.ABI-tag); musl and Go startup code do not (checked on samples/bin)',
      'Red Hat Developer, "How we ensure statically linked applications stay that way" (2023-08-31): NSS, iconv and dlopen in static glibc',
      'samples/bin/static-nss (getpwnam, dlopen) and samples/bin/hello-static (neither) from samples/src',
    ],
  },
  'relr-unsupported': {
    seen: 'Segmentation fault (no loader message) on Alpine 3.17: musl 1.2.3 ignores DT_RELR',
    sources: ['musl WHATSNEW, 1.2.4 release notes: support for the RELR compressed format for relative relocations (commit d32dadd6, ldso: support DT_RELR)', 'measured: samples/bin/relr-musl crashes under Debian musl 1.2.3 ld-musl, runs under 1.2.5'],
  },
  'host-symbols': { seen: 'musl --list on the plugin alone reports napi_*/Py* as not found; the host defines them', sources: ['Node-API and CPython extension loading'] },
  'unsupported-arch': { seen: 'no Alpine image exists for this machine', sources: ['musl supported architectures'] },
  'arch-not-covered': {
    seen: 'muslcheck: verdict error (or ok for a musl-linked file) with the note to run /lib/ld-musl-<arch>.so.1 --list FILE on the device',
    sources: ['musl arch/ directory (ports: mips, mips64, mipsn32, loongarch64, ppc, ppc64, riscv32, sh, microblaze, or1k, x32...)', 'docs/data.md: the architectures the databases cover'],
  },
  malformed: { seen: 'Error loading shared library ...: Exec format error', sources: ['System V gABI'] },
  unreadable: { seen: 'permission denied / I/O error / cannot list directory: EACCES', sources: [] },
  'internal-error': { seen: 'muslcheck failed on this file: <message>', sources: [] },
};

mkdirSync(join(root, 'docs/codes'), { recursive: true });
const index = ['# Finding codes', '', 'Every finding muslcheck emits has one of these stable codes. Each page is generated from the catalogue (`src/analyze/catalogue.ts`) by `scripts/gen-code-docs.mjs`.', '', '| code | severity | implies verdict | title |', '|---|---|---|---|'];
for (const code of CODES) {
  const info = CATALOGUE[code];
  const d = DETAILS[code] ?? { seen: '', sources: [] };
  const page = [
    `# \`${code}\`: ${info.title}`,
    '',
    info.verdictWhen ? `Severity: **${info.severity}**. Verdict: ${info.verdictWhen}.` : `Severity: **${info.severity}**. Implies at least the verdict **${info.verdict}**.`,
    '',
    '## What it means',
    '',
    info.description,
    '',
    '## What users see',
    '',
    '```',
    d.seen,
    '```',
    '',
    '## Fix',
    '',
    info.fix,
    '',
    'The per-file `plan` in `muslcheck scan --format json` and `muslcheck plan` give the concrete commands.',
    '',
    '## Sources',
    '',
    ...(d.sources.length ? d.sources.map((s) => `- ${s}`) : ['- (none beyond the tool itself)']),
    '',
  ];
  writeFileSync(join(root, 'docs/codes', `${code}.md`), page.join('\n'));
  index.push(`| [\`${code}\`](${code}.md) | ${info.severity} | ${info.verdictWhen ? info.verdictWhen.replace(/ \(.*\)/, '') : info.verdict} | ${info.title} |`);
}
writeFileSync(join(root, 'docs/codes/README.md'), index.join('\n') + '\n');
console.log(`wrote ${CODES.length} pages to docs/codes/`);
