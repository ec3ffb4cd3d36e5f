/**
 * types: the data the ELF layer hands to the rest of muslcheck.
 *
 * The ELF layer knows nothing about musl or glibc; it reports what a file asks of
 * the dynamic loader, as the loader would see it (through program headers and
 * PT_DYNAMIC, never relying on section names).
 *
 * References: System V gABI (ELF), "Linux Standard Base Core Specification,
 * Symbol Versioning", glibc elf/elf.h for constants.
 */

/** ElfClassBits is the word size of the file: ELFCLASS32 or ELFCLASS64. */
export type ElfClassBits = 32 | 64;

/** Endianness is the data encoding of the file: ELFDATA2LSB or ELFDATA2MSB. */
export type Endianness = 'little' | 'big';

/** ElfFileType is e_type by name (ET_NONE, ET_REL, ET_EXEC, ET_DYN, ET_CORE), or `other`. */
export type ElfFileType = 'none' | 'rel' | 'exec' | 'dyn' | 'core' | 'other';

/** SymbolBinding is STB_* by name; unknown values keep their number. */
export type SymbolBinding = 'local' | 'global' | 'weak' | 'unique' | number;

/** SymbolType is STT_* by name; unknown values keep their number. */
export type SymbolType = 'notype' | 'object' | 'func' | 'section' | 'file' | 'common' | 'tls' | 'ifunc' | number;

/** SymbolVisibility is STV_* from st_other. */
export type SymbolVisibility = 'default' | 'internal' | 'hidden' | 'protected';

/**
 * ElfImport is one undefined dynamic symbol (st_shndx == SHN_UNDEF, binding not local),
 * with the version it requires and the library that version belongs to
 * (`memcpy` / `GLIBC_2.14` / `libc.so.6`). `version` and `library` are null when the
 * symbol is unversioned (no DT_VERSYM, or versym index 0/1).
 */
export interface ElfImport {
  name: string;
  version: string | null;
  library: string | null;
  weak: boolean;
  type: SymbolType;
}

/**
 * ElfExport is one defined dynamic symbol. `hidden` is true for a non-default
 * version definition (`foo@VER` rather than `foo@@VER`, VERSYM_HIDDEN set):
 * the loader does not bind unversioned references to it.
 */
export interface ElfExport {
  name: string;
  version: string | null;
  hidden: boolean;
  binding: SymbolBinding;
  type: SymbolType;
  visibility: SymbolVisibility;
  /** st_shndx: the index of the section the symbol is defined in, or a special index (0xfff1 SHN_ABS, 0xfff2 SHN_COMMON). */
  section: number;
}

/**
 * CopyRelocation is a definition an R_*_COPY relocation names, with the version and
 * library it was linked against (null when its version entry says none).
 */
export interface CopyRelocation {
  name: string;
  version: string | null;
  library: string | null;
}

/** SymbolTraits are what a symbol-table entry says about binding, besides its name. */
export interface SymbolTraits {
  binding: SymbolBinding;
  type: SymbolType;
  /** a non-default version definition (`foo@VER`): VERSYM_HIDDEN set. */
  hidden: boolean;
}

/**
 * ReadOptions choose how much of the symbol table becomes JavaScript objects. The
 * defaults give everything (the library API); a scan asks for an index instead.
 */
export interface ReadOptions {
  /** decode every defined symbol into `exports` (default true). */
  exports?: boolean;
  /** when given, `exportIndex` holds the hashed names of the defined symbols it accepts. */
  exportFilter?: (s: SymbolTraits) => boolean;
  /**
   * leave the exports of a file without DT_SONAME unread when its GNU hash table allows
   * (executables, plugins): `exportsDeferred` is then true, `exportIndex` null, and
   * `selfDefined` answers the one question the file's own analysis asks of them. A scan
   * reads the index later (readExportIndex) only if another file loads this one.
   */
  deferExports?: boolean;
}

/** VersionNeed is one Elf_Verneed entry: a library and the version names required from it. */
export interface VersionNeed {
  file: string;
  versions: Array<{ name: string; weak: boolean; index: number }>;
}

/** GnuStack is PT_GNU_STACK: whether the stack is executable and the size the loader should use (0 = default). */
export interface GnuStack {
  executable: boolean;
  size: number;
}

/** RelocationSummary counts the dynamic relocation types found in DT_RELA/DT_REL/DT_JMPREL (DT_RELR is relative only). */
export interface RelocationSummary {
  /** count per relocation type number (machine-specific numbering). */
  counts: Record<number, number>;
  /** IRELATIVE relocations (musl rejects them with `unsupported relocation type N`). */
  irelative: number;
  /** the machine's IRELATIVE type number, or null when the machine has none known. */
  irelativeType: number | null;
  /** true when DT_RELR is present (musl >= 1.2.4 supports it; older loaders do not). */
  relr: boolean;
  /** strong imports no dynamic relocation refers to: the loader never looks them up (empty on MIPS, which binds through the GOT). */
  unreferencedImports: string[];
  /**
   * defined symbols that a relocation refers to but that a lookup skips (non-default
   * version, or STT_GNU_IFUNC, which musl does not bind): musl must find them elsewhere.
   */
  selfReferencedUnbindable: string[];
}

