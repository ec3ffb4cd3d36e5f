/**
 * cache.test: the persistent scan cache. A warm scan gives byte-identical reports with
 * every unchanged file taken from the cache; a change to a file (content, size, mtime,
 * or a replaced inode) is seen; a corrupt, truncated or foreign cache is ignored, never
 * trusted; two scans sharing a cache both succeed and leave a valid file; files changed
 * just before the scan (racy) are not cached; the directory is pruned. Directory
 * listings are kept too: a re-scan takes an unchanged directory's entries from the cache,
 * and any change to a directory's entries (even with its mtime set back) is seen. A cache
 * file that describes a whole walk carries a tree record, and verifying it (on one thread
 * or with a helper) finds any change to a directory or a file.
 */
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readSync, renameSync, rmSync, statSync, symlinkSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeEach, describe, expect, it } from 'vitest';
import { loadDatabase } from '../../src/db/index.js';
import { scanPaths, scanStream, type ScanOptions } from '../../src/scan/pipeline.js';
import { awaitVerified, CACHED_KINDS, CacheFile, closeMemo, MAX_OUTPUTS, MEMO_MTIME_BACK_S, memoPaths, vouchingKey, readOutputs, recordOutput, memoTrusted, MemoWriter, readMemo, cacheFileName, CacheWriter, decodeDirectory, decodeListing, encodeDirectory, encodeListing, IndexBuilder, listingKeyMatches, payloadCheck, pruneCacheDir, readPayload, sameKey, verifyChunks, writePayload, verifyJob, verifyUnits, type FileKey } from '../../src/scan/cache.js';
import { lendSpares, prestartWorkers, releaseSpareWorkers } from '../../src/scan/pool.js';
import { ENTRY_DIR, ENTRY_FILE, ENTRY_LINK, ENTRY_OTHER } from '../../src/scan/walk.js';
import { Engine, toBatch } from '../../src/scan/engine.js';
import { READER_REVISION } from '../../src/elf/index.js';
import { MessageChannel, Worker } from 'node:worker_threads';
import { closeSync, openSync } from 'node:fs';

