/**
 * errors: the typed outcomes of reading a file that is not a well-formed ELF file.
 *
 * `not-elf`, `malformed` and `unreadable` are different outcomes: a shell script is
 * not ELF; an ELF file whose tables point outside the file is malformed; a file
 * we may not open or read is unreadable.
 */

/** ElfErrorKind names the three ways a file can fail to give an ElfInfo. */
export type ElfErrorKind = 'not-elf' | 'malformed' | 'unreadable';

/** ElfError is the only error the ELF layer lets escape. */
export class ElfError extends Error {
  override readonly name = 'ElfError';

  constructor(
    readonly kind: ElfErrorKind,
    readonly path: string,
    readonly reason: string,
    /** file offset the problem was found at, when there is one. */
    readonly offset: number | null = null,
    /** the structure field involved (`e_phoff`, `DT_STRTAB`, `vn_aux`...), when there is one. */
    readonly field: string | null = null,
  ) {
    super(formatElfError(path, reason, offset, field));
  }
}

/** formatElfError renders `path: reason (field at offset 0x..)`. */
export function formatElfError(path: string, reason: string, offset: number | null, field: string | null): string {
  const where: string[] = [];
  if (field !== null) where.push(field);
  if (offset !== null) where.push(`at offset 0x${offset.toString(16)}`);
  return where.length > 0 ? `${path}: ${reason} (${where.join(' ')})` : `${path}: ${reason}`;
}

/** isElfError narrows an unknown thrown value. */
export function isElfError(e: unknown): e is ElfError {
  return e instanceof ElfError;
}
