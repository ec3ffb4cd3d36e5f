/**
 * source: positioned, bounds-checked reads from an open file descriptor.
 *
 * Every read names the structure field it serves, so a table pointing outside the
 * file becomes an ElfError that says which field and where. Reads are remembered
 * in a few cached spans, so tables that sit next to each other cost one read.
 *
 * Reads are synchronous `pread`s (fs.readSync with a position): the reader runs inside
 * worker threads, where a blocking positioned read is the cheapest way to fetch a few
 * hundred bytes; a promise per read cost more than the read itself (docs/performance.md).
 */
import { constants as fsConstants, readSync } from 'node:fs';
import { ElfError } from './errors.js';

/** OPEN_FLAGS opens a file to read it: read-only, and never blocking (a FIFO swapped in for a file must not hang the scan). */
export const OPEN_FLAGS = fsConstants.O_RDONLY | (fsConstants.O_NONBLOCK ?? 0);

/**
 * readTally, when given a Map, counts every read by the field it serves: reads and bytes
 * (scripts/read-tally.mjs shows what a scan reads, by purpose). Off (null) otherwise.
 */
export const readTally: { byField: Map<string, { reads: number; bytes: number }> | null } = { byField: null };

/** MAX_READ caps any single table read: no allocation is sized by an unchecked field. */
export const MAX_READ = 256 * 1024 * 1024;

/** MAX_SPANS is how many earlier reads are kept for reuse. */
const MAX_SPANS = 8;

/**
 * Arena is scratch memory for the reads of one file at a time. A scan reads thousands
 * of files whose tables are thrown away as soon as they are parsed (names are copied
 * into strings, the export index into its own array); allocating a fresh Buffer for
 * each read left hundreds of MB for the garbage collector to find. An arena is reset
 * before each file and grows to the largest file's needs, up to ARENA_MAX; reads beyond
 * that get their own Buffer.
 */
export class Arena {
  private buf = Buffer.allocUnsafe(0);
  private used = 0;

  /** reset makes the whole arena free again (every Buffer handed out before is now invalid). */
  reset(): void {
    this.used = 0;
  }

  /** alloc hands out `n` bytes (8-byte aligned), or a fresh Buffer when the arena cannot hold them. */
  alloc(n: number): Buffer {
    const start = (this.used + 7) & ~7;
    if (start + n > this.buf.length) {
      if (start + n > ARENA_MAX) return Buffer.allocUnsafe(n);
      // Grow: the old contents stay valid in the old buffer for the Buffers already handed out.
      this.buf = Buffer.allocUnsafeSlow(Math.min(ARENA_MAX, Math.max(start + n, this.buf.length * 2, 1 << 16)));
      this.used = 0;
      return this.alloc(n);
    }
    this.used = start + n;
    return this.buf.subarray(start, start + n);
  }
}

/** ARENA_MAX bounds an arena: a larger read (the string table of a libLLVM) gets its own Buffer, which the collector returns, where a grown arena would hold its pages for the rest of the scan. */
const ARENA_MAX = 2 * 1024 * 1024;

interface Span {
  offset: number;
  data: Buffer;
}

/** Source reads byte ranges of one open file. */
export class Source {
  /** bytesRead counts the bytes actually read from the file. */
  bytesRead = 0;
  private readonly spans: Span[] = [];

  constructor(
    private readonly fd: number,
    readonly size: number,
    readonly path: string,
    /** scratch memory for the reads (reset by the caller before the next file); none: each read allocates. */
    private readonly arena: Arena | null = null,
  ) {}

  /** malformed builds the typed error for a field at an offset. */
  malformed(reason: string, offset: number | null, field: string | null): ElfError {
    return new ElfError('malformed', this.path, reason, offset, field);
  }