const root = join(import.meta.dirname, '..', '..');
const db = loadDatabase();
const target = db.resolveTarget('alpine:3.22');
const work = mkdtempSync(join(tmpdir(), 'muslcheck-cache-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

const tree = join(work, 'tree');
const cacheDir = join(work, 'cache');
/** OLD is an mtime safely before any scan (files changed just before a scan are not cached). */
const OLD = new Date(Date.now() - 3_600_000);

/** makeTree copies a few samples (ELF of several kinds, a malformed file, text) with old mtimes. */
function makeTree(): void {
  rmSync(tree, { recursive: true, force: true });
  mkdirSync(join(tree, 'lib'), { recursive: true });
  for (const [from, to] of [
    ['samples/bin/app-bundled', 'app-bundled'],
    ['samples/bin/lib/libbundle.so.1', 'lib/libbundle.so.1'],
    ['samples/bin/fortify', 'fortify'],
    ['samples/bin/cxx', 'cxx'],
    ['samples/bin/broken/fortify-truncated', 'truncated'],
  ]) copyFileSync(join(root, from!), join(tree, to!));
  writeFileSync(join(tree, 'README'), 'text\n');
  for (const f of ['app-bundled', 'lib/libbundle.so.1', 'fortify', 'cxx', 'truncated', 'README', 'lib', '.']) utimesSync(join(tree, f), OLD, OLD);
}

const opts = (extra: Partial<ScanOptions> = {}): ScanOptions => ({ db, target, cache: { dir: cacheDir, toolVersion: 'test' }, jobs: 1, ...extra });

beforeEach(() => {
  makeTree();
  rmSync(cacheDir, { recursive: true, force: true });
});

describe.each([
  ['calling thread', { jobs: 1 }],
  ['worker pool', { jobs: 2, smallScan: 0 }],
] as const)('scan cache (%s)', (_name, mode) => {
  it('a warm scan takes every file from the cache and reports exactly what the cold scan did', async () => {
    const cold = await scanPaths([tree], opts(mode));
    expect(cold.stats.cacheHits).toBe(0);
    expect(cold.stats.cacheWritten).toBe(true);
    const warm = await scanPaths([tree], opts(mode));
    expect(warm.stats.cacheHits).toBe(6);
    expect(warm.stats.cacheWritten).toBe(false); // nothing changed: the file is not rewritten
    expect(warm.stats.bytesRead).toBe(0);
    expect(JSON.stringify(warm.reports)).toBe(JSON.stringify(cold.reports));
    const nocache = await scanPaths([tree], opts({ ...mode, cache: null }));
    expect(JSON.stringify(nocache.reports)).toBe(JSON.stringify(cold.reports));
  }, 60_000);

  it('sees a changed file (same size, new mtime), a replaced file and a new file', async () => {
    await scanPaths([tree], opts(mode));
    // Same size and inode, different bytes and mtime: a text file becomes ELF-looking garbage.
    writeFileSync(join(tree, 'README'), '\x7fELF\n');
    utimesSync(join(tree, 'README'), new Date(OLD.getTime() + 60_000), new Date(OLD.getTime() + 60_000));
    // Replaced by another file (new inode): fortify becomes the C++ sample.
    rmSync(join(tree, 'fortify'));
    copyFileSync(join(tree, 'cxx'), join(tree, 'fortify'));
    utimesSync(join(tree, 'fortify'), OLD, OLD);
    writeFileSync(join(tree, 'new.txt'), 'new\n');
    utimesSync(join(tree, 'new.txt'), OLD, OLD);
    const warm = await scanPaths([tree], opts(mode));
    const fresh = await scanPaths([tree], opts({ ...mode, cache: null }));
    expect(JSON.stringify(warm.reports)).toBe(JSON.stringify(fresh.reports));
    expect(warm.stats.cacheHits).toBe(4); // app-bundled, lib, cxx, truncated
    expect(warm.reports.find((r) => r.path.endsWith('README'))!.kind).toBe('malformed');
    expect(warm.reports.find((r) => r.path.endsWith('/fortify'))!.elf!.needed).toContain('libstdc++.so.6');
    // The rewritten cache now holds the new state.
    const again = await scanPaths([tree], opts(mode));
    expect(again.stats.cacheHits).toBe(7);
  }, 60_000);
});

describe('a cache that cannot be written', () => {
  it.each([
    ['calling thread', { jobs: 1 }],
    ['worker pool', { jobs: 2, smallScan: 0 }],
  ])('costs only the speed: the scan reports the same and writes nothing (%s)', async (_mode, mode) => {
    const blocked = join(work, 'blocked');
    writeFileSync(blocked, 'a file where the cache directory should be');
    const r = await scanPaths([tree], opts({ ...mode, cache: { dir: join(blocked, 'cache'), toolVersion: 'test' } }));
    const plain = await scanPaths([tree], opts({ ...mode, cache: null }));
    expect(JSON.stringify(r.reports)).toBe(JSON.stringify(plain.reports));
    expect(r.stats.cacheWritten).toBe(false);
    expect(readFileSync(blocked, 'utf8')).toBe('a file where the cache directory should be');
  }, 30_000);

  it.each([
    ['calling thread', { jobs: 1 }],
    ['worker pool, whose threads wrote payloads to it', { jobs: 2, smallScan: 0 }],
  ])('a scan that fails leaves no temporary file behind (%s)', async (_name, mode) => {
    const dir = join(work, `failing-cache-${mode.jobs}`);
    await expect(
      scanStream([tree], opts({ ...mode, cache: { dir, toolVersion: 'test' } }), 'report', () => {
        throw new Error('the report could not be written');
      }),
    ).rejects.toThrow('the report could not be written');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  }, 30_000);
  it('a scan whose engine cannot be built leaves no temporary file behind', async () => {
    const dir = join(work, 'no-engine-cache');
    await expect(scanStream([tree], opts({ target: { ...target, id: 'nosuch:9' }, cache: { dir, toolVersion: 'test' } }), 'report', () => undefined)).rejects.toThrow('unknown target');
    expect(existsSync(dir) ? readdirSync(dir) : []).toEqual([]);
  }, 30_000);
});

describe('a cache that cannot be trusted is ignored', () => {
  /** cachePath is the one cache file of the tree. */
  const cachePath = (): string => join(cacheDir, readdirSync(cacheDir).find((n) => n.endsWith('.bin'))!);

  it.each([
    ['truncated to half', (b: Buffer) => b.subarray(0, b.length >> 1)],
    ['truncated to 10 bytes', (b: Buffer) => b.subarray(0, 10)],
    // The payloads follow the head (magic, format, id), the index comes last, before its
    // 20-byte SHA-1, the directory count and the index length (12 bytes).
    ['one flipped byte in the index', (b: Buffer) => flip(b, b.length - 40)],
    ['one flipped byte in a payload', (b: Buffer) => flip(b, b.indexOf('lean') + 4 + 10)],
    ['one flipped byte in the index length', (b: Buffer) => flip(b, b.length - 2)],
    ['garbage', (b: Buffer) => Buffer.alloc(b.length, 0x5a)],
    ['empty', () => Buffer.alloc(0)],
  ])('%s', async (_name, corrupt) => {
    const cold = await scanPaths([tree], opts());
    writeFileSync(cachePath(), corrupt(readFileSync(cachePath())));
    const after = await scanPaths([tree], opts());
    expect(JSON.stringify(after.reports)).toBe(JSON.stringify(cold.reports));
    // It is rewritten whole and valid again.
    const third = await scanPaths([tree], opts());
    expect(third.stats.cacheHits).toBe(6);
  }, 30_000);

  it('made by another version of muslcheck', async () => {
    await scanPaths([tree], opts());
    const other = await scanPaths([tree], opts({ cache: { dir: cacheDir, toolVersion: 'other' } }));
    expect(other.stats.cacheHits).toBe(0);
  });
});

describe('sharing', () => {
  it('two scans at once both succeed and leave a valid cache', async () => {
    const [a, b] = await Promise.all([scanPaths([tree], opts({ jobs: 2, smallScan: 0 })), scanPaths([tree], opts({ jobs: 2, smallScan: 0 }))]);
    expect(JSON.stringify(a.reports)).toBe(JSON.stringify(b.reports));
    expect(readdirSync(cacheDir).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const warm = await scanPaths([tree], opts());
    expect(warm.stats.cacheHits).toBe(6);
  }, 60_000);

  it('a memo found and checked stays the bytes that were checked, even when another run replaces it', () => {
    const file = join(work, 'memo-race.bin');
    const store = (key: string, text: string, code: number): void => {
      const w = new MemoWriter(file, key);
      w.write(text);
      w.commit(code);
    };
    store('json', '{"the":"json report"}', 1);
    const hit = readMemo(file, 'json')!;
    expect(hit.meta.exitCode).toBe(1);
    // Another run, with other options, stores its own report under the same memo path.
    store('sarif', 'a SARIF report, longer than the first one', 0);
    expect(readMemo(file, 'json')).toBeNull();
    const b = Buffer.alloc(hit.meta.bytes);
    readSync(hit.fd, b, 0, b.length, 0);
    expect(b.toString()).toBe('{"the":"json report"}');
    closeMemo(hit);
    const other = readMemo(file, 'sarif')!;
    expect(other.meta.exitCode).toBe(0);
    closeMemo(other);
  });
});

describe('MemoWriter', () => {
  // It encodes text into a buffer of 1 MiB and writes it when full: whatever the pieces,
  // the memo must hold exactly their bytes, `bytes` must say where each one starts, and the
  // SHA-1 readMemo checks must be that of those bytes.
  const big = 'x'.repeat(700_000);
  it.each([
    ['many small pieces', Array.from({ length: 5000 }, (_, i) => `,\n    {"path":"f${i}"}`)],
    ['pieces around the buffer\'s size', [big, big, 'é'.repeat(200_000), big]],
    ['one piece larger than the buffer', ['head', 'y'.repeat(3 * 2 ** 20), 'tail']],
    ['text that is not ASCII', ['ä€𝄞', '\u0000', 'a'.repeat(10), '😀'.repeat(100_000)]],
    ['bytes as well as text', ['a', new Uint8Array([0x62, 0x63]), 'd']],
  ] as const)('%s: the memo is the pieces, each where `bytes` said', (_what, pieces) => {
    const file = join(work, `memo-buffer-${Math.random().toString(36).slice(2)}.bin`);
    const w = new MemoWriter(file, 'k');
    const starts: number[] = [];
    for (const piece of pieces) {
      starts.push(w.bytes);
      w.write(piece);
    }
    w.commit(0);
    const hit = readMemo(file, 'k')!;
    expect(hit).not.toBeNull();
    const stored = Buffer.alloc(hit.meta.bytes);
    readSync(hit.fd, stored, 0, stored.length, 0);
    closeMemo(hit);
    const parts = pieces.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p)));
    expect(stored.equals(Buffer.concat(parts))).toBe(true);
    let at = 0;
    parts.forEach((b, i) => {
      expect(starts[i]).toBe(at);
      expect(stored.subarray(at, at + b.length).equals(b)).toBe(true);
      at += b.length;
    });
  });
});

