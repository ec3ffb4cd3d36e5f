/**
 * index: the ELF layer's public face. It reads what a file asks of the dynamic loader
 * and knows nothing about musl or glibc.
 */
export { readElf, readElfSync, readElfFd, readElfFromHandle, readExportIndex, isElfMagic, machineName, versionIndex, Arena, READER_REVISION } from './read.js';
export { NameIndex, hashName, hashNameBytes } from './names.js';
export { ElfError, isElfError, formatElfError, type ElfErrorKind } from './errors.js';
export type * from './types.js';
