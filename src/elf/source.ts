/**
 * source: positioned, bounds-checked reads from an open file.
 *
 * Every read names the structure field it serves, so a table pointing outside the
 * file becomes an ElfError that says which field and where. Reads are remembered
 * in a few cached spans, so tables that sit next to each other cost one read.
 */
import type { FileHandle } from 'node:fs/promises';
import { ElfError } from './errors.js';

/** MAX_READ caps any single table read: no allocation is sized by an unchecked field. */
export const MAX_READ = 256 * 1024 * 1024;

interface Span {
  offset: number;
  data: Buffer;
}

/** Source reads byte ranges of one file through a FileHandle. */
export class Source {
  /** bytesRead counts the bytes actually read from the file. */
  bytesRead = 0;
  private readonly spans: Span[] = [];

  constructor(
    private readonly fh: FileHandle,
    readonly size: number,
    readonly path: string,
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
  async read(offset: number, length: number, field: string): Promise<Buffer> {
    this.check(offset, length, field);
    for (const s of this.spans) {
      if (offset >= s.offset && offset + length <= s.offset + s.data.length) {
        return s.data.subarray(offset - s.offset, offset - s.offset + length);
      }
    }
    const data = await this.readRaw(offset, length, field);
    this.remember(offset, data);
    return data;
  }

  /** prefetch reads a span once so later reads inside it are free. Out-of-file parts are clipped. */
  async prefetch(offset: number, length: number, field: string): Promise<void> {
    if (offset < 0 || offset >= this.size || length <= 0) return;
    const len = Math.min(length, this.size - offset, MAX_READ);
    for (const s of this.spans) {
      if (offset >= s.offset && offset + len <= s.offset + s.data.length) return;
    }
    this.remember(offset, await this.readRaw(offset, len, field));
  }

  /** readUpTo returns at most `length` bytes at `offset`, clipped at the end of the file. */
  async readUpTo(offset: number, length: number, field: string): Promise<Buffer> {
    if (offset >= this.size) return Buffer.alloc(0);
    return this.read(offset, Math.min(length, this.size - offset), field);
  }

  private remember(offset: number, data: Buffer): void {
    this.spans.push({ offset, data });
    if (this.spans.length > 8) this.spans.shift();
  }

  private async readRaw(offset: number, length: number, field: string): Promise<Buffer> {
    const buf = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < length) {
      let n: number;
      try {
        ({ bytesRead: n } = await this.fh.read(buf, done, length - done, offset + done));
      } catch (e) {
        throw new ElfError('unreadable', this.path, (e as Error).message, offset + done, field);
      }
      if (n === 0) throw this.malformed('file shrank while reading', offset + done, field);
      done += n;
    }
    this.bytesRead += length;
    return buf;
  }
}
