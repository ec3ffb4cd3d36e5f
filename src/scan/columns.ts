/**
 * columns: what a scan keeps per file for the cache, as typed columns in blocks.
 *
 * A scan learns its files one at a time, so it cannot size a column up front. Columns that
 * doubled their capacity held up to twice what was needed and left the previous copy as
 * garbage: on /usr (140,034 files) 15.5 MB live at a capacity of 262,144, plus 7.7 MB of
 * the previous generation. Blocks of BLOCK files are added as needed and never copied.
 */

/** BLOCK is how many files one block of columns holds. */
export const BLOCK = 16_384;

/** KEY_FIELDS: a key is dev, ino, size, mtimeMs, ctimeMs. */
const KEY_FIELDS = 5;

/** Block is one block of every column. */
interface Block {
  /** KEY_FIELDS numbers per file. */
  keys: Float64Array;
  /** 1 when the file's key is known. */
  keyed: Uint8Array;
  /** what the next cache file keeps: kind + 1 (0: nothing), and where the payload lies. */
  kind: Uint8Array;
  fromOld: Uint8Array;
  offset: Float64Array;
  length: Uint32Array;
  check: Uint32Array;
}

/** newBlock allocates one block of every column. */
function newBlock(): Block {
  return {
    keys: new Float64Array(BLOCK * KEY_FIELDS),
    keyed: new Uint8Array(BLOCK),
    kind: new Uint8Array(BLOCK),
    fromOld: new Uint8Array(BLOCK),
    offset: new Float64Array(BLOCK),
    length: new Uint32Array(BLOCK),
    check: new Uint32Array(BLOCK),
  };
}

/**
 * FileColumns keeps, per file id, its cache key and what the next cache file keeps for it:
 * the kind (CACHED_KINDS index + 1; 0 for nothing) and its payload's offset, length and
 * check, in the new file or (fromOld) in the one the scan opened.
 */
export class FileColumns {
  private readonly blocks: Block[] = [];

  /** at is the block holding file `id`, made (with those before it) when `make`; null when there is none. */
  private at(id: number, make: boolean): Block | null {
    const b = Math.floor(id / BLOCK);
    if (b < this.blocks.length) return this.blocks[b]!;
    if (!make) return null;
    while (this.blocks.length <= b) this.blocks.push(newBlock());
    return this.blocks[b]!;
  }

  /** setKey records file `id`'s key, taken from `keys` at `from` (KEY_FIELDS numbers). */
  setKey(id: number, keys: ArrayLike<number>, from: number): void {
    const b = this.at(id, true)!;
    const i = id % BLOCK;
    for (let f = 0; f < KEY_FIELDS; f++) b.keys[i * KEY_FIELDS + f] = keys[from + f]!;
    b.keyed[i] = 1;
  }

  /** keyed says whether file `id`'s key is known. */
  keyed(id: number): boolean {
    return this.at(id, false)?.keyed[id % BLOCK] === 1;
  }

  /** setEntry records what the next cache file keeps for file `id` (kind 0: nothing). */
  setEntry(id: number, kind: number, fromOld: boolean, offset: number, length: number, check: number): void {
    const b = this.at(id, true)!;
    const i = id % BLOCK;
    b.kind[i] = kind;
    b.fromOld[i] = fromOld ? 1 : 0;
    b.offset[i] = offset;
    b.length[i] = length;
    b.check[i] = check;
  }

  /** entryInto copies what the next cache file keeps for file `id` into `out` (one object for the whole save); false when it keeps nothing. */
  entryInto(id: number, out: KeptEntry): boolean {
    const b = this.at(id, false);
    const i = id % BLOCK;
    if (b === null || b.kind[i] === 0) return false;
    out.kind = b.kind[i]!;
    out.fromOld = b.fromOld[i] === 1;
    out.offset = b.offset[i]!;
    out.length = b.length[i]!;
    out.check = b.check[i]!;
    return true;
  }

  /** keysOf hands the keys of files [start, end) to `take` as raw bytes, one view per block they span. */
  keysOf(start: number, end: number, take: (bytes: Uint8Array) => void): void {
    for (let id = start; id < end; ) {
      const b = this.at(id, true)!;
      const i = id % BLOCK;
      const n = Math.min(end - id, BLOCK - i);
      take(new Uint8Array(b.keys.buffer, i * KEY_FIELDS * 8, n * KEY_FIELDS * 8));
      id += n;
    }
  }

  /** keyBlock is the key column's block holding file `id`; its key starts at keyIndex(id). */
  keyBlock(id: number): Float64Array {
    return this.at(id, true)!.keys;
  }

  /** keyIndex is where file `id`'s key starts in its keyBlock. */
  keyIndex(id: number): number {
    return (id % BLOCK) * KEY_FIELDS;
  }
}

/** KeptEntry is what the next cache file keeps for one file (FileColumns.entryInto). */
export interface KeptEntry {
  /** CACHED_KINDS index + 1. */
  kind: number;
  fromOld: boolean;
  offset: number;
  length: number;
  check: number;
}
