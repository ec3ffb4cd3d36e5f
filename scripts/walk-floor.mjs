#!/usr/bin/env node
// walk-floor: what any re-scan must pay before it can reuse anything. It lists every
// directory of a tree (readdirSync with file types) and then stats every regular file
// (statSync), single-threaded, and prints both times. A re-scan that must notice files
// edited in place cannot do less; docs/performance.md compares it with the warm scan.
//
//   node scripts/walk-floor.mjs [tree=/usr] [runs=3]
import { statSync } from 'node:fs';
import { listTree } from './lib/tree.mjs';

const tree = process.argv[2] ?? '/usr';
const runs = Number(process.argv[3] ?? 3);

for (let r = 0; r < runs; r++) {
  let t0 = performance.now();
  const { dirs, files } = listTree(tree);
  const listMs = performance.now() - t0;
  t0 = performance.now();
  for (const f of files) {
    try {
      statSync(f);
    } catch {
      /* gone since the listing */
    }
  }
  const statMs = performance.now() - t0;
  console.log(`${tree}: ${dirs} directories listed in ${listMs.toFixed(0)} ms; ${files.length} files stat'ed in ${statMs.toFixed(0)} ms (${((statMs * 1000) / files.length).toFixed(2)} µs each)`);
}
