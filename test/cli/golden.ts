/**
 * golden: stored CLI output. Each case has `golden/NAME.stdout` (stdout exactly)
 * and `golden/NAME.meta` (the arguments, the exit code, then stderr exactly).
 * UPDATE_GOLDEN=1 rewrites them from the current output.
 */
import { mkdirSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import type { CliResult } from './run.js';

const DIR = new URL('./golden/', import.meta.url);

/** updating is true when goldens should be rewritten. */
export const updating = process.env.UPDATE_GOLDEN === '1';

/** metaText renders the .meta file. */
export function metaText(args: readonly string[], r: CliResult): string {
  return `args: ${args.join(' ')}\nexit: ${r.code}\nstderr:\n${r.stderr}`;
}

/** Golden is one stored case. */
export interface Golden {
  stdout: string;
  meta: string;
}

/** readGolden loads a case, or null when it has not been recorded. */
export function readGolden(name: string): Golden | null {
  const out = new URL(`${name}.stdout`, DIR);
  const meta = new URL(`${name}.meta`, DIR);
  if (!existsSync(out) || !existsSync(meta)) return null;
  return { stdout: readFileSync(out, 'utf8'), meta: readFileSync(meta, 'utf8') };
}

/** writeGolden records a case. */
export function writeGolden(name: string, args: readonly string[], r: CliResult): void {
  mkdirSync(DIR, { recursive: true });
  writeFileSync(new URL(`${name}.stdout`, DIR), r.stdout);
  writeFileSync(new URL(`${name}.meta`, DIR), metaText(args, r));
}
