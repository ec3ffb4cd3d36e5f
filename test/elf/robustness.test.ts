/**
 * robustness.test: every fixture truncated at many offsets and mutated with thousands of
 * seeded random byte changes. Only ElfError may escape, and every case finishes fast.
 */
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readElf, ElfError } from '../../src/elf/index.js';
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

/** outcome reads a file and classifies what happened. */
async function outcome(path: string): Promise<{ ok: boolean; kind: string | null; ms: number; escaped: unknown }> {
  const t0 = performance.now();
  try {
    await readElf(path);
    return { ok: true, kind: null, ms: performance.now() - t0, escaped: null };
  } catch (e) {
    const ms = performance.now() - t0;
    if (e instanceof ElfError) return { ok: false, kind: e.kind, ms, escaped: null };
    return { ok: false, kind: null, ms, escaped: e };
  }
}

describe('robustness', () => {
  it(`truncations and ${MUTATIONS_PER_FIXTURE} mutations per fixture yield a result or an ElfError`, async () => {
    expect(fixtures.length).toBeGreaterThan(0);
    let cases = 0;
    let maxMs = 0;
    const escaped: string[] = [];
    const slow: string[] = [];
    const kinds: Record<string, number> = {};
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
      for (const [label, data] of variants) {
        writeFileSync(work, data);
        const r = await outcome(work);
        cases++;
        maxMs = Math.max(maxMs, r.ms);
        kinds[r.kind ?? 'ok'] = (kinds[r.kind ?? 'ok'] ?? 0) + 1;
        if (r.escaped !== null) escaped.push(`${fixture} ${label}: ${String(r.escaped)}`);
        if (r.ms > CASE_BUDGET_MS) slow.push(`${fixture} ${label}: ${r.ms.toFixed(0)} ms`);
      }
    }
    console.log(`robustness: ${cases} cases over ${fixtures.length} fixtures, outcomes ${JSON.stringify(kinds)}, slowest ${maxMs.toFixed(1)} ms`);
    expect(escaped).toEqual([]);
    expect(slow).toEqual([]);
  }, 600_000);
});
