/**
 * gnuhash: lookups in a file's own DT_GNU_HASH table, read a few bytes at a time.
 *
 * A scan that defers a file's exports (ReadOptions.deferExports) still has to know one
 * thing about them: whether the file itself defines a name it imports (musl's lookup
 * starts with the main program, so such an import binds there). The GNU hash table
 * answers that without the export names: its Bloom filter rules out almost every name,
 * and for the rest a bucket and a short hash chain give the candidate symbol indexes,
 * which the caller checks by name.
 *
 * Layout (binutils bfd/elflink.c, glibc elf/dl-lookup.c): nbuckets, symoffset,
 * bloom_size, bloom_shift (4 x u32); bloom_size words of the class's size; nbuckets u32
 * buckets; then one u32 per hashed symbol (symbols symoffset..), the hash with bit 0 set
 * on the last entry of each chain. Symbols below symoffset are not hashed (undefined ones).
 */
import type { Decoder } from './decode.js';
import type { Source } from './source.js';

/** CHAIN_BLOCK is how many chain bytes the first read of a chain fetches (real chains hold a few entries); each further read doubles, up to CHAIN_BLOCK_MAX. */
const CHAIN_BLOCK = 64;
const CHAIN_BLOCK_MAX = 16 * 1024;
/** MAX_CHAIN_WALK bounds the chain entries one table's lookups may walk in all: a crafted table whose chains never end costs this, not imports x symbols. */
const MAX_CHAIN_WALK = 1 << 20;

/** gnuHash is the GNU hash (dl_new_hash: h * 33 + c from 5381) of a name decoded as latin1. */
export function gnuHash(name: string): number {
  let h = 5381;
  for (let i = 0; i < name.length; i++) h = (Math.imul(h, 33) + name.charCodeAt(i)) >>> 0;
  return h;
}

/**
 * GnuHashTable is a file's DT_GNU_HASH: the header in memory; the Bloom filter, buckets
 * and chains read when first asked for. Both its uses go through it: sizing .dynsym
 * (`symbolCount`, the end of the last chain) and a deferred read's lookups of its own
 * names (`mayDefine`, `candidates`).
 */
export class GnuHashTable {
  readonly nbuckets: number;
  readonly symoffset: number;
  private readonly bloomSize: number;
  private readonly bloomShift: number;
  private bloom: Buffer | null = null;
  private readonly bloomOff: number;
  private readonly bucketsOff: number;
  private readonly chainOff: number;
  /** chain entries walked so far (MAX_CHAIN_WALK). */
  private walked = 0;

  /** constructor reads the header at file offset `off`; counts no file of this size could hold are an ElfError. */
  constructor(
    private readonly src: Source,
    private readonly d: Decoder,
    off: number,
    /** the most symbols the file could hold (bounds the header's counts). */
    private readonly limit: number,
  ) {
    const h = src.read(off, 16, 'DT_GNU_HASH');
    this.nbuckets = d.u32(h, 0);
    this.symoffset = d.u32(h, 4);
    this.bloomSize = d.u32(h, 8);
    this.bloomShift = d.u32(h, 12);
    if (this.nbuckets > limit + 1 || this.symoffset > limit + 1 || this.bloomSize > src.size / d.wordSize) {
      throw src.malformed('implausible GNU hash header', off, 'DT_GNU_HASH');
    }
    this.bloomOff = off + 16;
    this.bucketsOff = this.bloomOff + this.bloomSize * d.wordSize;
    this.chainOff = this.bucketsOff + this.nbuckets * 4;
  }

  /**
   * searchable says whether names can be looked up in the table at all: without a bucket
   * or a Bloom word a loader's lookup divides by zero, so a read never relies on it (a
   * deferred read falls back to reading the whole symbol table).
   */
  get searchable(): boolean {
    return this.nbuckets > 0 && this.bloomSize > 0;
  }

  /**
   * symbolCount is one past the last hashed symbol: the end of the chain of the highest
   * bucket start. Null when no bucket is used (nothing is hashed: the table says nothing
   * of the unhashed symbols before symoffset).
   */
  symbolCount(): number | null {
    const buckets = this.src.read(this.bucketsOff, this.nbuckets * 4, 'DT_GNU_HASH buckets');
    let max = 0;
    for (let i = 0; i < this.nbuckets; i++) max = Math.max(max, this.d.u32(buckets, i * 4));
    if (max === 0) return null;
    if (max < this.symoffset) return this.symoffset;
    return this.walkChain(max, () => undefined) + 1;
  }

  /** mayDefine is the Bloom filter's answer: false means no hashed symbol has hash `h`. */
  mayDefine(h: number): boolean {
    const bits = this.d.wordSize * 8;
    const word = Math.floor(h / bits) % this.bloomSize;
    return this.bloomBit(word, h % bits) && this.bloomBit(word, (h >>> this.bloomShift) % bits);
  }

  /** bloomBit reads bit `bit` of Bloom word `word` (64-bit words as two 32-bit halves, in the file's byte order). */
  private bloomBit(word: number, bit: number): boolean {
    this.bloom ??= this.src.read(this.bloomOff, this.bloomSize * this.d.wordSize, 'DT_GNU_HASH bloom');
    let at = word * this.d.wordSize;
    if (this.d.wordSize === 8) {
      const high = bit >= 32;
      if (high !== (this.d.endian === 'big')) at += 4;
      bit &= 31;
    }
    return ((this.d.u32(this.bloom, at) >>> bit) & 1) === 1;
  }

  /** candidates lists the symbol indexes whose hash equals `h` (the caller compares names). */
  candidates(h: number): number[] {
    const b = this.src.read(this.bucketsOff + (h % this.nbuckets) * 4, 4, 'DT_GNU_HASH buckets');
    const idx = this.d.u32(b, 0);
    const out: number[] = [];
    if (idx === 0) return out;
    if (idx < this.symoffset) throw this.src.malformed(`GNU hash bucket ${idx} below symoffset ${this.symoffset}`, this.bucketsOff, 'DT_GNU_HASH buckets');
    this.walkChain(idx, (i, c) => {
      if (((c ^ h) >>> 1) === 0) out.push(i);
    });
    return out;
  }

  /**
   * walkChain visits the chain that starts at symbol `idx` (each entry's index and hash
   * word) up to the entry with bit 0 set, and returns that entry's index. Chains are
   * short: a small block is read first, then ever larger ones.
   */
  private walkChain(idx: number, visit: (index: number, hash: number) => void): number {
    for (let size = CHAIN_BLOCK; ; size = Math.min(size * 2, CHAIN_BLOCK_MAX)) {
      if (idx >= this.limit) throw this.src.malformed('GNU hash chain runs past the symbol table', this.chainOff, 'DT_GNU_HASH chain');
      const block = this.src.readUpTo(this.chainOff + (idx - this.symoffset) * 4, size, 'DT_GNU_HASH chain');
      const n = Math.floor(block.length / 4);
      if (n === 0) throw this.src.malformed('GNU hash chain truncated', this.chainOff, 'DT_GNU_HASH chain');
      for (let i = 0; i < n; i++, idx++) {
        if (++this.walked > MAX_CHAIN_WALK) throw this.src.malformed('GNU hash chains too long', this.chainOff, 'DT_GNU_HASH chain');
        const c = this.d.u32(block, i * 4);
        visit(idx, c);
        if ((c & 1) !== 0) return idx;
      }
    }
  }
}
