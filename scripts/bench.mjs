#!/usr/bin/env node
// bench.mjs [TREE] [RUNS]: muslcheck's performance figures (docs/performance.md).
//
//   1. A full `muslcheck scan TREE --format json -o FILE` (every ELF file analysed, report
//      written), cold cache (--no-cache), first (the cache on, empty: what a first run
//      writes) and warm (the cache filled by a previous run: the same command run again,
//      its report file left as it wrote it), and warm after another command rewrote that
//      report file (the report is then copied from the cache again),
//      alternated with the anchors `scanelf -R -B -F '%F;%i;%n;%S' TREE` (pax-utils) and
//      `readelf -W -d -l --dyn-syms` on every ELF file (xargs -P per core). Medians.
//   2. Bytes muslcheck read against the total size of the ELF files, and peak RSS (also of
//      a cold scan in each other format, one run each).
//   3. `muslcheck --version` start-up, median of 15.
//   4. A pre-commit run: `muslcheck scan --staged` with 20 files staged in a repository of
//      10,000 tracked files, median of 15, each after a bare `node -e 0` (Node's own start).
//
// `npm run bench` builds first. Not a test: the figures go to docs/performance.md by hand.
// Set BENCH_JSON=FILE to also write the figures as JSON.
import { execFileSync, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { availableParallelism, cpus, tmpdir, totalmem } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const tree = process.argv[2] ?? '/usr';
const runs = Number(process.argv[3] ?? 5);
const root = join(dirname(fileURLToPath(import.meta.url)), '..');
// The bin is run as a command, as npm's link runs it: its first line starts node with the
// flags it takes (bin/muslcheck.cjs, LAUNCHER). `node bin/muslcheck.cjs` would skip them.
const bin = join(root, 'bin/muslcheck.cjs');
const work = mkdtempSync(join(tmpdir(), 'muslcheck-bench-'));
const out = join(work, 'report.json');
/** outWarm is the warm runs' own report file: each finds it as the last one left it (the cold and first runs rewrite `out`). */
const outWarm = join(work, 'report-warm.json');
const statsFile = join(work, 'stats.json');
const cacheDir = join(work, 'cache');

/** median of a list of numbers. */
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
/** have says whether a command is on PATH. */
const have = (c) => spawnSync('sh', ['-c', `command -v ${c}`]).status === 0;

/** timed runs a command and returns its wall time (ms), peak RSS (bytes, via /usr/bin/time) and status. */
function timed(cmd, args, env = {}) {
  const t0 = process.hrtime.bigint();
  const r = spawnSync('/usr/bin/time', ['-f', '%M %U %S', cmd, ...args], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...env }, maxBuffer: 1 << 26 });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  const last = String(r.stderr ?? '').trim().split('\n').pop() ?? '';
  const [rssKb, user, sys] = last.split(' ').map(Number);
  return { ms, rss: (rssKb || 0) * 1024, cpu: ((user || 0) + (sys || 0)) * 1000, status: r.status };
}

const scanArgs = (cache, output = out) => ['scan', tree, '--format', 'json', '-o', output, '--stats', statsFile, '--fail-on', 'error', '--quiet', ...(cache ? [] : ['--no-cache'])];
const env = { MUSLCHECK_CACHE_DIR: cacheDir, CI: '1' };
/** firstDir is the cache directory of the first-scan runs, emptied before each. */
const firstDir = join(work, 'first-cache');

console.log(`machine: ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version}, parallelism ${availableParallelism()}`);
console.log(`tree ${tree}, ${runs} runs each, alternated, warm page cache`);

const elfList = join(work, 'elves.txt');
if (have('scanelf')) execFileSync('sh', ['-c', `scanelf -R -B -F '%F' ${tree} 2>/dev/null > ${elfList}`]);
else console.log('scanelf not installed (apt-get install pax-utils): no scanelf or readelf anchor');

