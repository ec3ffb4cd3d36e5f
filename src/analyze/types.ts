/**
 * types: the per-file result of a scan, as every formatter and the JSON schema see it.
 *
 * Field names here are a contract (`scan --format json`, schema/scan.schema.json).
 */
import type { ElfFileType, ElfImport, ElfExport, ToolchainHints, GnuStack } from '../elf/types.js';

/** Verdict is the cheapest fix that makes a file load on the target, in rising order of cost. */
export type Verdict = 'ok' | 'loader' | 'gcompat' | 'shim' | 'rebuild' | 'patch' | 'error';

/** VERDICT_ORDER ranks verdicts for `--fail-on` and for the tree's worst verdict. `error` ranks highest. */
export const VERDICT_ORDER: readonly Verdict[] = ['ok', 'loader', 'gcompat', 'shim', 'rebuild', 'patch', 'error'];

/** Severity of a finding (also the SARIF level). */
export type Severity = 'error' | 'warning' | 'note';

/** Libc is which C library a file was built against, as far as its imports show. */
export type Libc = 'glibc' | 'musl' | 'none' | 'mixed' | 'unknown';

/** FileKind is the outcome of looking at a file. */
export type FileKind = 'elf' | 'not-elf' | 'malformed' | 'unreadable';

/** Finding is plain data: a stable code and its arguments. Prose lives in the catalogue. */
export interface Finding {
  code: string;
  severity: Severity;
  args: Record<string, string | number | boolean | string[] | null>;
}

/** PlanStep is one concrete action for one file. */
export interface PlanStep {
  /** what kind of step: `apk` (install packages), `patchelf`, `env`, `rebuild`, `patch`, `note`. */
  kind: 'apk' | 'patchelf' | 'env' | 'rebuild' | 'patch' | 'note';
  /** a command to run, when there is one. */
  command: string | null;
  /** packages involved (apk names), when any. */
  packages: string[];
  /** a one-line explanation. */
  text: string;
}

/** ElfSummary is the ELF part of a file report (the reader's output, trimmed for JSON). */
export interface ElfSummary {
  class: 32 | 64;
  endian: 'little' | 'big';
  machine: string;
  arch: string | null;
  type: ElfFileType;
  interp: string | null;
  needed: string[];
  soname: string | null;
  rpath: string[] | null;
  runpath: string[] | null;
  static: boolean;
  pie: boolean;
  gnuStack: GnuStack | null;
  buildId: string | null;
  imports: ElfImport[];
  /** only with `--exports`. */
  exports?: ElfExport[];
}

/** FileError is why a file could not be read as ELF. */
export interface FileError {
  kind: 'malformed' | 'unreadable';
  message: string;
  offset: number | null;
  field: string | null;
}

/** FileReport is everything muslcheck says about one file. */
export interface FileReport {
  path: string;
  kind: FileKind;
  error: FileError | null;
  elf: ElfSummary | null;
  libc: Libc;
  toolchain: ToolchainHints | null;
  /** names the target's plain musl loader would report as `symbol not found`, sorted. */
  unresolved: string[];
  /** the same with Alpine's gcompat installed, sorted. */
  unresolvedWithGcompat: string[];
  /** needed libraries plain musl cannot provide (glibc-only: ld-linux-*, libresolv.so.2 ...), sorted. */
  missingLibraries: string[];
  /** other loader errors, e.g. `unsupported relocation type 37`. */
  loaderErrors: string[];
  verdict: Verdict | null;
  findings: Finding[];
  /** findings accepted by the config's allowlist or by the baseline: reported, but not counted in the verdict. */
  suppressed: SuppressedFinding[];
  plan: PlanStep[];
}

/** SuppressedFinding is a finding an allowlist rule or the baseline accepted. */
export interface SuppressedFinding extends Finding {
  by: 'allowlist' | 'baseline';
  /** the allowlist rule's reason; null for the baseline. */
  reason: string | null;
}