describe('a memo vouched for by its own key', () => {
  const stored = (name: string, text: string): { file: string; data: string; meta: string } => {
    const file = join(work, `memo-key-${name}.bin`);
    const w = new MemoWriter(file, 'k');
    w.write(text);
    w.commit(0);
    const p = memoPaths(file);
    return { file, data: p.data, meta: p.meta };
  };
  const metaOf = (path: string): Record<string, unknown> => JSON.parse(readFileSync(path, 'utf8')) as Record<string, unknown>;
  const readAll = (file: string): string | null => {
    const hit = readMemo(file, 'k');
    if (hit === null) return null;
    const b = Buffer.alloc(hit.meta.bytes);
    readSync(hit.fd, b, 0, b.length, 0);
    closeMemo(hit);
    return b.toString();
  };

  it('is stored with its mtime set back before its last change, and the key it then has', () => {
    const m = stored('stored', 'report one');
    const st = statSync(m.data);
    expect(st.mtimeMs).toBeLessThanOrEqual(st.ctimeMs - MEMO_MTIME_BACK_S * 1000 + 1000);
    expect(metaOf(m.meta).file).toEqual({ dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs });
    expect(readAll(m.file)).toBe('report one');
  });

  it('is taken on its key alone: a meta whose SHA-1 is wrong still vouches for it while the key holds', () => {
    const m = stored('trusted', 'report two');
    writeFileSync(m.meta, JSON.stringify({ ...metaOf(m.meta), sha1: '0'.repeat(40) }));
    expect(readAll(m.file)).toBe('report two');
    // Without the key, that SHA-1 is checked and refuses it.
    const { file: _key, ...noKey } = metaOf(m.meta);
    writeFileSync(m.meta, JSON.stringify(noKey));
    expect(readAll(m.file)).toBeNull();
  });

  it.each([
    ['rewritten in place, same size', (data: string): void => writeFileSync(data, 'report XXX')],
    ['rewritten in place and given back the mtime it was stored with', (data: string): void => {
      const before = statSync(data);
      writeFileSync(data, 'report XXX');
      utimesSync(data, before.atime, before.mtime);
    }],
    ['replaced by a rename, with the same bytes and times', (data: string): void => {
      const before = statSync(data);
      writeFileSync(`${data}.other`, 'report XXX');
      utimesSync(`${data}.other`, before.atime, before.mtime);
      renameSync(`${data}.other`, data);
    }],
  ])('is checked by its SHA-1 once its key changed: %s', (_what, change) => {
    const m = stored(`changed-${Math.random().toString(36).slice(2)}`, 'report abc');
    change(m.data);
    expect(readAll(m.file)).toBeNull();
  });

  const st = statSync(work);
  const key = { dev: st.dev, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs, ctimeMs: st.ctimeMs };
  it.each([
    ['the same key', { file: key }, true],
    ['no key', {}, false],
    ['a null key', { file: null }, false],
    ['a key that is not an object', { file: 'key' }, false],
    ['another device', { file: { ...key, dev: key.dev + 1 } }, false],
    ['another inode', { file: { ...key, ino: key.ino + 1 } }, false],
    ['another size', { file: { ...key, size: key.size + 1 } }, false],
    ['another mtime', { file: { ...key, mtimeMs: key.mtimeMs + 1 } }, false],
    ['another ctime', { file: { ...key, ctimeMs: key.ctimeMs + 1 } }, false],
  ])('memoTrusted with %s', (_what, meta, trusted) => {
    expect(memoTrusted(meta as Parameters<typeof memoTrusted>[0], st)).toBe(trusted);
  });
});

describe('the report files a memo was written to (MemoOutputs)', () => {
  const file = join(work, 'outputs', 'scan-x.bin');
  const key = (ino: number): FileKey => ({ dev: 1, ino, size: 10, mtimeMs: 1000.5, ctimeMs: 1010.25 });
  beforeEach(() => {
    rmSync(join(work, 'outputs'), { recursive: true, force: true });
    mkdirSync(join(work, 'outputs'));
  });

  it('are recorded per memo, the last written first, at most MAX_OUTPUTS, and forgotten on null', () => {
    expect(readOutputs(file, 'aa')).toEqual([]);
    recordOutput(file, 'aa', '/r/one.json', key(1));
    recordOutput(file, 'aa', '/r/two.json', key(2));
    recordOutput(file, 'aa', '/r/one.json', key(3));
    expect(readOutputs(file, 'aa')).toEqual([{ path: '/r/one.json', file: key(3) }, { path: '/r/two.json', file: key(2) }]);
    expect(readOutputs(file, 'bb')).toEqual([]); // another memo's bytes
    recordOutput(file, 'aa', '/r/two.json', null);
    expect(readOutputs(file, 'aa').map((o) => o.path)).toEqual(['/r/one.json']);
    for (let i = 0; i < MAX_OUTPUTS + 3; i++) recordOutput(file, 'aa', `/r/${i}.json`, key(i));
    expect(readOutputs(file, 'aa')).toHaveLength(MAX_OUTPUTS);
    expect(readOutputs(file, 'aa')[0]!.path).toBe(`/r/${MAX_OUTPUTS + 2}.json`);
    // A record for another memo replaces the last: its files hold other bytes.
    recordOutput(file, 'bb', '/r/b.json', key(9));
    expect([readOutputs(file, 'aa'), readOutputs(file, 'bb').length]).toEqual([[], 1]);
  });

  it.each([
    ['not JSON', '{"sha1":'],
    ['no list', '{"sha1":"aa"}'],
  ])('a record that is %s names none', (_name, text) => {
    writeFileSync(memoPaths(file).outputs, text);
    expect(readOutputs(file, 'aa')).toEqual([]);
  });

  it('a record with a malformed entry keeps only the sound ones', () => {
    writeFileSync(memoPaths(file).outputs, JSON.stringify({ sha1: 'aa', outputs: [{ path: '/r/a.json', file: { ...key(1), ctimeMs: '9' } }, { path: 7, file: key(2) }, { path: '/r/c.json', file: key(3) }] }));
    expect(readOutputs(file, 'aa')).toEqual([{ path: '/r/c.json', file: key(3) }]);
  });

  it('vouchingKey vouches only for a regular file whose mtime lies before its ctime', () => {
    const f = join(work, 'outputs', 'report.json');
    writeFileSync(f, 'report\n');
    // A file just written has its mtime and ctime from the same write: a second write in the same tick would keep both.
    const fresh = statSync(f);
    expect(fresh.mtimeMs).toBe(fresh.ctimeMs);
    expect(vouchingKey(fresh)).toBeNull();
    const back = new Date(Date.now() - 1000);
    utimesSync(f, back, back);
    const marked = statSync(f);
    expect(vouchingKey(marked)).toEqual({ dev: marked.dev, ino: marked.ino, size: marked.size, mtimeMs: marked.mtimeMs, ctimeMs: marked.ctimeMs });
    expect(vouchingKey(statSync(join(work, 'outputs')))).toBeNull(); // a directory
  });

  it('go with their cache file when it is pruned', () => {
    const cache = join(work, 'outputs', 'scan-old.bin');
    writeFileSync(cache, 'x');
    recordOutput(cache, 'aa', '/r/a.json', key(1));
    pruneCacheDir(join(work, 'outputs'), 0);
    expect(readdirSync(join(work, 'outputs'))).toEqual([]);
  });
});

