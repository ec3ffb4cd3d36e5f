/**
 * catalogue: the one list of finding codes. Every code has a title, a severity, a
 * description, a fix, the verdict it implies and a docs page (docs/codes/CODE.md).
 * `satisfies Record<Code, CodeInfo>` makes a code without its description a compile error;
 * formatters and SARIF rules derive from this object.
 */
import type { Severity, Verdict } from './types.js';

/** Code is every finding code muslcheck emits. Codes are stable: never rename one. */
export type Code =
  | 'glibc-interpreter'
  | 'missing-symbol-gcompat'
  | 'missing-symbol-shim'
  | 'missing-symbol-rebuild'
  | 'missing-symbol-patch'
  | 'glibc-private'
  | 'glibc-only-library'
  | 'system-library'
  | 'behaviour-difference'
  | 'gcompat-stub'
  | 'small-thread-stack'
  | 'libstdcxx-too-new'
  | 'musl-too-old'
  | 'mixed-libc'
  | 'time64-abi'
  | 'unsupported-relocation'
  | 'static-binary'
  | 'static-nss'
  | 'relr-unsupported'
  | 'host-symbols'
  | 'unsupported-arch'
  | 'arch-not-covered'
  | 'malformed'
  | 'unreadable'
  | 'internal-error';

/** CodeInfo describes one code. `verdict` is the verdict a finding of this code implies at least. */
export interface CodeInfo {
  title: string;
  severity: Severity;
  description: string;
  fix: string;
  docs: string;
  verdict: Verdict;
  /** when the verdict depends on the finding's arguments (src/plan findingVerdict): how, in one sentence. */
  verdictWhen?: string;
}

const doc = (code: Code): string => `docs/codes/${code}.md`;

