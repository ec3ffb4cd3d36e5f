/**
 * glob: path globs (picomatch, dot files included), with picomatch loaded on first use.
 *
 * Most runs have no glob at all (no `--include`, `--exclude` or allowlist), and picomatch
 * costs 9-13 ms to load: imported from an ES module, Node also lexes it for its exports.
 * A pre-commit hook that scans 20 files has about 200 ms of its own, so it is loaded with
 * `require`, the first time a matcher is made (docs/performance.md, "Stop 16").
 */
import { createRequire } from 'node:module';
import type picomatchType from 'picomatch';

/** GLOB_OPTIONS are picomatch's settings: dot files match (fast-glob's `dot: true`, which the project used before). */
const GLOB_OPTIONS = { dot: true } as const;

/** loaded is picomatch once a matcher has been made. */
let loaded: typeof picomatchType | undefined;

/** globMatcher is a test for paths (relative, `/`-separated) matching any of `patterns`. */
export function globMatcher(patterns: readonly string[]): (path: string) => boolean {
  loaded ??= createRequire(import.meta.url)('picomatch') as typeof picomatchType;
  return loaded([...patterns], GLOB_OPTIONS);
}

/** globLoaded says whether picomatch has been loaded in this thread (for tests). */
export function globLoaded(): boolean {
  return loaded !== undefined;
}
