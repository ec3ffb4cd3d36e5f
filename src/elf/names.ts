/**
 * names: a compact, exact-enough index of symbol names.
 *
 * A tree like /usr holds about a million exported symbols (44 MB of names, most of them
 * C++ mangled). Resolution only asks "does this object define NAME?", so instead of
 * keeping every name as a string, the reader hashes each name's bytes straight out of
 * `.dynstr` into a 53-bit value and keeps the sorted values in a Float64Array (8 bytes
 * a name, no string ever created). A lookup hashes the asked name the same way and
 * binary-searches.
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

/** sortUnique sorts hashes ascending and drops duplicates, in place; returns the used prefix. */
export function sortUnique(hashes: Float64Array): Float64Array {
  hashes.sort();
  let n = 0;
  for (let i = 0; i < hashes.length; i++) {
    if (i === 0 || hashes[i] !== hashes[n - 1]) hashes[n++] = hashes[i]!;
  }
  return n === hashes.length ? hashes : hashes.slice(0, n);
}

/**
 * NameIndex answers "is NAME in this set?" over sorted 53-bit name hashes. It wraps a
 * Float64Array, which crosses worker threads and the cache as plain bytes.
 */
export class NameIndex {
  /** EMPTY is the index of no names. */
  static readonly EMPTY = new NameIndex(new Float64Array(0));

  constructor(readonly hashes: Float64Array) {}

  /** fromNames builds an index from names (tests, synthetic files, full-mode exports). */
  static fromNames(names: Iterable<string>): NameIndex {
    const list: number[] = [];
    for (const n of names) list.push(hashName(n));
    return new NameIndex(sortUnique(Float64Array.from(list)));
  }

  /** size is the number of distinct names. */
  get size(): number {
    return this.hashes.length;
  }

  /** has says whether the name is in the set. */
  has(name: string): boolean {
    return this.hasHash(hashName(name));
  }

  /** hasHash is `has` for a name already hashed (one hash, many indexes). */
  hasHash(h: number): boolean {
    const a = this.hashes;
    let lo = 0;
    let hi = a.length - 1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      const v = a[mid]!;
      if (v < h) lo = mid + 1;
      else if (v > h) hi = mid - 1;
      else return true;
    }
    return false;
  }
}
