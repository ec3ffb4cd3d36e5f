/**
 * shim-order.test: the plan for a shim that gcompat only stubs (getcontext) must work under
 * musl's real loader. Stand-ins with the real sonames play gcompat (an ENOSYS getcontext and
 * __printf_chk) and libucontext (a working getcontext); a glibc program calling both is
 * analysed, the plan's patchelf commands are applied to a copy, and the copy runs under
 * Debian's musl loader. The old advice (gcompat's loader stub, which preloads
 * libgcompat.so.0, plus `patchelf --add-needed libucontext.so.1`) is run too: the stub wins.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { analyzeElf, NO_LIBRARIES } from '../../src/analyze/index.js';
import { loadDatabase } from '../../src/db/index.js';
import { readElf } from '../../src/elf/index.js';

const MUSL_LOADER = '/lib/ld-musl-x86_64.so.1';

/** have says whether a command is on PATH. */
function have(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

const ready = have('gcc') && have('musl-gcc') && have('patchelf') && existsSync(MUSL_LOADER) && process.arch === 'x64';
if (!ready) console.warn('\n!!! gcc, musl-gcc, patchelf or Debian musl missing: the shim-order loader test is SKIPPED (CI installs them)\n');

const dir = mkdtempSync(join(tmpdir(), 'muslcheck-shim-order-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** build writes the stand-ins and the program, and returns the program's path. */
function build(): string {
  writeFileSync(join(dir, 'gcompat.c'), '#include <errno.h>\n#include <stdarg.h>\n#include <stdio.h>\nint getcontext(void *u) { errno = ENOSYS; return -1; }\nint __printf_chk(int flag, const char *f, ...) { va_list a; va_start(a, f); int n = vprintf(f, a); va_end(a); return n; }\n');
  writeFileSync(join(dir, 'ucontext.c'), 'int getcontext(void *u) { return 0; }\nvoid makecontext(void *u, void (*f)(void), int n, ...) {}\nint swapcontext(void *a, const void *b) { return 0; }\n');
  writeFileSync(join(dir, 'app.c'), '#include <stdio.h>\n#include <ucontext.h>\nint main(void) { ucontext_t u; printf("getcontext=%d\\n", getcontext(&u)); return 0; }\n');
  execFileSync('musl-gcc', ['-shared', '-fPIC', '-Wl,-soname,libgcompat.so.0', '-o', join(dir, 'libgcompat.so.0'), join(dir, 'gcompat.c')]);
  execFileSync('musl-gcc', ['-shared', '-fPIC', '-Wl,-soname,libucontext.so.1', '-o', join(dir, 'libucontext.so.1'), join(dir, 'ucontext.c')]);
  execFileSync('gcc', ['-O2', '-D_FORTIFY_SOURCE=2', '-o', join(dir, 'app'), join(dir, 'app.c')]);
  return join(dir, 'app');
}

/** run runs a command with the stand-ins on the library path and returns its output. */
function run(file: string, args: string[]): string {
  return execFileSync(file, args, { env: { LD_LIBRARY_PATH: dir }, encoding: 'utf8' }).trim();
}

describe.skipIf(!ready)('shim order under musl\'s loader', () => {
  const app = ready ? build() : '';

  it('the plan gives the working getcontext', async () => {
    const db = loadDatabase();
    const r = analyzeElf(app, await readElf(app), { db, target: db.resolveTarget('alpine:3.22'), lookup: NO_LIBRARIES });
    expect(r.verdict).toBe('shim');
    const patched = join(dir, 'app-planned');
    copyFileSync(app, patched);
    const commands = r.plan.filter((s) => s.kind === 'patchelf').map((s) => s.command!);
    expect(commands.length).toBeGreaterThan(0);
    for (const c of commands) {
      const [tool, ...args] = c.split(' ');
      expect(tool).toBe('patchelf');
      execFileSync('patchelf', [...args.slice(0, -1), patched]);
    }
    // On Alpine a glibc interpreter path is gcompat's loader stub: musl's loader with libgcompat.so.0 preloaded.
    const interp = (await readElf(patched)).interp;
    const output = interp === MUSL_LOADER ? run(patched, []) : run(MUSL_LOADER, ['--preload', join(dir, 'libgcompat.so.0'), patched]);
    expect(output).toBe('getcontext=0');
  });

  it('the old advice (gcompat\'s preload plus add-needed libucontext) gets the ENOSYS stub', () => {
    const old = join(dir, 'app-old');
    copyFileSync(app, old);
    execFileSync('patchelf', ['--add-needed', 'libucontext.so.1', old]);
    // What gcompat's loader stub runs: musl's loader with --preload libgcompat.so.0.
    expect(run(MUSL_LOADER, ['--preload', join(dir, 'libgcompat.so.0'), old])).toBe('getcontext=-1');
  });
});
