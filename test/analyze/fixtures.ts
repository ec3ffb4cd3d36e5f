/**
 * fixtures: synthetic ELF facts for the analysis tests (what the reader would return for
 * a small x86_64 glibc PIE), so a table row states only what differs.
 */
import type { ElfImport, ElfInfo } from '../../src/elf/types.js';

/** imp builds an import; `name@GLIBC_2.x` versions it to libc.so.6. */
export function imp(spec: string, weak = false): ElfImport {
  const [name, version] = spec.split('@');
  const library =
    version === undefined ? null : /^(GLIBCXX|CXXABI)_/.test(version) ? 'libstdc++.so.6' : version.startsWith('GLIBC_') ? 'libc.so.6' : version.startsWith('ZLIB_') ? 'libz.so.1' : null;
  return { name: name!, version: version ?? null, library, weak, type: 'func' };
}

/** elf builds a minimal x86_64 ElfInfo. */
export function elf(over: Partial<ElfInfo>): ElfInfo {
  return {
    class: 64,
    endian: 'little',
    machine: 'x86_64',
    machineCode: 62,
    osabi: 0,
    type: 'dyn',
    flags: 0,
    interp: '/lib64/ld-linux-x86-64.so.2',
    needed: ['libc.so.6'],
    soname: null,
    rpath: null,
    runpath: null,
    dtFlags: null,
    dtFlags1: 0x08000000,
    dynamic: true,
    static: false,
    pie: true,
    gnuStack: { executable: false, size: 0 },
    buildId: null,
    toolchain: { comment: [], gcc: null, go: null, rust: false },
    imports: [],
    exports: [],
    exportIndex: null,
    copyRelocations: [],
    versionDefinitions: [],
    versionNeeds: [],
    relocations: { counts: {}, irelative: 0, irelativeType: 37, relr: false, unreferencedImports: [], selfReferencedUnbindable: [] },
    staticLibc: null,
    sectionHeadersMissing: false,
    bytesRead: 0,
    ...over,
  };
}
