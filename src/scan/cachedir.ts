/**
 * cachedir: where muslcheck keeps what it caches (scan cache files, report memos, and the
 * CLI's compiled code), in a module of its own so that the launcher can find it without
 * loading the cache's code.
 */
import { homedir } from 'node:os';
import { join } from 'node:path';

/** defaultCacheDir is where cache files live: MUSLCHECK_CACHE_DIR, XDG_CACHE_HOME/muslcheck, or ~/.cache/muslcheck. */
export function defaultCacheDir(env: Readonly<Record<string, string | undefined>>): string {
  if (env.MUSLCHECK_CACHE_DIR) return env.MUSLCHECK_CACHE_DIR;
  if (env.XDG_CACHE_HOME) return join(env.XDG_CACHE_HOME, 'muslcheck');
  return join(homedir(), '.cache', 'muslcheck');
}