describe('what is cached', () => {
  it('files named one by one (a pre-commit hook\'s arguments) are not cached: the list changes every commit', async () => {
    const r = await scanPaths([join(tree, 'fortify'), join(tree, 'cxx')], opts());
    expect(r.stats.cacheFile).toBeNull();
    expect(() => readdirSync(cacheDir)).toThrow();
  });
});

describe('racy files', () => {
  it('a file modified just before the scan is not cached', async () => {
    writeFileSync(join(tree, 'README'), 'just now\n');
    await scanPaths([tree], opts());
    const warm = await scanPaths([tree], opts());
    expect(warm.stats.cacheHits).toBe(5);
  });
});

/** ELF_MAGIC is what a file that became ELF starts with (the verification sniffs four bytes). */
const ELF_MAGIC = Buffer.from([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0]);

/** flipLastByte is a copy of `b` with its last byte changed (an edit in place that keeps the size). */
function flipLastByte(b: Buffer): Buffer {
  const c = Buffer.from(b);
  c[c.length - 1] ^= 0xff;
  return c;
}

describe('tree records and verification', () => {
  /** opened is the tree's one cache file, opened. */
  const opened = (): CacheFile => {
    const name = readdirSync(cacheDir).find((n) => n.endsWith('.bin'))!;
    return CacheFile.open(join(cacheDir, name), `muslcheck test; reader ${READER_REVISION}; data ${db.fingerprint}; read lean`)!;
  };
  /** verified runs a verification on the calling thread alone (units of about `unitBytes`). */
  const verified = (c: CacheFile, unitBytes?: number): boolean => {
    const job = verifyJob(c, unitBytes);
    verifyChunks(job);
    return awaitVerified(job);
  };

  it('a cache file written by a whole walk records it: spec, fingerprint and figures', async () => {
    const r = await scanPaths([tree], opts());
    const c = opened();
    expect(c.tree).not.toBeNull();
    expect(c.tree!.fingerprint).toMatch(/^[0-9a-f]{64}$/);
    expect(JSON.parse(c.tree!.spec)).toMatchObject({ paths: [tree], include: [], exclude: [] });
    expect([c.tree!.files, c.tree!.elfFiles, c.tree!.directories]).toEqual([6, r.stats.elfFiles, 2]);
    expect(verified(c)).toBe(true);
    c.close();
  });

  it('tune is told when a verification starts and ends, whatever its outcome, and of nothing in a scan that does not verify', async () => {
    const phases: string[] = [];
    const tune = (p: string): void => void phases.push(p);
    await scanPaths([tree], opts({ reuse: () => false, tune }));
    expect(phases).toEqual([]); // nothing to verify yet
    const verifiedScan = await scanPaths([tree], opts({ reuse: () => true, tune }));
    expect([verifiedScan.stats.verified, phases]).toEqual([true, ['verify', 'scan']]);
    phases.length = 0;
    writeFileSync(join(tree, 'lib', 'added'), 'new\n');
    const changed = await scanPaths([tree], opts({ reuse: () => true, tune }));
    // The verification saw the change; the walk that followed ran after `scan`.
    expect([changed.stats.verified, phases]).toEqual([false, ['verify', 'scan']]);
    phases.length = 0;
    await scanPaths([tree], opts({ reuse: () => false, tune }));
    expect(phases).toEqual([]); // the caller holds no result: nothing is verified
  });

  it.each([
    ['a directory changed just before the scan (no listing kept)', () => utimesSync(tree, new Date(), new Date()), {}],
    ['a file changed just before the scan (not cached)', () => utimesSync(join(tree, 'README'), new Date(), new Date()), {}],
    ['a special file named on the command line', () => undefined, { paths: [tree, '/dev/null'] }],
    ['links followed', () => undefined, { followSymlinks: true }],
  ] as const)('no record when the file does not describe the whole walk: %s', async (_name, change, extra) => {
    change();
    const { paths = [tree], ...rest } = extra as { paths?: string[] } & Partial<ScanOptions>;
    await scanPaths(paths, opts(rest));
    const c = opened();
    expect(c.tree).toBeNull();
    c.close();
  });

  const later = new Date(OLD.getTime() + 60_000);
  it.each([
    ['a binary edited in place (same size, new mtime)', () => (writeFileSync(join(tree, 'cxx'), flipLastByte(readFileSync(join(tree, 'cxx')))), utimesSync(join(tree, 'cxx'), later, later))],
    ['a binary with a new ctime only', () => utimesSync(join(tree, 'cxx'), OLD, OLD)],
    ['a binary replaced (new inode, same times)', () => (copyFileSync(join(tree, 'cxx'), join(work, 'r')), renameSync(join(work, 'r'), join(tree, 'cxx')), utimesSync(join(tree, 'cxx'), OLD, OLD))],
    ['a malformed file edited', () => (writeFileSync(join(tree, 'truncated'), flipLastByte(readFileSync(join(tree, 'truncated')))), utimesSync(join(tree, 'truncated'), later, later))],
    ['a text file that became ELF', () => (copyFileSync(join(tree, 'cxx'), join(tree, 'README')), utimesSync(join(tree, 'README'), later, later))],
    ['a file removed', () => rmSync(join(tree, 'cxx'))],
    ['a file that became a directory', () => (rmSync(join(tree, 'cxx')), mkdirSync(join(tree, 'cxx')))],
    ['a file that became a link to itself', () => (rmSync(join(tree, 'cxx')), symlinkSync('cxx', join(tree, 'cxx')))],
    ['a new file, the directory\'s mtime set back', () => (writeFileSync(join(tree, 'lib', 'new'), 'x'), utimesSync(join(tree, 'lib'), OLD, OLD))],
    ['a directory removed', () => rmSync(join(tree, 'lib'), { recursive: true })],
  ].flatMap(([name, change]) => [
    [name, 'default units', undefined, change],
    // Units of one byte cut every directory into one unit per entry: the directory's own key is checked by its first.
    [name, 'one entry per unit', 1, change],
  ] as const))('verification sees %s (%s)', async (_name, _units, unitBytes, change) => {
    await scanPaths([tree], opts());
    const c = opened();
    expect(verified(c, unitBytes)).toBe(true);
    change();
    expect(verified(c, unitBytes)).toBe(false);
    c.close();
  });

  it.each([1, 100, 300, 16 * 1024])('units of about %i bytes cover every directory once, and a large one at its entry boundaries', async (unitBytes) => {
    manyDirs();
    for (let i = 0; i < 40; i++) writeFileSync(join(tree, 'many', `file-${String(i).padStart(2, '0')}`), 'x');
    utimesSync(join(tree, 'many'), OLD, OLD);
    for (let i = 0; i < 40; i++) utimesSync(join(tree, 'many', `file-${String(i).padStart(2, '0')}`), OLD, OLD);
    await scanPaths([tree], opts());
    const c = opened();
    const spans = c.spans;
    const units = verifyUnits(c.index, spans, unitBytes);
    const dirs = spans.length / 6;
    /** per directory, the blob ranges its units cover. */
    const covered = Array.from({ length: dirs }, () => [] as Array<[number, number]>);
    for (let u = 0; u < units.length; u += 3) {
      const [a, z, to] = [units[u]!, units[u + 1]!, units[u + 2]!];
      if (to < 0) for (let d = a; d < z; d++) covered[d]!.push([spans[d * 6 + 2]!, spans[d * 6 + 2]! + spans[d * 6 + 3]!]);
      else covered[a]!.push([z, to]);
    }
    const boundaries = (d: number): Set<number> => {
      const at = new Set<number>();
      const start = spans[d * 6 + 2]!;
      const blob = c.index.subarray(start, start + spans[d * 6 + 3]!);
      for (let o = 0; o < blob.length; o += 2 + blob.readUInt16LE(o) + 5 * 8 + 1 + 8 + 4 + 4) at.add(start + o);
      at.add(start + blob.length);
      return at;
    };
    for (let d = 0; d < dirs; d++) {
      const ranges = covered[d]!;
      const start = spans[d * 6 + 2]!;
      expect(ranges[0]![0], `directory ${d} starts at its blob`).toBe(start);
      expect(ranges[ranges.length - 1]![1], `directory ${d} ends at its blob's end`).toBe(start + spans[d * 6 + 3]!);
      const cuts = boundaries(d);
      ranges.forEach(([from, to], k) => {
        if (k > 0) expect(from).toBe(ranges[k - 1]![1]);
        expect(cuts.has(from) && cuts.has(to)).toBe(true);
      });
    }
    const bigParts = covered.map((r) => r.length);
    if (unitBytes <= 100) expect(Math.max(...bigParts)).toBeGreaterThan(1);
    // Two units in a row hold more than a unit's worth: the plan does not crumble into tiny units.
    let total = 0;
    for (let d = 0; d < dirs; d++) total += spans[d * 6 + 3]! + 75;
    expect(units.length / 3).toBeLessThanOrEqual((2 * total) / unitBytes + 2);
    expect(verified(c, unitBytes)).toBe(true);
    c.close();
    // Only the directory's own key shows a new file whose directory's mtime was set back: the unit that starts its blob checks it.
    writeFileSync(join(tree, 'many', 'file-40'), 'x');
    utimesSync(join(tree, 'many', 'file-40'), OLD, OLD);
    utimesSync(join(tree, 'many'), OLD, OLD);
    const before = opened();
    expect(verified(before, unitBytes)).toBe(false);
    before.close();
    await scanPaths([tree], opts());
    const after = opened();
    expect(verified(after, unitBytes)).toBe(true);
    // A file in the last unit of the large directory, now ELF.
    writeFileSync(join(tree, 'many', 'file-40'), ELF_MAGIC);
    expect(verified(after, unitBytes)).toBe(false);
    after.close();
  });

  // A file that is not ELF is in the report by its path alone: edits that keep it so, and a
  // directory whose key changed with the same entries, change nothing the report shows.
  it.each([
    ['a text file edited in place (same size, new mtime)', () => (writeFileSync(join(tree, 'README'), 'TEXT\n'), utimesSync(join(tree, 'README'), later, later))],
    ['a text file with a new ctime only', () => utimesSync(join(tree, 'README'), OLD, OLD)],
    ['a text file emptied', () => (writeFileSync(join(tree, 'README'), ''), utimesSync(join(tree, 'README'), later, later))],
    ['a text file saved by a rename over it (the directory\'s key changes, not its entries)', () => (writeFileSync(join(tree, '.README.tmp'), 'new text\n'), renameSync(join(tree, '.README.tmp'), join(tree, 'README')))],
  ])('verification sees through %s', async (_name, change) => {
    await scanPaths([tree], opts());
    const c = opened();
    change();
    expect(verified(c)).toBe(true);
    expect(verified(c, 1)).toBe(true);
    c.close();
  });

  it('verification does not see through a package.json edited in place (a Node addon\'s plan reads it)', async () => {
    writeFileSync(join(tree, 'lib', 'package.json'), '{"name":"a"}');
    for (const f of ['lib/package.json', 'lib']) utimesSync(join(tree, f), OLD, OLD);
    await scanPaths([tree], opts());
    const c = opened();
    expect(verified(c)).toBe(true);
    writeFileSync(join(tree, 'lib', 'package.json'), '{"name":"b"}');
    utimesSync(join(tree, 'lib', 'package.json'), later, later);
    expect(verified(c)).toBe(false);
    c.close();
  });

  /** manyDirs adds 100 directories of one file each: several chunks of verification. */
  const manyDirs = (): void => {
    for (let i = 0; i < 100; i++) {
      mkdirSync(join(tree, 'many', `d${i}`), { recursive: true });
      writeFileSync(join(tree, 'many', `d${i}`, 'f'), 'x');
      utimesSync(join(tree, 'many', `d${i}`, 'f'), OLD, OLD);
      utimesSync(join(tree, 'many', `d${i}`), OLD, OLD);
    }
    utimesSync(join(tree, 'many'), OLD, OLD);
    utimesSync(tree, OLD, OLD);
  };

  it('a helper thread lent before its settings verifies chunks too, and sees changes', async () => {
    manyDirs();
    await scanPaths([tree], opts());
    const c = opened();
    for (const [change, expected] of [
      [() => undefined, true],
      [() => writeFileSync(join(tree, 'many', 'd99', 'f'), ELF_MAGIC), false],
    ] as const) {
      change();
      prestartWorkers(1);
      const job = verifyJob(c);
      expect(lendSpares(job)).toBe(1);
      // The calling thread takes no chunk: the helper does them all.
      expect(awaitVerified(job, 30_000)).toBe(expected);
      expect(job.control[0]).toBeGreaterThan(0);
      await releaseSpareWorkers();
    }
    c.close();
  }, 60_000);

  it('a helper that stops making progress is given up on: the tree counts as changed, and the others stop', async () => {
    manyDirs();
    await scanPaths([tree], opts());
    const c = opened();
    const job = verifyJob(c);
    job.control[0] = 1; // chunk 0 claimed by a thread that never finishes it
    const t = performance.now();
    expect(awaitVerified(job, 100)).toBe(false);
    expect(performance.now() - t).toBeLessThan(5_000);
    // Any other thread still verifying takes no further chunk.
    const before = job.control[0]!;
    verifyChunks(job);
    expect(job.control[2]).toBe(0);
    expect(job.control[0]).toBe(before + 1);
    c.close();
  });

  it('a tree record that is not one is ignored (the file still serves)', () => {
    const file = join(work, 'bad-record.bin');
    const index = new IndexBuilder();
    index.dir('/t/a');
    index.listing(undefined);
    index.end({ spec: 's', fingerprint: 'f', files: -1, elfFiles: 0, elfBytes: 0, directories: 1 });
    expect(new CacheWriter(file, 'id').finish(index)).toBeGreaterThan(0);
    const c = CacheFile.open(file, 'id')!;
    expect(c.tree).toBeNull();
    expect(c.listings.size).toBe(0);
    c.close();
  });
});