// Warm-up: fill the page cache, and the scan cache for the warm runs.
timed(bin, scanArgs(true, outWarm), env);
const res = { cold: [], first: [], warm: [], rewritten: [], scanelf: [], readelf: [] };
let rssCold = 0;
let rssFirst = 0;
let rssWarm = 0;
let coldStats = null;
let warmStats = null;
for (let i = 0; i < runs; i++) {
  const c = timed(bin, scanArgs(false), env);
  res.cold.push(c);
  rssCold = Math.max(rssCold, c.rss);
  coldStats = JSON.parse(readFileSync(statsFile, 'utf8'));
  rmSync(firstDir, { recursive: true, force: true });
  const f = timed(bin, scanArgs(true), { ...env, MUSLCHECK_CACHE_DIR: firstDir });
  res.first.push(f);
  rssFirst = Math.max(rssFirst, f.rss);
  // `out` was just rewritten by the first run: this one copies the report from the cache.
  res.rewritten.push(timed(bin, scanArgs(true), env));
  const w = timed(bin, scanArgs(true, outWarm), env);
  res.warm.push(w);
  rssWarm = Math.max(rssWarm, w.rss);
  warmStats = JSON.parse(readFileSync(statsFile, 'utf8'));
  if (have('scanelf')) res.scanelf.push(timed('scanelf', ['-R', '-B', '-F', '%F;%i;%n;%S', tree]));
  if (have('scanelf') && have('readelf')) res.readelf.push(timed('sh', ['-c', `xargs -P${availableParallelism()} -n 50 readelf -W -d -l --dyn-syms < ${elfList} > /dev/null 2>&1`]));
}

const fmt = (name, xs) => (xs.length ? `${name.padEnd(22)} median ${(median(xs.map((x) => x.ms)) / 1000).toFixed(2)} s wall, ${(median(xs.map((x) => x.cpu)) / 1000).toFixed(2)} s CPU  (wall: ${xs.map((x) => (x.ms / 1000).toFixed(2)).join(', ')})` : `${name.padEnd(22)} -`);
const cold = median(res.cold.map((x) => x.ms));
const warm = median(res.warm.map((x) => x.ms));
console.log(fmt('muslcheck (cold)', res.cold));
console.log(fmt('muslcheck (first run)', res.first));
console.log(fmt('muslcheck (warm cache)', res.warm));
console.log(fmt('  report file rewritten', res.rewritten));
console.log(fmt('scanelf', res.scanelf));
console.log(fmt('readelf (per file)', res.readelf));
console.log(`files ${coldStats.files} (${(coldStats.files / (cold / 1000)).toFixed(0)} files/s), ELF ${coldStats.elfFiles} (${(coldStats.elfFiles / (cold / 1000)).toFixed(0)} ELF files/s), ${coldStats.threads} threads`);
console.log(`phases (cold, last run): threads ready ${coldStats.phases.threadsReady} ms, read ${coldStats.phases.read} ms, analysed and written ${coldStats.phases.analyze} ms`);
if (res.scanelf.length) console.log(`ratio to scanelf: cold ${(cold / median(res.scanelf.map((x) => x.ms))).toFixed(2)}, warm ${(warm / median(res.scanelf.map((x) => x.ms))).toFixed(2)}`);
if (res.readelf.length) console.log(`ratio to readelf: cold ${(cold / median(res.readelf.map((x) => x.ms))).toFixed(2)}`);
console.log(`warm / cold: ${(warm / cold).toFixed(2)} (cache hits ${warmStats.cacheHits} of ${warmStats.files}); with the report file rewritten in between: ${(median(res.rewritten.map((x) => x.ms)) / cold).toFixed(2)}`);
console.log(`bytes read ${coldStats.bytesRead} of ${coldStats.elfBytes} ELF bytes (${((100 * coldStats.bytesRead) / coldStats.elfBytes).toFixed(2)}%)`);
console.log(`peak RSS: cold ${(rssCold / 2 ** 20).toFixed(0)} MB, first ${(rssFirst / 2 ** 20).toFixed(0)} MB, warm ${(rssWarm / 2 ** 20).toFixed(0)} MB`);

