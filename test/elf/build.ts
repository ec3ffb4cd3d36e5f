/**
 * build: compiles the reader's fixtures (test/elf/fixtures/*.c) for every architecture
 * whose compiler is installed, into a temporary folder. Missing compilers are reported
 * loudly and their cases skipped (CI installs them all through .ci/run).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const FIX = join(import.meta.dirname, 'fixtures');

/** CrossTarget is one compiler and what the reader must say about its output. */
export interface CrossTarget {
  arch: string;
  cc: string;
  machine: string;
  cls: 32 | 64;
  endian: 'little' | 'big';
  interp: string;
}

/** TARGETS lists the fixture builds (interpreters per glibc's ABI for each arch). */
export const TARGETS: CrossTarget[] = [
  { arch: 'x86_64', cc: 'gcc', machine: 'x86_64', cls: 64, endian: 'little', interp: '/lib64/ld-linux-x86-64.so.2' },
  { arch: 'x86_64-musl', cc: 'musl-gcc', machine: 'x86_64', cls: 64, endian: 'little', interp: '/lib/ld-musl-x86_64.so.1' },
  { arch: 'i386', cc: 'i686-linux-gnu-gcc', machine: 'i386', cls: 32, endian: 'little', interp: '/lib/ld-linux.so.2' },
  { arch: 'aarch64', cc: 'aarch64-linux-gnu-gcc', machine: 'aarch64', cls: 64, endian: 'little', interp: '/lib/ld-linux-aarch64.so.1' },
  { arch: 'armhf', cc: 'arm-linux-gnueabihf-gcc', machine: 'arm', cls: 32, endian: 'little', interp: '/lib/ld-linux-armhf.so.3' },
  { arch: 's390x', cc: 's390x-linux-gnu-gcc', machine: 's390', cls: 64, endian: 'big', interp: '/lib/ld64.so.1' },
  { arch: 'ppc64le', cc: 'powerpc64le-linux-gnu-gcc', machine: 'ppc64', cls: 64, endian: 'little', interp: '/lib64/ld64.so.2' },
];

function have(cc: string): boolean {
  try {
    execFileSync('sh', ['-c', `command -v ${cc}`], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

/** Built maps an arch to its binary path (absent when the compiler is missing). */
export interface Built {
  dir: string;
  hello: Map<string, string>;
  libvers: string | null;
}

/** buildFixtures compiles everything it can. */
export function buildFixtures(): Built {
  const dir = mkdtempSync(join(tmpdir(), 'muslcheck-elf-'));
  const hello = new Map<string, string>();
  for (const t of TARGETS) {
    if (!have(t.cc)) {
      console.warn(`\n!!! ${t.cc} not found: ${t.arch} reader cases are SKIPPED (CI installs it)\n`);
      continue;
    }
    const out = join(dir, `hello-${t.arch}`);
    const pthread = t.cc === 'musl-gcc' ? [] : ['-pthread'];
    execFileSync(t.cc, ['-O2', '-D_FORTIFY_SOURCE=2', '-fPIE', '-pie', '-Wl,--build-id=sha1', ...pthread, '-o', out, join(FIX, 'hello.c')]);
    hello.set(t.arch, out);
  }
  let libvers: string | null = null;
  if (have('gcc')) {
    libvers = join(dir, 'libvers.so.1');
    execFileSync('gcc', ['-shared', '-fPIC', `-Wl,--version-script=${join(FIX, 'libvers.map')}`, '-Wl,-soname,libvers.so.1', '-o', libvers, join(FIX, 'libvers.c')]);
  }
  return { dir, hello, libvers };
}
