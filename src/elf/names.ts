/**
 * names: a compact, exact-enough index of symbol names.
 *
 * A tree like /usr holds about a million exported symbols (44 MB of names, most of them
 * C++ mangled). Resolution only asks "does this object define NAME?", so instead of
 * keeping every name as a string, the reader hashes each name's bytes straight out of
 * `.dynstr` into a 53-bit value and keeps the values in an open-addressing hash table
 * stored in a Float64Array (no string ever created; built in linear time, which a sort
 * of a million values is not). A lookup hashes the asked name the same way and probes.
 *
 * False positives: two different names collide with probability 2^-53 per pair. A scan
 * of /usr makes about 2 million (import, library) probes against libraries of up to
 * 75,000 names: the chance that any probe meets a collision is about 10^-5 for the whole
 * tree. There are no false negatives. docs/architecture.md records the trade-off.
 *
 * The hash is two independent 32-bit multiplicative hashes (FNV-1a and a 31-based
 * polynomial hash), each passed through the MurmurHash3 fmix32 finalizer, combined
 * as 21 + 32 bits so the result is an exact integer in a double.
 */

/** FNV_OFFSET and FNV_PRIME are the 32-bit FNV-1a parameters. */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;
/** POLY_SEED starts the second hash so an empty name does not hash to 0 in both halves. */
const POLY_SEED = 0x9e3779b9;

/** fmix32 is MurmurHash3's 32-bit finalizer (avalanches every input bit). */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** combine packs the two halves into a 53-bit integer. */
function combine(a: number, b: number): number {
  return (fmix32(b) & 0x1fffff) * 0x100000000 + fmix32(a);
}

/**
 * hashNameBytes hashes the NUL-terminated name at `start` (ending at `limit` when no NUL
 * comes first): one pass finds the end and hashes.
 */
export function hashNameBytes(buf: Uint8Array, start: number, limit: number): number {
  let a = FNV_OFFSET;
  let b = POLY_SEED;
  for (let i = start; i < limit; i++) {
    const c = buf[i]!;
    if (c === 0) break;
    a = Math.imul(a ^ c, FNV_PRIME);
    b = (Math.imul(b, 31) + c) | 0;
  }
  return combine(a, b);
}

/**
 * hashName hashes a name decoded as latin1 (one char per byte, as the reader decodes
 * every ELF string), so it equals hashNameBytes over the original bytes.
 */
export function hashName(name: string): number {
  let a = FNV_OFFSET;
  let b = POLY_SEED;
  for (let i = 0; i < name.length; i++) {
    const c = name.charCodeAt(i) & 0xff;
    a = Math.imul(a ^ c, FNV_PRIME);
    b = (Math.imul(b, 31) + c) | 0;
  }
  return combine(a, b);
}

/** EMPTY_SLOT marks a free slot of a hash table (a name hashing to 0 is stored as 1). */
const EMPTY_SLOT = 0;

/** slotOf maps a hash to its home slot: its low 32 bits (well mixed by fmix32), masked. */
function slotOf(h: number, mask: number): number {
  return (h >>> 0) & mask;
}

/**
 * hashTable builds an open-addressing (linear probing) table of the first `n` hashes,
 * its capacity a power of two with a load of at most 3/4 (a miss probes about 8 slots
 * on average at that load, a hit 2.5; the keys are already uniform hashes). Duplicates
 * are stored once.
 */
export function hashTable(hashes: Float64Array, n = hashes.length): Float64Array {
  let cap = 2;
  while (cap * 3 < n * 4) cap *= 2;
  const table = new Float64Array(cap);
  const mask = cap - 1;
  for (let i = 0; i < n; i++) {
    const h = hashes[i]! === EMPTY_SLOT ? 1 : hashes[i]!;
    let at = slotOf(h, mask);
    for (;;) {
      const v = table[at]!;
      if (v === EMPTY_SLOT) {
        table[at] = h;
        break;
      }
      if (v === h) break;
      at = (at + 1) & mask;
    }
  }
  return table;
}

/**
 * NameIndex answers "is NAME in this set?" over a hashTable. It wraps a Float64Array,
 * which crosses worker threads, shared memory and the cache as plain bytes.
 */
export class NameIndex {
  /** EMPTY is the index of no names. */
  static readonly EMPTY = new NameIndex(new Float64Array(2));

  private readonly mask: number;

  constructor(readonly table: Float64Array) {
    this.mask = table.length - 1;
  }

  /** fromNames builds an index from names (tests, synthetic files, full-mode exports). */
  static fromNames(names: Iterable<string>): NameIndex {
    const list: number[] = [];
    for (const n of names) list.push(hashName(n));
    return new NameIndex(hashTable(Float64Array.from(list)));
  }

  /** size is the number of distinct names. */
  get size(): number {
    let n = 0;
    for (const v of this.table) if (v !== EMPTY_SLOT) n++;
    return n;
  }

  /** has says whether the name is in the set. */
  has(name: string): boolean {
    return this.hasHash(hashName(name));
  }

  /** hasHash is `has` for a name already hashed (one hash, many indexes). */
  hasHash(hash: number): boolean {
    const t = this.table;
    if (t.length === 0) return false;
    const h = hash === EMPTY_SLOT ? 1 : hash;
    let at = slotOf(h, this.mask);
    for (;;) {
      const v = t[at]!;
      if (v === h) return true;
      if (v === EMPTY_SLOT) return false;
      at = (at + 1) & this.mask;
    }
  }

  /** hashes lists the distinct hashes in the table (any order). */
  hashes(): number[] {
    return [...this.table].filter((v) => v !== EMPTY_SLOT);
  }
}
