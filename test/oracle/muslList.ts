/**
 * muslList: runs musl's own dynamic linker as `LIBC.so --library-path DIRS --list FILE`
 * (it loads and relocates FILE without running it) and reads what it reports.
 * This is the oracle the analysis must agree with.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';

/** MuslListResult is what one --list run said about one file. */
export interface MuslListResult {
  /** `Error relocating FILE: SYM: symbol not found` for FILE itself, sorted. */
  notFound: string[];
  /** `Error loading shared library NAME` for any object, sorted. */
  missingLibraries: string[];
  /** other `Error relocating FILE: ...` messages for FILE (e.g. unsupported relocation type 37). */
  otherErrors: string[];
  raw: string;
}

/** runMuslList runs the loader with a time limit; its exit status is ignored (127 on errors). */
export function runMuslList(libc: string, libraryPath: string[], file: string, timeoutMs = 20_000): Promise<MuslListResult> {
  return new Promise((resolve) => {
    execFile(
      libc,
      ['--library-path', libraryPath.join(':'), '--list', file],
      { timeout: timeoutMs, maxBuffer: 64 * 1024 * 1024, encoding: 'latin1', env: {} },
      (_err, stdout, stderr) => resolve(parseMuslList(file, `${stdout}\n${stderr}`)),
    );
  });
}

/** parseMuslList extracts the error lines musl prints for `file`. */
export function parseMuslList(file: string, text: string): MuslListResult {
  const notFound = new Set<string>();
  const missing = new Set<string>();
  const other = new Set<string>();
  const prefix = `Error relocating ${file}: `;
  for (const line of text.split('\n')) {
    if (line.startsWith(prefix)) {
      const rest = line.slice(prefix.length);
      const m = /^(.*): symbol not found$/.exec(rest);
      if (m) notFound.add(m[1]!);
      else other.add(rest);
    }
    const lib = /^Error loading shared library ([^:]+): /.exec(line);
    if (lib) missing.add(lib[1]!);
  }
  return { notFound: [...notFound].sort(), missingLibraries: [...missing].sort(), otherErrors: [...other].sort(), raw: text };
}

/**
 * filteredLibraryDir makes a folder of symlinks to every entry of `dir` except the
 * basenames in `exclude` (glibc's own files), so musl finds the host's other libraries
 * but none of glibc's.
 */
export function filteredLibraryDir(dir: string, exclude: ReadonlySet<string>): string {
  const out = mkdtempSync(join(tmpdir(), 'muslcheck-libs-'));
  for (const name of readdirSync(dir)) {
    if (exclude.has(name)) continue;
    symlinkSync(join(dir, name), join(out, name));
  }
  return out;
}

/** musl125Libc finds trixie's musl 1.2.5 loader unpacked by .ci/run (MUSL125_DIR), or null. */
export function musl125Libc(): string | null {
  const dir = process.env['MUSL125_DIR'];
  if (dir && existsSync(join(dir, 'libc.so'))) return join(dir, 'libc.so');
  return null;
}

/** MUSL123_LIBC is Debian bookworm's musl 1.2.3 loader, installed by the `musl` package. */
export const MUSL123_LIBC = '/lib/ld-musl-x86_64.so.1';

/** baseName is path.basename, re-exported for the test tables. */
export const baseName = basename;