/** CATALOGUE maps each code to what it means and how to fix it. */
export const CATALOGUE = {
  'glibc-interpreter': {
    title: 'glibc dynamic loader requested',
    severity: 'warning',
    description: 'PT_INTERP names glibc\'s loader (e.g. /lib64/ld-linux-x86-64.so.2), which Alpine does not have: the shell says "not found" for a file that exists.',
    fix: 'apk add gcompat (installs a loader stub under the glibc name), or patchelf --set-interpreter /lib/ld-musl-<arch>.so.1',
    docs: doc('glibc-interpreter'),
    verdict: 'loader',
  },
  'missing-symbol-gcompat': {
    title: 'symbols musl lacks, provided by gcompat',
    severity: 'warning',
    description: 'The file imports glibc symbols that musl does not export; Alpine\'s gcompat provides every one of them.',
    fix: 'apk add gcompat; a library loaded by a musl program (Node addon, Python extension) also needs patchelf --add-needed libgcompat.so.0',
    docs: doc('missing-symbol-gcompat'),
    verdict: 'gcompat',
  },
  'missing-symbol-shim': {
    title: 'symbols musl lacks, provided by a shim package',
    severity: 'warning',
    description: 'The file imports glibc-only APIs that an Alpine shim library provides (libucontext, musl-fts, musl-obstack, libtirpc...).',
    fix: 'apk add the package and load it: patchelf --add-needed <soname> FILE (or LD_PRELOAD), or link it when rebuilding. When gcompat has only a stub of one of the names (args.gcompatStubs: getcontext), gcompat must not be preloaded ahead of the shim: run the file under musl\'s loader (patchelf --set-interpreter) and add the shim to DT_NEEDED after libgcompat.so.0, so it comes first (the plan gives the commands)',
    docs: doc('missing-symbol-shim'),
    verdict: 'shim',
  },
  'missing-symbol-rebuild': {
    title: 'symbols no shim provides; a rebuild against musl removes them',
    severity: 'error',
    description: 'The file imports glibc ABI names that musl, gcompat and the shims lack, but that glibc\'s headers generated (_FORTIFY_SOURCE __*_chk, LFS64 redirects, C23 __isoc23_*): compiled against musl, the source does not produce them.',
    fix: 'rebuild against musl (on Alpine, or with the toolchain\'s musl target)',
    docs: doc('missing-symbol-rebuild'),
    verdict: 'rebuild',
  },
  'missing-symbol-patch': {
    title: 'glibc-only APIs: rebuilding needs source changes',
    severity: 'error',
    description: 'The source calls functions that musl does not have and no Alpine package provides at run time; it will not compile against musl unchanged.',
    fix: 'replace the APIs (see the advice per symbol), or guard them with feature checks',
    docs: doc('missing-symbol-patch'),
    verdict: 'patch',
  },
  'glibc-private': {
    title: 'GLIBC_PRIVATE symbols',
    severity: 'error',
    description: 'The file imports glibc-internal symbols (version GLIBC_PRIVATE) that only the exact glibc build it came from provides.',
    fix: 'rebuild against musl; do not ship glibc\'s own libraries',
    docs: doc('glibc-private'),
    verdict: 'rebuild',
  },
  'glibc-only-library': {
    title: 'needs a glibc-only library',
    severity: 'error',
    description: 'DT_NEEDED names a library that glibc ships and musl does not answer to (ld-linux-*.so.*, libresolv.so.2, libanl.so.1, libmvec.so.1, ...).',
    fix: 'gcompat provides some of them (libresolv.so.2, libcrypt.so.1); otherwise rebuild against musl',
    docs: doc('glibc-only-library'),
    verdict: 'gcompat',
    verdictWhen: 'gcompat when gcompat answers the library name (its symlinks, its loader stub), rebuild otherwise',
  },
  'system-library': {
    title: 'needs a library from an Alpine package',
    severity: 'note',
    description: 'DT_NEEDED names a library that is not in the scanned tree; on Alpine it comes from a package, built against musl.',
    fix: 'apk add the package named in the finding',
    docs: doc('system-library'),
    verdict: 'ok',
  },
  'behaviour-difference': {
    title: 'resolves on musl but behaves differently',
    severity: 'note',
    description: 'The symbol exists in musl with different semantics from glibc (GNU strerror_r, basename, dlclose, NSS, locales...).',
    fix: 'check the use against the hazard described; test on Alpine',
    docs: doc('behaviour-difference'),
    verdict: 'ok',
  },
  'gcompat-stub': {
    title: 'gcompat provides only a stub',
    severity: 'warning',
    description: 'gcompat resolves the symbol, but with a stub or a limited implementation (getcontext fails with ENOSYS, backtrace walks 10 frames...). gcompat 1.1.0 keeps its getcontext stub even when built with libucontext, and its loader stub preloads libgcompat.so.0 ahead of everything, so the stub wins over libucontext\'s getcontext.',
    fix: 'prefer the real implementation, loaded ahead of gcompat (libucontext for ucontext: see missing-symbol-shim), or rebuild',
    docs: doc('gcompat-stub'),
    verdict: 'ok',
  },
  'small-thread-stack': {
    title: 'threads get musl\'s 128 KiB default stack',
    severity: 'note',
    description: 'The file creates threads and PT_GNU_STACK sets no stack size: musl\'s default thread stack is 128 KiB (glibc: 8 MiB), so deep recursion can overflow.',
    fix: 'link with -Wl,-z,stack-size=<bytes>, or set the stack size with pthread_attr_setstacksize',
    docs: doc('small-thread-stack'),
    verdict: 'ok',
  },
  'libstdcxx-too-new': {
    title: 'libstdc++/libgcc version newer than the target\'s GCC',
    severity: 'error',
    description: 'The file requires GLIBCXX_/CXXABI_/GCC_ version nodes that the target Alpine release\'s libstdc++/libgcc do not define.',
    fix: 'target a newer Alpine release (the finding names the first one), or rebuild with the target\'s GCC',
    docs: doc('libstdcxx-too-new'),
    verdict: 'rebuild',
  },
  'musl-too-old': {
    title: 'needs a newer musl than the target',
    severity: 'error',
    description: 'A musl-built file imports symbols that the target\'s musl version does not have yet.',
    fix: 'target the Alpine release named in the finding, or rebuild on the target',
    docs: doc('musl-too-old'),
    verdict: 'rebuild',
  },
  'mixed-libc': {
    title: 'musl-linked file imports glibc-only symbols',
    severity: 'error',
    description: 'The file is linked against musl but imports glibc-only names: glibc objects or headers leaked into a musl build (typical of cross-building on a glibc host).',
    fix: 'rebuild on musl (e.g. in an alpine container) so no glibc object or header takes part',
    docs: doc('mixed-libc'),
    verdict: 'rebuild',
  },
  'time64-abi': {
    title: '32-bit glibc file on musl\'s 64-bit time_t',
    severity: 'error',
    description: 'musl >= 1.2.0 uses a 64-bit time_t on 32-bit architectures; a 32-bit glibc binary passes 32-bit time_t and struct layouts. No shim fixes the mismatch.',
    fix: 'rebuild against musl',
    docs: doc('time64-abi'),
    verdict: 'rebuild',
  },
  'unsupported-relocation': {
    title: 'relocation type musl does not support',
    severity: 'error',
    description: 'musl\'s loader rejects IRELATIVE (GNU indirect function) relocations: "unsupported relocation type N".',
    fix: 'rebuild without GNU ifunc (musl toolchains do not emit it)',
    docs: doc('unsupported-relocation'),
    verdict: 'rebuild',
  },
  'static-binary': {
    title: 'static binary',
    severity: 'note',
    description: 'The file needs no dynamic loader and no shared library: it loads on any Linux of its architecture. A static glibc file that links glibc\'s NSS or calls dlopen also gets static-nss.',
    fix: 'nothing',
    docs: doc('static-binary'),
    verdict: 'ok',
  },
  'static-nss': {
    title: 'static glibc binary that uses NSS or dlopen',
    severity: 'warning',
    description:
      'A static glibc file (it carries glibc\'s .note.ABI-tag) links glibc\'s NSS (getpwnam, getgrnam, getaddrinfo...) or calls dlopen. Both load glibc\'s own shared libraries at run time: NSS loads libnss_<service>.so.2 for every /etc/nsswitch.conf service it does not have built in (recent glibc builds in only files and dns; older releases load even those), and dlopen needs the shared libraries of the exact glibc it was linked with. Alpine has neither, so user, group and host lookups through other services (LDAP, SSSD, systemd, mdns...) and dlopen fail at run time.',
    fix: 'rebuild statically against musl, e.g. in alpine with build-base: gcc -static (musl\'s getpwnam and getaddrinfo read /etc/passwd, /etc/group, /etc/hosts and DNS directly)',
    docs: doc('static-nss'),
    verdict: 'rebuild',
  },
  'relr-unsupported': {
    title: 'packed relative relocations (DT_RELR) need musl 1.2.4',
    severity: 'error',
    description: 'The file was linked with -z pack-relative-relocs (DT_RELR). musl\'s loader applies DT_RELR from 1.2.4 on; the target\'s older musl ignores it and the program crashes at its first relocated pointer, with no error message.',
    fix: 'target the Alpine release named in the finding (musl >= 1.2.4), or relink without -z pack-relative-relocs',
    docs: doc('relr-unsupported'),
    verdict: 'rebuild',
  },
  'host-symbols': {
    title: 'symbols left for the host program',
    severity: 'note',
    description: 'A plugin (Node addon, Python extension) leaves the host\'s API undefined (napi_*, uv_*, Py*); the host provides them when it loads the plugin.',
    fix: 'nothing',
    docs: doc('host-symbols'),
    verdict: 'ok',
  },
  'unsupported-arch': {
    title: 'architecture musl does not support',
    severity: 'error',
    description: 'No musl port (and so no Alpine) exists for this machine type, class and byte order.',
    fix: 'build for a supported architecture',
    docs: doc('unsupported-arch'),
    verdict: 'rebuild',
  },
  'arch-not-covered': {
    title: 'musl runs on this architecture, but muslcheck has no symbol data for it',
    severity: 'warning',
    description:
      'musl has a port for this machine (mips, mips64, loongarch64, ppc, riscv32...), but muslcheck\'s databases hold no musl/glibc symbol data for it, so the imports were not checked. A musl-linked file (or one importing nothing) keeps the verdict ok; any other file gets the verdict error: muslcheck cannot say what it needs, and it claims no rebuild.',
    fix: 'check the file with musl\'s own loader on a musl system of that architecture: /lib/ld-musl-<arch>.so.1 --list FILE (the plan gives the exact path)',
    docs: doc('arch-not-covered'),
    verdict: 'ok',
    verdictWhen: 'ok for a musl-linked file or one that imports nothing; error for any other file (muslcheck cannot decide it)',
  },
  malformed: {
    title: 'malformed ELF file',
    severity: 'error',
    description: 'The file starts like ELF but its tables are inconsistent or truncated; no loader would accept it.',
    fix: 'replace the file (it may be truncated or corrupted)',
    docs: doc('malformed'),
    verdict: 'error',
  },
  unreadable: {
    title: 'file could not be read',
    severity: 'error',
    description: 'The file could not be opened or read (permissions, I/O error), or a directory could not be listed, or a path named on the command line is not a regular file.',
    fix: 'check permissions and rerun',
    docs: doc('unreadable'),
    verdict: 'error',
  },
  'internal-error': {
    title: 'muslcheck failed on this file',
    severity: 'error',
    description: 'Analysing this file raised an unexpected error inside muslcheck. The rest of the scan went on; this file has no verdict of its own.',
    fix: 'report it with the file (or `readelf -W -l -d --dyn-syms` of it) and MUSLCHECK_DEBUG=1 output',
    docs: doc('internal-error'),
    verdict: 'error',
  },
} as const satisfies Record<Code, CodeInfo>;

/** CODES lists every code, sorted. */
export const CODES = (Object.keys(CATALOGUE) as Code[]).sort();
