// tree: the plain directory walk the measuring scripts share (walk-floor, read-tally).
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** listTree walks `root` depth-first (readdirSync with file types) and returns its directory count and regular files. */
export function listTree(root) {
  const pending = [root];
  const files = [];
  let dirs = 0;
  while (pending.length > 0) {
    const dir = pending.pop();
    dirs++;
    let entries;
    try {
      entries = readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const e of entries) {
      if (e.isDirectory()) pending.push(join(dir, e.name));
      else if (e.isFile()) files.push(join(dir, e.name));
    }
  }
  return { dirs, files };
}