/** GoInfo is what a Go binary's build info says (runtime/debug.BuildInfo as embedded by the linker). */
export interface GoInfo {
  version: string | null;
  /** CGO_ENABLED as recorded in the build settings; null when not recorded. */
  cgo: boolean | null;
  path: string | null;
}

/** ToolchainHints are cheap clues about what built the file. */
export interface ToolchainHints {
  /** GCC (or clang) identification strings from .comment, e.g. `GCC: (Debian 12.2.0-14) 12.2.0`. */
  comment: string[];
  /** the highest GCC version found in .comment, e.g. `12.2.0`. */
  gcc: string | null;
  go: GoInfo | null;
  /** true when the file carries Rust markers (e.g. a `.rustc` section or rust_begin_unwind/`__rust_*` symbols). */
  rust: boolean;
}

/**
 * StaticLibc is what a static file (no PT_INTERP, no DT_NEEDED) shows of the C library
 * linked into it. glibc's static NSS and dlopen load glibc's own shared libraries at run
 * time (`libnss_*.so.2`, the modules' libc.so.6 and ld.so), which a musl system lacks.
 */
export interface StaticLibc {
  /** an NT_GNU_ABI_TAG note (`.note.ABI-tag`) is present: glibc's crt1.o carries it; musl's and Go's startup code do not. */
  glibcAbiTag: boolean;
  /** evidence that glibc's NSS is linked in: `__nss_*` symbol names, or NSS strings when there is no symbol table. */
  nss: string[];
  /** evidence that the program calls dlopen (only visible before glibc 2.34, which links dlopen into every static program). */
  dlopen: string[];
  /** where the evidence was looked for: `.symtab`'s names, the read-only segments' bytes, or nowhere (not glibc). */
  source: 'symtab' | 'segments' | null;
}

/** ElfInfo is everything muslcheck needs to know about one ELF file. */
export interface ElfInfo {
  class: ElfClassBits;
  endian: Endianness;
  /** e_machine by name (`x86_64`, `aarch64`, `arm`, `i386`, `ppc64`, `s390x`, `riscv64`, `mips`, ...), or `em_<n>`. */
  machine: string;
  machineCode: number;
  /** EI_OSABI. */
  osabi: number;
  type: ElfFileType;
  /** e_flags (ARM float ABI, MIPS ABI...). */
  flags: number;
  /** PT_INTERP, without the trailing NUL. */
  interp: string | null;
  /** DT_NEEDED, in order. */
  needed: string[];
  soname: string | null;
  /** DT_RPATH split on ':' (null when absent). */
  rpath: string[] | null;
  /** DT_RUNPATH split on ':' (null when absent). */
  runpath: string[] | null;
  /** DT_FLAGS (null when absent). */
  dtFlags: number | null;
  /** DT_FLAGS_1 (null when absent). */
  dtFlags1: number | null;
  /** true when the file has a PT_DYNAMIC segment. */
  dynamic: boolean;
  /** true when nothing is loaded by a dynamic loader: no PT_INTERP and no DT_NEEDED (static and static-pie). */
  static: boolean;
  /** true for ET_DYN with DF_1_PIE or with a PT_INTERP. */
  pie: boolean;
  gnuStack: GnuStack | null;
  /** NT_GNU_BUILD_ID as lowercase hex. */
  buildId: string | null;
  toolchain: ToolchainHints;
  /** undefined dynamic symbols, in symbol-table order. */
  imports: ElfImport[];
  /** defined dynamic symbols, in symbol-table order (empty when read with `exports: false`). */
  exports: ElfExport[];
  /**
   * a hash table (src/elf/names.ts `hashTable`) of the 53-bit hashes of the names of the
   * defined symbols that pass ReadOptions.exportFilter; null when no filter was given.
   * Wrap in a NameIndex to query.
   */
  exportIndex: Float64Array | null;
  /** true when the exports were left unread (ReadOptions.deferExports): `exports` is empty and `exportIndex` null. */
  exportsDeferred: boolean;
  /**
   * with `exportsDeferred`: the imported names the file also defines, bindably (musl's
   * lookup starts with the main program, so these bind to the file itself); sorted.
   * Empty otherwise (the export index answers).
   */
  selfDefined: string[];
  /**
   * copy relocations: the definitions an R_*_COPY relocation names. The linker emits these
   * for data an executable copies out of a library; musl looks the name up in the loaded
   * libraries (never in the file itself) and fails with `symbol not found` when none has it.
   */
  copyRelocations: CopyRelocation[];
  /** DT_VERDEF version names (the first, VER_FLG_BASE, is the soname and is omitted). */
  versionDefinitions: string[];
  /** DT_VERNEED entries. */
  versionNeeds: VersionNeed[];
  relocations: RelocationSummary;
  /**
   * for a file with no PT_INTERP and no DT_NEEDED (static and static-pie executables, and
   * shared objects that need nothing), the libc linked into it (src/elf/embedded.ts); null otherwise.
   */
  staticLibc: StaticLibc | null;
  /** true when section headers were absent or unusable and everything came from program headers. */
  sectionHeadersMissing: boolean;
  /** bytes actually read from the file to produce this record. */
  bytesRead: number;
}