  /** check throws when [offset, offset+length) is not inside the file. */
  check(offset: number, length: number, field: string): void {
    if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || offset < 0 || length < 0) {
      throw this.malformed('invalid offset or size', Number.isSafeInteger(offset) ? offset : null, field);
    }
    if (offset + length > this.size) {
      throw this.malformed(`extends past end of file (size ${this.size}, needs ${offset + length})`, offset, field);
    }
    if (length > MAX_READ) {
      throw this.malformed(`table too large (${length} bytes)`, offset, field);
    }
  }

  /** read returns `length` bytes at `offset`, from a cached span when one covers it. */
  read(offset: number, length: number, field: string): Buffer {
    this.check(offset, length, field);
    for (const s of this.spans) {
      if (offset >= s.offset && offset + length <= s.offset + s.data.length) {
        return s.data.subarray(offset - s.offset, offset - s.offset + length);
      }
    }
    const data = this.readRaw(offset, length, field);
    this.remember(offset, data);
    return data;
  }

  /** prefetch reads a span once so later reads inside it are free. Out-of-file parts are clipped. */
  prefetch(offset: number, length: number, field: string): void {
    if (offset < 0 || offset >= this.size || length <= 0) return;
    const len = Math.min(length, this.size - offset, MAX_READ);
    for (const s of this.spans) {
      if (offset >= s.offset && offset + len <= s.offset + s.data.length) return;
    }
    this.remember(offset, this.readRaw(offset, len, field));
  }

  /**
   * readChunk reads `length` bytes at `offset` into `into` (reused by the caller for a
   * table read piece by piece, such as relocations) and returns the filled part. Not
   * remembered as a span.
   */
  readChunk(offset: number, length: number, field: string, into: Buffer): Buffer {
    this.check(offset, length, field);
    const buf = length <= into.length ? into.subarray(0, length) : Buffer.allocUnsafe(length);
    this.fill(buf, offset, field);
    return buf;
  }

  /** readUpTo returns at most `length` bytes at `offset`, clipped at the end of the file. */
  readUpTo(offset: number, length: number, field: string): Buffer {
    if (offset >= this.size) return Buffer.alloc(0);
    return this.read(offset, Math.min(length, this.size - offset), field);
  }

  /**
   * remember keeps a read for reuse, dropping the smallest beyond MAX_SPANS: a run of
   * small reads (version entries, hash chains) must not push out the one large read of a
   * file's dynamic tables, which the symbol walk reads from afterwards.
   */
  private remember(offset: number, data: Buffer): void {
    this.spans.push({ offset, data });
    if (this.spans.length <= MAX_SPANS) return;
    let smallest = 0;
    for (let i = 1; i < this.spans.length; i++) if (this.spans[i]!.data.length < this.spans[smallest]!.data.length) smallest = i;
    this.spans.splice(smallest, 1);
  }

  /** readRaw reads exactly `length` bytes at `offset` (a short read means the file shrank). */
  private readRaw(offset: number, length: number, field: string): Buffer {
    const buf = this.arena !== null ? this.arena.alloc(length) : Buffer.allocUnsafe(length);
    this.fill(buf, offset, field);
    return buf;
  }

  /** fill reads exactly `buf.length` bytes at `offset` (a short read means the file shrank). */
  private fill(buf: Buffer, offset: number, field: string): void {
    const length = buf.length;
    let done = 0;
    while (done < length) {
      let n: number;
      try {
        n = readSync(this.fd, buf, done, length - done, offset + done);
      } catch (e) {
        throw new ElfError('unreadable', this.path, errnoText(e), offset + done, field);
      }
      if (n === 0) throw this.malformed('file shrank while reading', offset + done, field);
      done += n;
    }
    this.bytesRead += length;
    if (readTally.byField !== null) {
      const t = readTally.byField.get(field) ?? { reads: 0, bytes: 0 };
      t.reads++;
      t.bytes += length;
      readTally.byField.set(field, t);
    }
  }
}

/** errnoText renders a system error as `CODE: message` (e.g. `EIO: i/o error`). */
export function errnoText(e: unknown): string {
  const err = e as NodeJS.ErrnoException;
  if (err && typeof err === 'object' && err.code) return `${err.code}: ${String(err.message).replace(/^[A-Z]+: /, '')}`;
  return String((err as { message?: unknown })?.message ?? e);
}