describe('directory listings', () => {
  /** paths lists a scan's report paths relative to the tree. */
  const paths = (r: { reports: Array<{ path: string }> }): string[] => r.reports.map((x) => x.path.slice(tree.length + 1));

  it.each([
    ['calling thread', { jobs: 1 }],
    ['worker pool', { jobs: 2, smallScan: 0 }],
  ] as const)('a warm scan reads no directory: every listing comes from the cache (%s)', async (_name, mode) => {
    const cold = await scanPaths([tree], opts(mode));
    expect(cold.stats.listingsReused).toBe(0);
    const warm = await scanPaths([tree], opts(mode));
    expect(warm.stats.directories).toBe(2);
    expect(warm.stats.listingsReused).toBe(2);
    expect(warm.stats.cacheWritten).toBe(false);
    expect(JSON.stringify(warm.reports)).toBe(JSON.stringify(cold.reports));
  }, 60_000);

  it.each([
    ['added', (d: string) => writeFileSync(join(d, 'added.txt'), 'x'), ['lib/added.txt', 'lib/libbundle.so.1']],
    ['removed', (d: string) => rmSync(join(d, 'libbundle.so.1')), []],
    ['renamed', (d: string) => renameSync(join(d, 'libbundle.so.1'), join(d, 'libbundle.so.2')), ['lib/libbundle.so.2']],
  ])('a file %s is seen, even with the directory\'s mtime set back (as tar does; its ctime moves)', async (_name, change, expected) => {
    await scanPaths([tree], opts());
    const lib = join(tree, 'lib');
    const before = statSync(lib);
    change(lib);
    utimesSync(lib, before.atime, before.mtime);
    expect(statSync(lib).mtimeMs).toBe(before.mtimeMs);
    const warm = await scanPaths([tree], opts());
    expect(paths(warm).filter((p) => p.startsWith('lib/'))).toEqual(expected);
    expect(warm.stats.listingsReused).toBe(1); // the tree's root only
    const again = await scanPaths([tree], opts());
    expect(again.stats.listingsReused).toBe(2);
  }, 60_000);

  it('the globs apply to a listing from the cache as to one just read', async () => {
    await scanPaths([tree], opts());
    const filtered = await scanPaths([tree], opts({ exclude: ['lib'], include: ['*u*'] }));
    expect(filtered.stats.listingsReused).toBe(1); // lib is excluded, not entered
    expect(paths(filtered)).toEqual(['app-bundled', 'truncated']);
  });

  it('a directory changed just before the scan keeps no listing', async () => {
    utimesSync(join(tree, 'lib'), new Date(), new Date());
    await scanPaths([tree], opts());
    const warm = await scanPaths([tree], opts());
    expect(warm.stats.listingsReused).toBe(1);
  });

  it('following links uses no listing (a link\'s target can change unseen), and keeps those cached', async () => {
    symlinkSync('lib', join(tree, 'lib-link'));
    utimesSync(tree, OLD, OLD);
    await scanPaths([tree], opts());
    const followed = await scanPaths([tree], opts({ followSymlinks: true }));
    expect(followed.stats.listingsReused).toBe(0);
    expect(paths(followed)).toContain('lib-link/libbundle.so.1');
    const plain = await scanPaths([tree], opts());
    expect(plain.stats.listingsReused).toBe(2);
    expect(paths(plain)).not.toContain('lib-link/libbundle.so.1');
  }, 60_000);
});

