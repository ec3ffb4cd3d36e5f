#!/usr/bin/env node
// bench.mjs [TREE] [RUNS]: times a full `muslcheck scan --format json` of TREE (default /usr)
// against scanelf and readelf over the same tree, alternated, warm caches, medians.
// Prints files/s, ELF files/s, wall time, ratios, bytes read vs ELF bytes, peak RSS.
// `npm run bench` builds first. Not a test: figures go to docs/performance.md by hand.
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';
import { tmpdir, cpus } from 'node:os';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const tree = process.argv[2] ?? '/usr';
const runs = Number(process.argv[3] ?? 3);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const out = join(tmpdir(), 'muslcheck-bench.json');
const statsFile = join(tmpdir(), 'muslcheck-bench-stats.json');

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
function timed(cmd, args, opts = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], maxBuffer: 1 << 30, ...opts });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  return { ms, status: r.status, stderr: String(r.stderr ?? '') };
}
const have = (c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;

const elfList = join(tmpdir(), 'muslcheck-bench-elves.txt');
if (have('scanelf')) execFileSync('sh', ['-c', `scanelf -R -B -F '%F' ${tree} 2>/dev/null > ${elfList}`]);

const results = { muslcheck: [], scanelf: [], readelf: [] };
let rss = 0;
// Warm-up: fill the page cache once.
timed('node', [join(root, 'bin/muslcheck.js'), 'scan', tree, '--format', 'json', '--no-cache', '-o', out, '--fail-on', 'error', '--quiet']);
for (let i = 0; i < runs; i++) {
  const m = timed('/usr/bin/time', ['-f', '%M', 'node', join(root, 'bin/muslcheck.js'), 'scan', tree, '--format', 'json', '--no-cache', '-o', out, '--stats', statsFile, '--fail-on', 'error', '--quiet']);
  results.muslcheck.push(m.ms);
  rss = Math.max(rss, Number(m.stderr.trim().split('\n').pop()) * 1024 || 0);
  if (have('scanelf')) results.scanelf.push(timed('scanelf', ['-R', '-B', '-F', '%F;%i;%n;%S', tree]).ms);
  if (have('readelf') && have('scanelf')) results.readelf.push(timed('sh', ['-c', `xargs -P2 -n 50 readelf -W -d -l --dyn-syms < ${elfList} > /dev/null 2>&1`]).ms);
}
const stats = JSON.parse(readFileSync(statsFile, 'utf8'));
const m = median(results.muslcheck);
const line = (name, xs) => (xs.length ? `${name.padEnd(10)} median ${(median(xs) / 1000).toFixed(2)} s  (runs: ${xs.map((x) => (x / 1000).toFixed(2)).join(', ')})` : `${name.padEnd(10)} not installed`);
console.log(`tree ${tree}, ${runs} runs, ${cpus().length} cores, node ${process.version}`);
console.log(line('muslcheck', results.muslcheck));
console.log(line('scanelf', results.scanelf));
console.log(line('readelf', results.readelf));
console.log(`files ${stats.files} (${(stats.files / (m / 1000)).toFixed(0)} files/s), ELF ${stats.elfFiles} (${(stats.elfFiles / (m / 1000)).toFixed(0)} ELF files/s)`);
if (results.scanelf.length) console.log(`ratio to scanelf ${(m / median(results.scanelf)).toFixed(2)}`);
if (results.readelf.length) console.log(`ratio to readelf ${(m / median(results.readelf)).toFixed(2)}`);
console.log(`bytes read ${stats.bytesRead} of ${stats.elfBytes} ELF bytes (${((100 * stats.bytesRead) / stats.elfBytes).toFixed(2)}%)`);
console.log(`peak RSS ${(rss / 1048576).toFixed(0)} MB`);
rmSync(out, { force: true });
