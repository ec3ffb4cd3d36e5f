/**
 * strings: the names of a string table (.dynstr), read whole or only where asked.
 *
 * An executable's .dynstr is mostly the names of what it exports (-rdynamic programs
 * such as cc1 or node export tens of thousands). A scan that defers exports needs only
 * the imports' names, which linkers add as they meet the undefined references, so they
 * lie together: on /usr, the names of 122,770 imports of 1,124 executables fill 2.9 MB
 * of 512-byte blocks (1,964 runs of adjacent blocks) out of 33.7 MB of .dynstr; with
 * 256-byte blocks a scan of /usr reads 3.7 MB of .dynstr this way, in 4,009 reads
 * (scripts/read-tally.mjs). SparseStrings reads those blocks: `want` the offsets, `load` once (adjacent blocks
 * become one read), then `get`; an offset nobody wanted is read on its own.
 */
import { cString } from './decode.js';
import type { Source } from './source.js';

/** StringTable gives the NUL-terminated string at an offset of a table ('' outside it). */
export interface StringTable {
  get(offset: number): string;
}

/** wholeStrings is the StringTable of a table read in one piece. */
export function wholeStrings(table: Buffer): StringTable {
  return { get: (o) => cString(table, o) };
}

/** INTERN_MAX bounds the intern table (it starts over beyond this many names). */
const INTERN_MAX = 1 << 18;
/** interned holds one copy of each name the reader gave out lately (per thread). */
const interned = new Map<string, string>();

/**
 * intern returns the one copy of a name this thread keeps: the same few names (`free`,
 * `libc.so.6`, `GLIBC_2.2.5`) recur in thousands of files, and a scan holds every file's
 * imports until the whole tree is read (on /usr, 286,000 such strings had 49,600 values).
 */
export function intern(name: string): string {
  const known = interned.get(name);
  if (known !== undefined) return known;
  if (interned.size >= INTERN_MAX) interned.clear();
  interned.set(name, name);
  return name;
}

/** BLOCK is the unit of a sparse read. */
const BLOCK = 256;
/** GAP joins two runs of blocks into one read when at most this many bytes lie between them. */
const GAP = 1024;

interface Run {
  start: number;
  data: Buffer;
}

/** SparseStrings reads the blocks of a string table that hold the strings asked for. */
export class SparseStrings implements StringTable {
  /** the runs read so far, by start (a file whose names lie scattered makes thousands: they are searched, not scanned). */
  private runs: Run[] = [];
  private wanted: number[] = [];

  constructor(
    private readonly src: Source,
    /** file offset of the table. */
    private readonly base: number,
    /** table size (DT_STRSZ, clipped to the file). */
    readonly size: number,
  ) {}

  /** want notes an offset to be read by the next `load`. */
  want(offset: number): void {
    if (offset > 0 && offset < this.size) this.wanted.push(offset);
  }

  /** load reads every wanted block, adjacent ones (within GAP) in one read. */
  load(): void {
    if (this.wanted.length === 0) return;
    const blocks = [...new Set(this.wanted.map((o) => Math.floor(o / BLOCK)))].sort((a, b) => a - b);
    this.wanted = [];
    let from = -1;
    let to = -1;
    for (const b of blocks) {
      const start = b * BLOCK;
      if (this.runAt(start) !== null) continue;
      if (from >= 0 && start <= to + GAP) {
        to = Math.min(this.size, start + BLOCK);
        continue;
      }
      if (from >= 0) this.readRun(from, to);
      from = start;
      to = Math.min(this.size, start + BLOCK);
    }
    if (from >= 0) this.readRun(from, to);
  }

  /** get decodes the string at `offset`, reading what is missing (a name that runs past its block, an offset nobody wanted). */
  get(offset: number): string {
    if (offset < 0 || offset >= this.size) return '';
    let run = this.runAt(offset);
    if (run === null) run = this.readRun(Math.floor(offset / BLOCK) * BLOCK, Math.min(this.size, Math.floor(offset / BLOCK) * BLOCK + BLOCK));
    for (;;) {
      const at = offset - run.start;
      const end = run.data.indexOf(0, at);
      if (end >= 0) return run.data.toString('latin1', at, end);
      const runEnd = run.start + run.data.length;
      if (runEnd >= this.size) return run.data.toString('latin1', at);
      run = this.extend(run, Math.min(this.size, runEnd + BLOCK));
    }
  }

  /**
   * runAt finds the run holding `offset`: the last run starting at or before it, by binary
   * search. (A run that reaches into part of the next one can hold an offset that this
   * misses; `get` then reads its block again, which is only a repeated read.)
   */
  private runAt(offset: number): Run | null {
    const r = this.runs[this.before(offset + 1) - 1];
    return r !== undefined && offset < r.start + r.data.length ? r : null;
  }

  /** before counts the runs that start before `offset`. */
  private before(offset: number): number {
    let lo = 0;
    let hi = this.runs.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.runs[mid]!.start < offset) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  /** readRun reads table bytes [from, to) as a new run, kept in order of start. */
  private readRun(from: number, to: number): Run {
    const run = { start: from, data: this.src.read(this.base + from, to - from, 'DT_STRTAB') };
    const at = this.before(from);
    this.runs.splice(at, 0, run);
    this.dropCovered(at, to);
    return run;
  }

  /** extend grows a run to end at `to` (a string that did not end inside it). */
  private extend(run: Run, to: number): Run {
    const end = run.start + run.data.length;
    const more = this.src.read(this.base + end, to - end, 'DT_STRTAB');
    run.data = Buffer.concat([run.data, more]);
    this.dropCovered(this.before(run.start), to);
    return run;
  }

  /**
   * dropCovered removes the runs after run `at` that end by `to`: a run read across a gap,
   * or grown, can cover runs read before it, and runAt looks only at the last run starting
   * at or before an offset.
   */
  private dropCovered(at: number, to: number): void {
    let past = at + 1;
    while (past < this.runs.length && this.runs[past]!.start + this.runs[past]!.data.length <= to) past++;
    this.runs.splice(at + 1, past - at - 1);
  }
}
