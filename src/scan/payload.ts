/**
 * payload: how a file's ELF facts are stored in the scan cache.
 *
 * The facts are the reader's ElfInfo as JSON, followed by the export index as raw
 * float64s (8-byte aligned). The cache checksums every payload; decoding still checks
 * the shape, so a payload from a different reader revision is a miss, not a crash.
 */
import type { ElfInfo } from '../elf/types.js';

/** encodeElf serialises an ElfInfo for the cache. */
export function encodeElf(elf: ElfInfo): Uint8Array {
  const { exportIndex, ...rest } = elf;
  const json = Buffer.from(JSON.stringify(rest), 'utf8');
  const pad = (8 - ((4 + json.length) % 8)) % 8;
  const hashes = exportIndex ?? new Float64Array(0);
  const out = Buffer.alloc(4 + json.length + pad + 1 + hashes.byteLength);
  out.writeUInt32LE(json.length, 0);
  json.copy(out, 4);
  out[4 + json.length + pad] = exportIndex === null ? 0 : 1;
  Buffer.from(hashes.buffer, hashes.byteOffset, hashes.byteLength).copy(out, 4 + json.length + pad + 1);
  return out;
}

/** decodeElf reads a payload back; null when it is not a payload this version wrote. */
export function decodeElf(payload: Uint8Array): ElfInfo | null {
  const b = Buffer.from(payload.buffer, payload.byteOffset, payload.byteLength);
  if (b.length < 5) return null;
  const n = b.readUInt32LE(0);
  const pad = (8 - ((4 + n) % 8)) % 8;
  const at = 4 + n + pad;
  if (at + 1 > b.length || (b.length - at - 1) % 8 !== 0) return null;
  let rest: Omit<ElfInfo, 'exportIndex'>;
  try {
    rest = JSON.parse(b.toString('utf8', 4, 4 + n)) as Omit<ElfInfo, 'exportIndex'>;
  } catch {
    return null;
  }
  if (!isElfShape(rest)) return null;
  const hashes = new Float64Array(b.length - at - 1 > 0 ? (b.length - at - 1) / 8 : 0);
  Buffer.from(hashes.buffer).set(b.subarray(at + 1));
  return { ...rest, exportIndex: b[at] === 1 ? hashes : null };
}

/** isElfShape checks the fields the analysis relies on. */
function isElfShape(x: unknown): x is Omit<ElfInfo, 'exportIndex'> {
  if (typeof x !== 'object' || x === null) return false;
  const e = x as Record<string, unknown>;
  return (
    (e.class === 32 || e.class === 64) &&
    typeof e.machine === 'string' &&
    Array.isArray(e.imports) &&
    Array.isArray(e.exports) &&
    Array.isArray(e.needed) &&
    Array.isArray(e.copyRelocations) &&
    Array.isArray(e.versionNeeds) &&
    typeof e.relocations === 'object' &&
    e.relocations !== null &&
    typeof e.toolchain === 'object' &&
    e.toolchain !== null
  );
}