// Peak RSS of the other formats (cold, one run each): SARIF is written while the scan runs
// as JSON is; text and Markdown keep lean reports until the end.
const rssByFormat = {};
for (const format of ['sarif', 'text', 'markdown']) {
  const r = timed(bin, ['scan', tree, '--format', format, '-o', join(work, `report.${format}`), '--fail-on', 'error', '--quiet', '--no-cache'], env);
  rssByFormat[format] = r.rss;
}
console.log(`peak RSS by format (cold, one run each): ${Object.entries(rssByFormat).map(([f, b]) => `${f} ${(b / 2 ** 20).toFixed(0)} MB`).join(', ')}`);

// --version start-up.
const versions = [];
for (let i = 0; i < 15; i++) versions.push(timed(bin, ['--version']).ms);
console.log(`muslcheck --version: median ${median(versions).toFixed(0)} ms`);

// Pre-commit: 20 staged files in a repository of 10,000 tracked files.
const repo = join(work, 'repo');
mkdirSync(repo);
const git = (...args) => execFileSync('git', ['-c', 'user.name=b', '-c', 'user.email=b@b', ...args], { cwd: repo, stdio: ['ignore', 'pipe', 'pipe'] });
git('init', '-q');
for (let d = 0; d < 100; d++) {
  mkdirSync(join(repo, `d${d}`));
  for (let f = 0; f < 100; f++) writeFileSync(join(repo, `d${d}`, `f${f}.c`), `int f${d}_${f}(void) { return ${f}; }\n`);
}
git('add', '.');
git('commit', '-q', '-m', 'tree');
const samples = ['fortify', 'fcntl64', 'hello-musl', 'cxx', 'ucontext'].map((s) => join(root, 'samples/bin', s));
for (let i = 0; i < 20; i++) {
  const p = i < 10 ? join(repo, `d${i}`, `bin${i}`) : join(repo, `d${i}`, `f${i}.c`);
  if (i < 10) copyFileSync(samples[i % samples.length], p);
  else writeFileSync(p, `int changed${i}(void) { return ${i}; }\n`);
  git('add', p);
}
// This VM's speed swings from one second to the next (seven runs in a row have measured
// 213-343 ms), so the hook runs 15 times, each after a bare `node -e 0`: Node's own start,
// the part no change to muslcheck can take off, measured in the same moments.
const hooks = [];
const bare = [];
const wall = (cmd, args, cwd) => {
  const t0 = process.hrtime.bigint();
  spawnSync(cmd, args, { cwd, stdio: 'ignore', env: { ...process.env, ...env } });
  return Number(process.hrtime.bigint() - t0) / 1e6;
};
for (let i = 0; i < 15; i++) {
  bare.push(wall('node', ['-e', '0'], repo));
  hooks.push(wall(bin, ['scan', '--staged', '--quiet'], repo));
}
console.log(`pre-commit (scan --staged, 20 staged of 10,000 tracked files): median ${median(hooks).toFixed(0)} ms (${[...hooks].sort((a, b) => a - b).map((x) => x.toFixed(0)).join(', ')}); node -e 0 alone: median ${median(bare).toFixed(0)} ms`);

if (process.env.BENCH_JSON) {
  writeFileSync(
    process.env.BENCH_JSON,
    JSON.stringify(
      {
        tree,
        runs,
        cores: cpus().length,
        node: process.version,
        coldMs: cold,
        warmMs: warm,
        warmRewrittenMs: median(res.rewritten.map((x) => x.ms)),
        firstMs: median(res.first.map((x) => x.ms)),
        scanelfMs: res.scanelf.length ? median(res.scanelf.map((x) => x.ms)) : null,
        readelfMs: res.readelf.length ? median(res.readelf.map((x) => x.ms)) : null,
        cpuMs: { cold: median(res.cold.map((x) => x.cpu)), warm: median(res.warm.map((x) => x.cpu)), scanelf: res.scanelf.length ? median(res.scanelf.map((x) => x.cpu)) : null },
        stats: coldStats,
        warmStats,
        rss: { cold: rssCold, first: rssFirst, warm: rssWarm, byFormat: rssByFormat },
        versionMs: median(versions),
        preCommitMs: median(hooks),
        nodeStartMs: median(bare),
      },
      null,
      2,
    ),
  );
}
rmSync(work, { recursive: true, force: true });
