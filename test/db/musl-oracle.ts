/**
 * musl-oracle: runs the real musl loader (`ld-musl-x86_64.so.1 --list`) on a generated shared
 * object that imports a list of names, and reports which names the loader could not bind.
 *
 * Where the loaders come from: Debian's installed `musl` package (bookworm 1.2.3, also in CI) at
 * /usr/lib/x86_64-linux-musl/libc.so, and trixie's 1.2.5 unpacked by scripts/fetch-musl-trixie.sh
 * (.ci/run exports MUSL125_DIR). Nothing scanned by muslcheck is executed here: the object is
 * built by the test itself and only loaded in ldd mode.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** MuslLoader is a runnable musl libc.so (which is also its dynamic loader). */
export interface MuslLoader {
  version: string;
  path: string;
}

/** loaderVersion runs the loader with no arguments; musl prints `Version 1.2.3` on stderr. */
export function loaderVersion(path: string): string | null {
  const r = spawnSync(path, [], { encoding: 'utf8' });
  return /Version (\d+\.\d+\.\d+)/.exec(`${r.stderr}${r.stdout}`)?.[1] ?? null;
}

/** findMuslLoader locates a loader for `version` (1.2.3 installed, 1.2.5 via MUSL125_DIR), null when absent. */
export function findMuslLoader(version: string): MuslLoader | null {
  const candidates =
    version === '1.2.3'
      ? ['/usr/lib/x86_64-linux-musl/libc.so', '/lib/x86_64-linux-musl/libc.so']
      : version === '1.2.5'
        ? [process.env.MUSL125_DIR, '/tmp/muslcheck-musl125/usr/lib/x86_64-linux-musl'].filter((d): d is string => d !== undefined).map((d) => join(d, 'libc.so'))
        : [];
  for (const path of candidates) {
    if (existsSync(path) && loaderVersion(path) === version) return { version, path };
  }
  return null;
}

/** cIdentifier is true for names a C file can declare. */
export function cIdentifier(name: string): boolean {
  return /^[A-Za-z_][A-Za-z0-9_]*$/.test(name);
}

/**
 * unresolvedByLoader builds `extern char N[]; void *p[] = {N...}` as a shared object linked
 * against musl's libc.so (so DT_NEEDED names it), runs `<loader> --list` on it and returns the
 * names from `Error relocating ...: NAME: symbol not found`.
 */
export function unresolvedByLoader(loader: MuslLoader, names: readonly string[]): Set<string> {
  const dir = mkdtempSync(join(tmpdir(), 'muslcheck-oracle-'));
  try {
    const src = join(dir, 'refs.c');
    const obj = join(dir, 'refs.so');
    const decls = names.map((n) => `extern char ${n}[];`).join('\n');
    writeFileSync(src, `${decls}\nvoid *muslcheck_refs[] = {\n${names.map((n) => `  ${n},`).join('\n')}\n};\n`);
    execFileSync('gcc', ['-shared', '-fPIC', '-nostdlib', '-w', '-fno-builtin', '-Wl,--unresolved-symbols=ignore-all', '-o', obj, src, `-L${join(loader.path, '..')}`, '-lc'], { stdio: ['ignore', 'pipe', 'pipe'] });
    const r = spawnSync(loader.path, ['--list', obj], { encoding: 'utf8', maxBuffer: 1 << 26 });
    const out = new Set<string>();
    for (const m of `${r.stderr}`.matchAll(/^Error relocating [^:]+: ([^:]+): symbol not found$/gm)) if (m[1] !== undefined) out.add(m[1]);
    const other = `${r.stderr}`.split('\n').filter((l) => l.length > 0 && !/symbol not found$/.test(l));
    if (other.length > 0) throw new Error(`unexpected loader output: ${other.slice(0, 5).join(' | ')}`);
    return out;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** missingLoaderMessage explains a missing loader (the test warns and skips locally, fails in CI). */
export function missingLoaderMessage(version: string): string {
  return `musl ${version} loader not found: the musl oracle test cannot run (install Debian's musl for 1.2.3; run scripts/fetch-musl-trixie.sh and set MUSL125_DIR for 1.2.5)`;
}