describe('keys of files read afresh', () => {
  it.each([
    ['an ELF file', 'app-bundled', 'elf'],
    ['a file that is not ELF', 'README', 'not-elf'],
    ['a malformed ELF file', 'truncated', 'malformed'],
  ])('%s is cached under the status of the descriptor it was read through', (_name, file, kind) => {
    const engine = new Engine({ target: target.id, includeExports: false, cwd: tree, cache: null, cacheWrite: true, scanStartMs: Date.now(), suppress: null });
    const reply = engine.read(toBatch([{ id: 7, path: join(tree, file), name: file }]));
    const st = statSync(join(tree, file));
    expect(reply.cache).not.toBeNull();
    expect([...reply.cache!.ids]).toEqual([7]);
    expect(CACHED_KINDS[reply.cache!.kinds[0]!]).toBe(kind);
    expect([...reply.cache!.keys]).toEqual([st.dev, st.ino, st.size, st.mtimeMs, st.ctimeMs]);
  });
});

describe('cache format', () => {
  const key: FileKey = { dev: 2049, ino: 1234567, size: 42, mtimeMs: 1700000000123.25, ctimeMs: 1700000000456.5 };

  it('round-trips a directory blob', () => {
    const entries = [
      { name: 'a', key, kind: 'elf' as const, offset: 0, length: 10, check: 0xdeadbeef },
      { name: 'ünï code', key: { ...key, ino: 7 }, kind: 'not-elf' as const, offset: 10, length: 0, check: 1 },
    ];
    const back = decodeDirectory(encodeDirectory(entries))!;
    expect([...back.keys()]).toEqual(['a', 'ünï code']);
    expect(back.get('a')).toEqual({ key, kind: 'elf', offset: 0, length: 10, check: 0xdeadbeef });
    expect(sameKey(back.get('ünï code')!.key, { ...key, ino: 7 })).toBe(true);
  });

  it.each([
    ['the same key', {}, true],
    ['another size', { size: 43 }, false],
    ['another mtime', { mtimeMs: key.mtimeMs + 1 }, false],
    ['another ctime', { ctimeMs: key.ctimeMs + 1 }, false],
    ['another inode', { ino: 1 }, false],
    ['another device', { dev: 1 }, false],
  ])('a not-ELF entry is unchanged under %s: %s', (_name, change, unchanged) => {
    const dir = decodeDirectory(
      encodeDirectory([
        { name: 'text', key, kind: 'not-elf', offset: 0, length: 0, check: 1 },
        { name: 'lib.so', key, kind: 'elf', offset: 0, length: 10, check: 1 },
      ]),
    )!;
    expect(dir.unchangedNotElf('text', { ...key, ...change })).toBe(unchanged);
    // Only not-ELF entries take this path; an ELF file's entry, or a name not held, never does.
    expect(dir.unchangedNotElf('lib.so', key)).toBe(false);
    expect(dir.unchangedNotElf('other', key)).toBe(false);
    expect([dir.holdsNotElf('text'), dir.holdsNotElf('lib.so'), dir.holdsNotElf('other')]).toEqual([true, false, false]);
  });

  it.each([1, 5, 20, 60])('rejects a blob cut after %i bytes', (n) => {
    const blob = encodeDirectory([{ name: 'abc', key, kind: 'elf', offset: 0, length: 10, check: 1 }]);
    expect(decodeDirectory(blob.subarray(0, n))).toBeNull();
  });

  it.each([
    ['size', { size: 43 }],
    ['mtime', { mtimeMs: key.mtimeMs + 1 }],
    ['ctime', { ctimeMs: key.ctimeMs + 1 }],
    ['inode', { ino: 1 }],
    ['device', { dev: 1 }],
  ])('a different %s is a different key', (_f, change) => expect(sameKey(key, { ...key, ...change })).toBe(false));

  const dirKey = { dev: 2049, ino: 99, mtimeMs: 1700000000123.25, ctimeMs: 1700000000456.5 };
  const listing = { names: ['a', 'b-c', 'b/', 'fifo', 'ünï', 'z'], types: Uint8Array.from([ENTRY_FILE, ENTRY_LINK, ENTRY_DIR, ENTRY_OTHER, ENTRY_FILE, ENTRY_DIR]) };

  it('round-trips a listing, kept under its directory\'s key', () => {
    const bytes = encodeListing(dirKey, listing);
    expect(decodeListing(bytes)).toEqual(listing);
    expect(listingKeyMatches(bytes, dirKey)).toBe(true);
    expect(decodeListing(encodeListing(dirKey, { names: [], types: new Uint8Array(0) }))).toEqual({ names: [], types: new Uint8Array(0) });
  });

  it.each([
    ['device', { dev: 1 }],
    ['inode', { ino: 1 }],
    ['mtime', { mtimeMs: dirKey.mtimeMs + 1 }],
    ['ctime', { ctimeMs: dirKey.ctimeMs + 0.5 }],
  ])('a listing is not used for a directory with another %s', (_f, change) => expect(listingKeyMatches(encodeListing(dirKey, listing), { ...dirKey, ...change })).toBe(false));

  it.each([
    ['cut in its key', (b: Buffer) => b.subarray(0, 20)],
    ['cut in a name', (b: Buffer) => b.subarray(0, b.length - 1)],
    ['cut in an entry header', (b: Buffer) => b.subarray(0, 32 + 2)],
    ['an unknown type', (b: Buffer) => Buffer.concat([b, Buffer.from([9, 1, 0, 0x41])])],
    ['an empty name', (b: Buffer) => Buffer.concat([b, Buffer.from([0, 0, 0])])],
  ])('a listing %s is a miss', (_name, corrupt) => {
    const bytes = corrupt(encodeListing(dirKey, listing));
    expect(listingKeyMatches(bytes, dirKey) && decodeListing(bytes) !== null).toBe(false);
  });

  it.each([
    ['nothing (a not-ELF file: computed once)', '', 0xeea339da], // SHA-1 da39a3ee...
    ['"abc"', 'abc', 0x363e99a9], // SHA-1 a9993e36... (FIPS 180-2, appendix A)
  ])('a payload check is the first 4 bytes of its SHA-1, little-endian: %s', (_name, text, check) => expect(payloadCheck(Buffer.from(text))).toBe(check));

  it('names one cache file per set of scanned directories and read mode', () => {
    expect(cacheFileName('/c', ['/b', '/a'], 'lean')).toBe(cacheFileName('/c', ['/a', '/b'], 'lean'));
    expect(cacheFileName('/c', ['/a'], 'lean')).not.toBe(cacheFileName('/c', ['/a'], 'full'));
  });

  it('opening a missing file gives no cache', () => expect(CacheFile.open(join(work, 'nope.bin'), 'x')).toBeNull());

  it('directory blobs are views of one shared index, so posting one to a worker copies nothing', async () => {
    const file = join(work, 'shared.bin');
    const index = new IndexBuilder();
    for (const [dir, n] of [['/t/a', 3], ['/t/b', 40]] as const) {
      index.dir(dir);
      for (let i = 0; i < n; i++) index.entry(`f${i}`, [key.dev, i, key.size, key.mtimeMs, key.ctimeMs], 0, 0, 0, 0, payloadCheck(new Uint8Array(0)));
      index.listing(undefined);
    }
    expect(new CacheWriter(file, 'id').finish(index)).toBeGreaterThan(0);
    const c = CacheFile.open(file, 'id')!;
    const a = c.dirs.get('/t/a')!;
    const b = c.dirs.get('/t/b')!;
    expect(a.buffer).toBeInstanceOf(SharedArrayBuffer);
    expect(b.buffer).toBe(a.buffer);
    expect([...decodeDirectory(b)!.keys()]).toHaveLength(40);
    // What a worker receives is the same memory: a change made through it shows here.
    const { port1, port2 } = new MessageChannel();
    const got = new Promise<Uint8Array>((done) => port2.once('message', done));
    port1.postMessage(b);
    const received = await got;
    port1.close();
    expect(received.buffer).toBeInstanceOf(SharedArrayBuffer);
    const before = b[0]!;
    received[0] = before ^ 0xff;
    expect(b[0]).toBe(before ^ 0xff);
    c.close();
  });

  it('a cache writer writes each payload as it comes, and the index last', () => {
    const file = join(work, 'streamed.bin');
    const w = new CacheWriter(file, 'id');
    const payloads = [Buffer.from('first payload'), Buffer.from('second, longer payload')];
    const offsets = payloads.map((p) => w.append(p));
    expect(offsets).toEqual([0, payloads[0]!.length]);
    // Before the index is written, the payloads are already on disk (nothing is held), beside the cache file.
    const tmp = readdirSync(work).filter((n) => n.startsWith('streamed.bin.') && n.endsWith('.tmp'));
    expect(tmp).toHaveLength(1);
    expect(readFileSync(join(work, tmp[0]!)).subarray(-payloads[1]!.length)).toEqual(payloads[1]);
    expect(existsSync(file)).toBe(false);
    const index = new IndexBuilder();
    index.dir('/t/a');
    payloads.forEach((p, i) => index.entry(`f${i}`, [key.dev, i, key.size, key.mtimeMs, key.ctimeMs], 0, 1, offsets[i]!, p.length, payloadCheck(p)));
    index.listing(undefined);
    expect(w.finish(index)).toBe(statSync(file).size);
    expect(readdirSync(work).filter((n) => n.endsWith('.tmp'))).toEqual([]);
    const c = CacheFile.open(file, 'id')!;
    const entries = decodeDirectory(c.dirs.get('/t/a')!)!;
    expect(c.entries).toBe(2);
    payloads.forEach((p, i) => expect(readPayload(c.fd, c.payloadBase, entries.get(`f${i}`)!)).toEqual(p));
    c.close();
  });

  it('payloads written by two threads at once land apart, each where its offset says', async () => {
    const file = join(work, 'threads.bin');
    const w = new CacheWriter(file, 'id');
    const out = w.out()!;
    // A worker writes 200 payloads through the same descriptor while this thread writes 200.
    const script = `
      const { workerData, parentPort } = require('node:worker_threads');
      import(workerData.module).then(({ writePayload }) => {
        const offsets = [];
        for (let i = 0; i < 200; i++) offsets.push(writePayload(workerData.out, Buffer.from('worker payload ' + i)));
        parentPort.postMessage(offsets);
      });`;
    const worker = new Worker(script, { eval: true, workerData: { out, module: new URL('../../dist/scan/cache.js', import.meta.url).href } });
    const theirs = new Promise<number[]>((done) => worker.once('message', done));
    const mine = Array.from({ length: 200 }, (_, i) => writePayload(out, Buffer.from(`main payload ${i}`)));
    const offsets = [...mine, ...(await theirs)];
    await worker.terminate();
    const payloads = [...Array.from({ length: 200 }, (_, i) => Buffer.from(`main payload ${i}`)), ...Array.from({ length: 200 }, (_, i) => Buffer.from(`worker payload ${i}`))];
    const index = new IndexBuilder();
    index.dir('/t/a');
    payloads.forEach((p, i) => index.entry(`f${i}`, [key.dev, i, key.size, key.mtimeMs, key.ctimeMs], 0, 1, offsets[i]!, p.length, payloadCheck(p)));
    index.listing(undefined);
    expect(w.finish(index)).toBe(statSync(file).size);
    // Every offset once; the payload section is exactly their bytes.
    expect(new Set(offsets).size).toBe(400);
    const c = CacheFile.open(file, 'id')!;
    const entries = decodeDirectory(c.dirs.get('/t/a')!)!;
    payloads.forEach((p, i) => expect(readPayload(c.fd, c.payloadBase, entries.get(`f${i}`)!)).toEqual(p));
    expect(c.entries).toBe(400);
    c.close();
  });

  it('a payload write that fails on any thread gives the whole file up', () => {
    const file = join(work, 'full-disk.bin');
    const w = new CacheWriter(file, 'id');
    const out = w.out()!;
    expect(writePayload(out, Buffer.from('first payload'))).toBe(0);
    // As a full disk would: this thread's descriptor cannot be written.
    const readOnly = openSync(file + '.ro', 'w');
    closeSync(readOnly);
    const fd = openSync(file + '.ro', 'r');
    expect(writePayload({ ...out, fd }, Buffer.from('second payload'))).toBe(-1);
    closeSync(fd);
    // Every later write, from any thread, is refused, and nothing is put in place.
    expect(writePayload(out, Buffer.from('third payload'))).toBe(-1);
    expect(w.finish(new IndexBuilder())).toBe(-1);
    expect(existsSync(file)).toBe(false);
    expect(readdirSync(work).filter((n) => n.startsWith('full-disk.bin.') && n.endsWith('.tmp'))).toEqual([]);
  });

  it('a cache writer that cannot write gives up, leaving nothing behind', () => {
    const blocked = join(work, 'not-a-dir');
    writeFileSync(blocked, 'x');
    const w = new CacheWriter(join(blocked, 'scan.bin'), 'id');
    expect(w.append(Buffer.from('payload'))).toBe(-1);
    expect(w.finish(new IndexBuilder())).toBe(-1);
    expect(readFileSync(blocked, 'utf8')).toBe('x');
  });

  it('pruning keeps the most recently used files and drops stale temporaries', () => {
    const d = join(work, 'prune');
    mkdirSync(d, { recursive: true });
    for (let i = 0; i < 5; i++) {
      writeFileSync(join(d, `scan-${i}.bin`), 'x');
      utimesSync(join(d, `scan-${i}.bin`), new Date(1_000_000 * (i + 1)), new Date(1_000_000 * (i + 1)));
    }
    writeFileSync(join(d, 'scan-old.bin.1.ab.tmp'), 'x');
    utimesSync(join(d, 'scan-old.bin.1.ab.tmp'), OLD, new Date(Date.now() - 7_200_000));
    writeFileSync(join(d, 'scan-new.bin.2.cd.tmp'), 'x');
    writeFileSync(join(d, 'unrelated'), 'x');
    pruneCacheDir(d, 2);
    expect(readdirSync(d).sort()).toEqual(['scan-3.bin', 'scan-4.bin', 'scan-new.bin.2.cd.tmp', 'unrelated']);
  });
});

/** flip inverts one byte of a copy. */
function flip(b: Buffer, at: number): Buffer {
  const c = Buffer.from(b);
  const i = Math.max(0, Math.min(at, c.length - 1));
  c[i] = c[i]! ^ 0xff;
  return c;
}


