/**
 * emit.test: a kept report (the memo) is written from the descriptor its bytes were
 * checked through, to --output or to stdout, by the kernel's copy (through /dev/fd) or in
 * chunks; either way the bytes are those that were checked, even when another run
 * replaced the memo meanwhile.
 */
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { emitFile, type CliIo } from '../../src/cli.js';
import { closeMemo, MemoWriter, readMemo } from '../../src/scan/cache.js';

const work = mkdtempSync(join(tmpdir(), 'muslcheck-emit-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** store keeps `text` as the memo of `file` under `key`. */
function store(file: string, key: string, text: string): void {
  const w = new MemoWriter(file, key);
  w.write(text);
  w.commit(0);
}

/** capture is a CliIo whose stdout collects what is written. */
function capture(): { io: CliIo; out: Buffer[] } {
  const out: Buffer[] = [];
  const stream = {
    write(chunk: string | Uint8Array, done: (err?: Error | null) => void): boolean {
      out.push(Buffer.from(chunk));
      done();
      return true;
    },
  };
  return { io: { stdout: stream, stderr: stream, env: {}, cwd: work }, out };
}

// Longer than one chunk (64 KiB to stdout, 1 MiB to a file), with multi-byte characters across chunk edges.
const REPORT = `{"files":[${Array.from({ length: 40_000 }, (_, i) => `"é${i}✓"`).join(',')}]}\n`;

describe('emitFile', () => {
  it.each([
    ['--output, by the kernel', 'out-kernel.json', true],
    ['--output, in chunks', 'out-chunks.json', false],
    ['stdout', undefined, true],
  ] as const)('%s: the checked bytes, though the memo was replaced after the check', async (_name, output, byName) => {
    const file = join(work, `scan-${output ?? 'stdout'}.bin`);
    store(file, 'k', REPORT);
    const hit = readMemo(file, 'k')!;
    store(file, 'other', 'another run\'s report');
    const { io, out } = capture();
    try {
      await emitFile(hit.fd, hit.meta.bytes, output, io, { byName });
    } finally {
      closeMemo(hit);
    }
    const written = output === undefined ? Buffer.concat(out) : readFileSync(join(work, output));
    expect(written.length).toBe(Buffer.byteLength(REPORT));
    expect(written.toString('utf8')).toBe(REPORT);
    if (output !== undefined) {
      // The mode of a file created for writing here (what a report written afresh gets), not the memo's 0600.
      const probe = join(work, `probe-${output}`);
      writeFileSync(probe, '');
      expect(statSync(join(work, output)).mode & 0o7777).toBe(statSync(probe).mode & 0o7777);
    }
  });
});
