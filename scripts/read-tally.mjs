#!/usr/bin/env node
// read-tally: what the ELF reader reads, by purpose. Reads every ELF file under a tree the
// way a scan's first pass does (SCAN_READ: exports of files without DT_SONAME deferred) and
// prints the reads and bytes per field they serve (DT_STRTAB, DT_JMPREL, evidence search...),
// against the total size of the ELF files. Exports a scan completes later (a deferred file
// that another file loads) are not included: `--stats` shows those as exportsCompleted.
//
//   npm run build && node scripts/read-tally.mjs [tree=/usr]
import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import { listTree } from './lib/tree.mjs';
import { SCAN_READ } from '../dist/analyze/index.js';
import { readElfSync } from '../dist/elf/index.js';
import { readTally } from '../dist/elf/source.js';

const tree = process.argv[2] ?? '/usr';

/** elfFiles lists the regular files under `root` that start with the ELF magic, and their total size. */
function elfFiles(root) {
  const out = [];
  let size = 0;
  const magic = Buffer.alloc(4);
  for (const p of listTree(root).files) {
    let fd;
    try {
      fd = openSync(p, 'r');
    } catch {
      continue;
    }
    try {
      if (readSync(fd, magic, 0, 4, 0) === 4 && magic.toString('latin1') === '\x7fELF') {
        out.push(p);
        size += fstatSync(fd).size;
      }
    } finally {
      closeSync(fd);
    }
  }
  return { files: out.sort(), size };
}

const { files, size } = elfFiles(tree);
readTally.byField = new Map();
let failed = 0;
for (const f of files) {
  try {
    readElfSync(f, SCAN_READ);
  } catch {
    failed++;
  }
}
const rows = [...readTally.byField].sort((a, b) => b[1].bytes - a[1].bytes);
const total = rows.reduce((n, [, t]) => n + t.bytes, 0);
const reads = rows.reduce((n, [, t]) => n + t.reads, 0);
console.log(`${tree}: ${files.length} ELF files (${failed} malformed or unreadable), ${size} bytes`);
console.log(`read ${total} bytes in ${reads} reads: ${((100 * total) / size).toFixed(2)} % of the ELF bytes`);
for (const [field, t] of rows) console.log(`${String(t.bytes).padStart(12)} ${String(t.reads).padStart(8)}  ${field}`);
