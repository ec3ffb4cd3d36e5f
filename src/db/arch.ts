/**
 * arch: musl architecture names, their loader paths, and the mapping from an ELF header
 * (e_machine, class, data encoding, e_flags) to the musl arch that would run the file.
 *
 * Names follow Alpine where Alpine has the port (x86_64, x86, aarch64, armhf, armv7,
 * ppc64le, s390x, riscv64, loongarch64) and musl's own arch directory otherwise.
 * Loader names: musl's Makefile installs `ld-musl-$(ARCH)$(SUBARCH).so.1`
 * (arch/<arch>/reloc.h LDSO_ARCH), e.g. `ld-musl-i386.so.1` for x86 and
 * `ld-musl-armhf.so.1` for hard-float ARM.
 */

/** ArchInfo describes one musl architecture. */
export interface ArchInfo {
  /** the LDSO_ARCH part of `/lib/ld-musl-<name>.so.1`. */
  ldso: string;
  /** Debian's architecture name for the same ABI (null when Debian has no musl build of it). */
  debian: string | null;
  /** another arch whose data this one shares (armv7 uses the armhf ABI and loader). */
  aliasOf: string | null;
}

/** ARCHES lists the musl architectures muslcheck knows. */
export const ARCHES: Readonly<Record<string, ArchInfo>> = Object.freeze({
  x86_64: { ldso: 'x86_64', debian: 'amd64', aliasOf: null },
  aarch64: { ldso: 'aarch64', debian: 'arm64', aliasOf: null },
  armhf: { ldso: 'armhf', debian: 'armhf', aliasOf: null },
  armv7: { ldso: 'armhf', debian: null, aliasOf: 'armhf' },
  x86: { ldso: 'i386', debian: 'i386', aliasOf: null },
  ppc64le: { ldso: 'powerpc64le', debian: 'ppc64el', aliasOf: null },
  s390x: { ldso: 's390x', debian: 's390x', aliasOf: null },
  riscv64: { ldso: 'riscv64', debian: 'riscv64', aliasOf: null },
  loongarch64: { ldso: 'loongarch64', debian: null, aliasOf: null },
  x32: { ldso: 'x32', debian: null, aliasOf: null },
  arm: { ldso: 'arm', debian: null, aliasOf: null },
  armeb: { ldso: 'armeb', debian: null, aliasOf: null },
  armebhf: { ldso: 'armebhf', debian: null, aliasOf: null },
  aarch64_be: { ldso: 'aarch64_be', debian: null, aliasOf: null },
  ppc: { ldso: 'powerpc', debian: null, aliasOf: null },
  ppc64: { ldso: 'powerpc64', debian: null, aliasOf: null },
  mips: { ldso: 'mips', debian: null, aliasOf: null },
  mipsel: { ldso: 'mipsel', debian: null, aliasOf: null },
  mips64: { ldso: 'mips64', debian: null, aliasOf: null },
  mips64el: { ldso: 'mips64el', debian: null, aliasOf: null },
  mipsn32: { ldso: 'mipsn32', debian: null, aliasOf: null },
  mipsn32el: { ldso: 'mipsn32el', debian: null, aliasOf: null },
  riscv32: { ldso: 'riscv32', debian: null, aliasOf: null },
  sh: { ldso: 'sh', debian: null, aliasOf: null },
  microblaze: { ldso: 'microblaze', debian: null, aliasOf: null },
  or1k: { ldso: 'or1k', debian: null, aliasOf: null },
});

/** archInfo looks an arch up without falling into Object.prototype (`constructor`, `toString`). */
export function archInfo(arch: string): ArchInfo | undefined {
  return Object.hasOwn(ARCHES, arch) ? ARCHES[arch] : undefined;
}

/** muslLoaderPath gives `/lib/ld-musl-<ldso>.so.1` for a musl arch, null for an unknown arch. */
export function muslLoaderPath(arch: string): string | null {
  const info = archInfo(arch);
  return info === undefined ? null : `/lib/ld-musl-${info.ldso}.so.1`;
}

/** dataArch resolves an alias (armv7 -> armhf) to the arch whose data applies. */
export function dataArch(arch: string): string {
  return archInfo(arch)?.aliasOf ?? arch;
}

