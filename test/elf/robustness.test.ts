/**
 * robustness.test: every fixture truncated at many offsets and mutated with thousands of
 * seeded random byte changes, each variant read whole, as a scan reads it (deferred
 * exports) and for its export index alone. Only ElfError may escape, and every case
 * finishes fast.
 */
import { closeSync, existsSync, fstatSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readElf, readExportIndex, ElfError } from '../../src/elf/index.js';
import { SCAN_READ, bindable } from '../../src/analyze/index.js';
import { buildFixtures } from './build.js';

const built = buildFixtures();
afterAll(() => rmSync(built.dir, { recursive: true, force: true }));

const fixtures = [...built.hello.values(), ...(built.libvers ? [built.libvers] : [])];
const MUTATIONS_PER_FIXTURE = 400;
const CASE_BUDGET_MS = 250;

/** mulberry32 is a small seeded PRNG, so every run mutates the same bytes. */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * READS are the ways a file is read: whole (the library API), as a scan reads it (exports
 * of files without DT_SONAME deferred: GNU hash lookups, sparse string blocks), and the
 * export index a scan completes later.
 */
const READS: Array<[string, (path: string) => Promise<unknown>]> = [
  ['full', (path) => readElf(path)],
  ['scan', (path) => readElf(path, SCAN_READ)],
  [
    'exports',
    async (path) => {
      const fd = openSync(path, 'r');
      try {
        return readExportIndex(fd, fstatSync(fd).size, path, bindable);
      } finally {
        closeSync(fd);
      }
    },
  ],
];

/** outcome reads a file one way and classifies what happened. */
async function outcome(path: string, read: (path: string) => Promise<unknown>): Promise<{ ok: boolean; kind: string | null; ms: number; escaped: unknown }> {
  const t0 = performance.now();
  try {
    await read(path);
    return { ok: true, kind: null, ms: performance.now() - t0, escaped: null };
  } catch (e) {
    const ms = performance.now() - t0;
    if (e instanceof ElfError) return { ok: false, kind: e.kind, ms, escaped: null };
    return { ok: false, kind: null, ms, escaped: e };
  }
}

/** Tally is what the variants of a run did. */
interface Tally {
  cases: number;
  maxMs: number;
  escaped: string[];
  slow: string[];
  kinds: Record<string, number>;
}

/** runVariants writes each variant of `fixture` to `work`, reads it, and records the outcome in `t`. */
async function runVariants(fixture: string, work: string, variants: Array<[string, Buffer]>, t: Tally): Promise<void> {
  for (const [label, data] of variants) {
    writeFileSync(work, data);
    for (const [mode, read] of READS) {
      const r = await outcome(work, read);
      const kind = `${mode} ${r.kind ?? 'ok'}`;
      t.cases++;
      t.maxMs = Math.max(t.maxMs, r.ms);
      t.kinds[kind] = (t.kinds[kind] ?? 0) + 1;
      if (r.escaped !== null) t.escaped.push(`${fixture} ${label} (${mode}): ${String(r.escaped)}`);
      if (r.ms > CASE_BUDGET_MS) t.slow.push(`${fixture} ${label} (${mode}): ${r.ms.toFixed(0)} ms`);
    }
  }
}

/** newTally starts an empty tally. */
function newTally(): Tally {
  return { cases: 0, maxMs: 0, escaped: [], slow: [], kinds: {} };
}

describe('robustness', () => {
  it(`truncations and ${MUTATIONS_PER_FIXTURE} mutations per fixture yield a result or an ElfError`, async () => {
    expect(fixtures.length).toBeGreaterThan(0);
    const t = newTally();
    for (const [fi, fixture] of fixtures.entries()) {
      const original = readFileSync(fixture);
      const work = join(built.dir, `mut-${fi}`);
      const offsets = new Set<number>();
      for (let o = 0; o < Math.min(original.length, 8192); o += 13) offsets.add(o);
      for (let o = 8192; o < original.length; o += 997) offsets.add(o);
      const rnd = mulberry32(0x5eed + fi);
      const variants: Array<[string, Buffer]> = [...offsets].map((o) => [`truncate@${o}`, original.subarray(0, o)]);
      for (let m = 0; m < MUTATIONS_PER_FIXTURE; m++) {
        const b = Buffer.from(original);
        const n = 1 + Math.floor(rnd() * 8);
        // Most mutations hit the headers and dynamic tables, where parsing decisions are made.
        const span = rnd() < 0.7 ? Math.min(b.length, 4096) : b.length;
        for (let k = 0; k < n; k++) b[Math.floor(rnd() * span)] = Math.floor(rnd() * 256);
        variants.push([`mutation#${m}`, b]);
      }
      await runVariants(fixture, work, variants, t);
    }
    console.log(`robustness: ${t.cases} cases over ${fixtures.length} fixtures, outcomes ${JSON.stringify(t.kinds)}, slowest ${t.maxMs.toFixed(1)} ms`);
    expect(t.escaped).toEqual([]);
    expect(t.slow).toEqual([]);
  }, 600_000);
});

/**
 * The static and Go samples exercise the readers that work from program headers alone
 * (src/elf/embedded.ts: the ABI tag note, the NSS evidence search, Go's build info in the
 * data segment). They are large, so truncations are sparser; mutations also hit the end of
 * the file, where the section headers that point at .symtab and .strtab live.
 */
const LARGE = ['static-nss', 'hello-static', 'go/hello-static-nohdrs', 'go/hello-cgo']
  .map((p) => join(import.meta.dirname, '..', '..', 'samples', 'bin', p));
const LARGE_MUTATIONS = 200;

describe('robustness of the program-header readers', () => {
  it(`truncations and ${LARGE_MUTATIONS} mutations of ${LARGE.length} static and Go samples yield a result or an ElfError`, async () => {
    expect(LARGE.filter((p) => !existsSync(p))).toEqual([]);
    const t = newTally();
    for (const [fi, fixture] of LARGE.entries()) {
      const original = readFileSync(fixture);
      const work = join(built.dir, `large-${fi}`);
      const variants: Array<[string, Buffer]> = [];
      for (let o = 0; o < original.length; o += 4093) variants.push([`truncate@${o}`, original.subarray(0, o)]);
      const rnd = mulberry32(0xbeef + fi);
      for (let m = 0; m < LARGE_MUTATIONS; m++) {
        const b = Buffer.from(original);
        const n = 1 + Math.floor(rnd() * 8);
        const where = rnd();
        const [from, span] = where < 0.5 ? [0, 4096] : where < 0.8 ? [Math.max(0, b.length - 8192), 8192] : [0, b.length];
        for (let k = 0; k < n; k++) b[from + Math.floor(rnd() * Math.min(span, b.length - from))] = Math.floor(rnd() * 256);
        variants.push([`mutation#${m}`, b]);
      }
      await runVariants(fixture, work, variants, t);
    }
    console.log(`robustness (program-header readers): ${t.cases} cases over ${LARGE.length} samples, outcomes ${JSON.stringify(t.kinds)}, slowest ${t.maxMs.toFixed(1)} ms`);
    expect(t.escaped).toEqual([]);
    expect(t.slow).toEqual([]);
  }, 600_000);
});
