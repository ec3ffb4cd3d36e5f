/**
 * symbols: how muslcheck sorts the names musl lacks by what fixes them, and which
 * undefined names a plugin legitimately leaves to its host.
 */
import type { Database, GcompatView, MuslView, ShimEntry } from '../db/types.js';

/** FixKind is the cheapest thing that makes one missing symbol resolve. */
export type FixKind = 'gcompat' | 'shim' | 'rebuild' | 'patch';

/** MissingSymbol is one name musl lacks with what fixes it. */
export interface MissingSymbol {
  name: string;
  fix: FixKind;
  /** the run-time shim package, for fix `shim`. */
  shim: ShimEntry | null;
  /**
   * gcompat defines the name too, but only as a stub (getcontext: ENOSYS). Whenever gcompat
   * is preloaded (its loader stub always preloads libgcompat.so.0 first), the stub wins over
   * the shim, so the shim must be loaded ahead of gcompat.
   */
  gcompatStub: boolean;
}

/**
 * isHeaderArtifact says whether glibc's headers, not the program's source, put the name
 * there: reserved `_`-prefixed ABI names (__*_chk from _FORTIFY_SOURCE, __isoc23_* from
 * C23 mode, __*_2 open checks, __libc_*, _dl_*), and LFS64 redirects (`fcntl64`, `*64`
 * whose base name musl has). Compiled against musl's headers the source does not produce
 * them, so a rebuild removes them without source changes.
 */
export function isHeaderArtifact(name: string, musl: MuslView): boolean {
  if (name.startsWith('_')) return true;
  if (name.endsWith('64') && musl.exports.has(name.slice(0, -2))) return true;
  if (name.endsWith('64_r') && musl.exports.has(name.slice(0, -4) + '_r')) return true;
  return false;
}

/** classifyMissing decides the fix for one name that plain musl does not bind. */
export function classifyMissing(name: string, db: Database, musl: MuslView, gcompat: GcompatView | null): MissingSymbol {
  const runtimeShim = db.shims(name).find((s) => s.use !== 'static-link' && s.soname !== null) ?? null;
  // gcompat's getcontext is an ENOSYS stub: where a real shim exists, that is the fix.
  const stub = gcompat?.traps.has(name) === true && runtimeShim !== null;
  if (gcompat?.symbols.has(name) && !stub) return { name, fix: 'gcompat', shim: null, gcompatStub: false };
  if (runtimeShim) return { name, fix: 'shim', shim: runtimeShim, gcompatStub: stub };
  return { name, fix: isHeaderArtifact(name, musl) ? 'rebuild' : 'patch', shim: null, gcompatStub: false };
}

/** PluginKind is what kind of host loads a shared object without an interpreter. */
export type PluginKind = 'node' | 'python' | null;

/** pluginKind recognises Node addons and Python extensions by file name and imports. */
export function pluginKind(path: string, type: string, interp: string | null, imports: ReadonlyArray<{ name: string }>): PluginKind {
  if (type !== 'dyn' || interp !== null) return null;
  if (path.endsWith('.node') || imports.some((i) => i.name.startsWith('napi_'))) return 'node';
  if (/\.(cpython-|pypy|abi3)[^/]*\.so$/.test(path) || imports.some((i) => i.name.startsWith('PyModule_') || i.name === 'Py_BuildValue')) {
    return 'python';
  }
  return null;
}

const NODE_HOST = /^(napi_|node_api_|uv_|node_|_ZN2v8|_ZNK2v8|_ZN4node|_ZNK4node|v8_|nghttp2_|ares_|OPENSSL_|SSL_|CRYPTO_|EVP_|BIO_|ERR_|X509_|BN_|RSA_|EC_|PEM_|HMAC|SHA\d|MD5|ZSTD_|BrotliEncoder|BrotliDecoder|inflate|deflate|crc32|adler32)/;
const PYTHON_HOST = /^(_?Py|_Py_|PyExc_)/;

/** isHostSymbol says whether a plugin's undefined name is the host's API. */
export function isHostSymbol(kind: PluginKind, name: string): boolean {
  if (kind === 'node') return NODE_HOST.test(name);
  if (kind === 'python') return PYTHON_HOST.test(name);
  return false;
}

/**
 * TIME_ABI lists functions whose arguments carry time_t or structures containing it: a
 * 32-bit glibc binary calling them passes 32-bit time_t where musl >= 1.2.0 expects 64-bit.
 */
export const TIME_ABI: ReadonlySet<string> = new Set([
  'time', 'stime', 'difftime', 'mktime', 'timegm', 'localtime', 'localtime_r', 'gmtime', 'gmtime_r', 'ctime', 'ctime_r',
  'gettimeofday', 'settimeofday', 'clock_gettime', 'clock_settime', 'clock_getres', 'nanosleep', 'clock_nanosleep',
  'stat', 'fstat', 'lstat', 'fstatat', 'utime', 'utimes', 'futimes', 'lutimes', 'futimens', 'utimensat', 'select', 'pselect',
  'ppoll', 'setitimer', 'getitimer', 'timer_settime', 'timer_gettime', 'timerfd_settime', 'timerfd_gettime', 'sem_timedwait',
  'pthread_cond_timedwait', 'pthread_mutex_timedlock', 'pthread_rwlock_timedrdlock', 'pthread_rwlock_timedwrlock',
  'recvmmsg', 'sigtimedwait', 'mq_timedsend', 'mq_timedreceive', 'getrusage', 'wait3', 'wait4', 'adjtime', 'adjtimex',
  'sched_rr_get_interval', 'futex', 'aio_suspend', 'mtx_timedlock', 'cnd_timedwait', 'thrd_sleep',
]);

/** isLibstdcxxNode says whether a version node belongs to libstdc++ or libgcc_s. */
export function isLibstdcxxNode(version: string): boolean {
  return /^(GLIBCXX|CXXABI|GCC)_/.test(version);
}