/** ELF e_machine numbers (gABI; glibc elf/elf.h), for readers that report `em_<n>`. */
const EM: ReadonlyMap<number, string> = new Map([
  [2, 'sparc'],
  [3, 'i386'],
  [8, 'mips'],
  [20, 'ppc'],
  [21, 'ppc64'],
  [22, 's390'],
  [40, 'arm'],
  [42, 'sh'],
  [62, 'x86_64'],
  [92, 'or1k'],
  [183, 'aarch64'],
  [189, 'microblaze'],
  [243, 'riscv'],
  [258, 'loongarch'],
]);

/** MACHINE_ALIASES folds the spellings readers use for e_machine into one key. */
const MACHINE_ALIASES: ReadonlyMap<string, string> = new Map([
  ['x86_64', 'x86_64'],
  ['x86-64', 'x86_64'],
  ['amd64', 'x86_64'],
  ['i386', 'i386'],
  ['i486', 'i386'],
  ['i686', 'i386'],
  ['x86', 'i386'],
  ['386', 'i386'],
  ['arm', 'arm'],
  ['aarch64', 'aarch64'],
  ['arm64', 'aarch64'],
  ['ppc', 'ppc'],
  ['powerpc', 'ppc'],
  ['ppc64', 'ppc64'],
  ['powerpc64', 'ppc64'],
  ['ppc64le', 'ppc64'],
  ['s390', 's390'],
  ['s390x', 's390'],
  ['riscv', 'riscv'],
  ['riscv64', 'riscv'],
  ['riscv32', 'riscv'],
  ['mips', 'mips'],
  ['mips64', 'mips'],
  ['loongarch', 'loongarch'],
  ['loongarch64', 'loongarch'],
  ['sh', 'sh'],
  ['microblaze', 'microblaze'],
  ['or1k', 'or1k'],
]);

/** EF_ARM_ABI_FLOAT_HARD marks the ARM hard-float procedure call standard (ARM ELF ABI, e_flags). */
const EF_ARM_ABI_FLOAT_HARD = 0x400;
/** EF_MIPS_ABI2 marks the MIPS n32 ABI in a 32-bit file (glibc elf/elf.h). */
const EF_MIPS_ABI2 = 0x20;

/** normaliseMachine turns a reader's machine string (`x86_64`, `AArch64`, `em_62`) into a MACHINE_ALIASES key. */
export function normaliseMachine(machine: string): string | null {
  const m = machine.trim().toLowerCase();
  const em = /^em_(\d+)$/.exec(m);
  if (em !== null) return EM.get(Number(em[1])) ?? null;
  return MACHINE_ALIASES.get(m) ?? null;
}

/**
 * archForElf maps an ELF header to the musl arch name, or null when musl has no port for it
 * (e.g. sparc, or a 32-bit aarch64 file). ARM hard float is read from e_flags
 * (EF_ARM_ABI_FLOAT_HARD); 32-bit x86_64 is x32; 32-bit MIPS with EF_MIPS_ABI2 is n32.
 */
export function archForElf(machine: string, cls: 32 | 64, endian: 'little' | 'big', flags: number): string | null {
  const le = endian === 'little';
  switch (normaliseMachine(machine)) {
    case 'x86_64':
      return cls === 64 ? 'x86_64' : 'x32';
    case 'i386':
      return cls === 32 ? 'x86' : null;
    case 'aarch64':
      return cls === 64 ? (le ? 'aarch64' : 'aarch64_be') : null;
    case 'arm': {
      if (cls !== 32) return null;
      const hard = (flags & EF_ARM_ABI_FLOAT_HARD) !== 0;
      if (le) return hard ? 'armhf' : 'arm';
      return hard ? 'armebhf' : 'armeb';
    }
    case 'ppc64':
      return cls === 64 ? (le ? 'ppc64le' : 'ppc64') : null;
    case 'ppc':
      return cls === 32 && !le ? 'ppc' : null;
    case 's390':
      return cls === 64 && !le ? 's390x' : null;
    case 'riscv':
      return le ? (cls === 64 ? 'riscv64' : 'riscv32') : null;
    case 'loongarch':
      return cls === 64 && le ? 'loongarch64' : null;
    case 'mips':
      if (cls === 64) return le ? 'mips64el' : 'mips64';
      if ((flags & EF_MIPS_ABI2) !== 0) return le ? 'mipsn32el' : 'mipsn32';
      return le ? 'mipsel' : 'mips';
    case 'sh':
      return cls === 32 ? 'sh' : null;
    case 'microblaze':
      return cls === 32 ? 'microblaze' : null;
    case 'or1k':
      return cls === 32 && !le ? 'or1k' : null;
    default:
      return null;
  }
}
