/**
 * dirLookup: a LibraryLookup over fixed directories, for the oracle test. It searches
 * the way musl's loader does with `--library-path DIRS`: those dirs, then the
 * requester's RPATH/RUNPATH ($ORIGIN expanded), then musl's default path.
 */
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { ANALYSIS_READ, libraryFromElf, type LibraryLookup, type LoadedLibrary } from '../../src/analyze/index.js';
import { readElf, type ElfInfo } from '../../src/elf/index.js';

/** MUSL_DEFAULT_PATH is musl's built-in search path when no /etc/ld-musl-*.path exists. */
const MUSL_DEFAULT_PATH = ['/lib', '/usr/local/lib', '/usr/lib'];

/** preloadLookup reads, ahead of time, every library reachable from `files`, then answers synchronously. */
export async function preloadLookup(files: Array<{ path: string; elf: ElfInfo }>, libraryPath: (file: string) => string[]): Promise<(file: string) => LibraryLookup> {
  const cache = new Map<string, LoadedLibrary | null>();
  const load = async (p: string): Promise<LoadedLibrary | null> => {
    if (cache.has(p)) return cache.get(p)!;
    let lib: LoadedLibrary | null = null;
    try {
      const e = await readElf(p, ANALYSIS_READ);
      if (e.machine === 'x86_64' && e.class === 64) lib = libraryFromElf(p, e);
    } catch {
      lib = null;
    }
    cache.set(p, lib);
    return lib;
  };
  const candidates = (file: string, name: string, req: { path: string; rpath: string[] | null; runpath: string[] | null }): string[] => {
    if (name.includes('/')) return [name];
    const origin = dirname(req.path);
    const rp = [...(req.runpath ?? req.rpath ?? [])].map((d) => d.replace(/\$(ORIGIN|\{ORIGIN\})/g, origin));
    return [...libraryPath(file), ...rp, ...MUSL_DEFAULT_PATH].map((d) => join(d, name));
  };
  // Walk every file's dependencies once, asynchronously.
  for (const f of files) {
    const queue: Array<{ name: string; req: { path: string; rpath: string[] | null; runpath: string[] | null } }> = f.elf.needed.map((name) => ({ name, req: { path: f.path, rpath: f.elf.rpath, runpath: f.elf.runpath } }));
    const seen = new Set<string>();
    for (let i = 0; i < queue.length; i++) {
      const { name, req } = queue[i]!;
      if (seen.has(name)) continue;
      seen.add(name);
      for (const c of candidates(f.path, name, req)) {
        if (!existsSync(c)) continue;
        const lib = await load(c);
        if (lib) {
          for (const d of lib.needed) queue.push({ name: d, req: { path: lib.path, rpath: lib.rpath, runpath: lib.runpath } });
          break;
        }
      }
    }
  }
  return (file: string): LibraryLookup => ({
    find(name, req) {
      for (const c of candidates(file, name, req)) {
        const lib = cache.get(c);
        if (lib) return lib;
      }
      return null;
    },
  });
}
