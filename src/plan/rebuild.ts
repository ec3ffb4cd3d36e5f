/**
 * rebuild: the concrete rebuild recipe for each toolchain (C, C++, Go, Rust, Node addon,
 * Python extension), for the target Alpine release and architecture.
 */
import type { PlanStep } from '../analyze/types.js';
import type { TargetInfo } from '../db/types.js';

/** ToolchainKind names the rebuild recipes. */
export type ToolchainKind = 'c' | 'cxx' | 'go' | 'rust' | 'node' | 'python';

/** RUST_TRIPLES maps musl arch names to Rust's musl targets. */
const RUST_TRIPLES: Record<string, string> = {
  x86_64: 'x86_64-unknown-linux-musl',
  aarch64: 'aarch64-unknown-linux-musl',
  armv7: 'armv7-unknown-linux-musleabihf',
  armhf: 'arm-unknown-linux-musleabihf',
  x86: 'i686-unknown-linux-musl',
  ppc64le: 'powerpc64le-unknown-linux-musl',
  s390x: 's390x-unknown-linux-musl',
  riscv64: 'riscv64gc-unknown-linux-musl',
  loongarch64: 'loongarch64-unknown-linux-musl',
};

/** GOARCHES maps musl arch names to GOARCH. */
const GOARCHES: Record<string, string> = {
  x86_64: 'amd64',
  aarch64: 'arm64',
  armv7: 'arm',
  armhf: 'arm',
  x86: '386',
  ppc64le: 'ppc64le',
  s390x: 's390x',
  riscv64: 'riscv64',
  loongarch64: 'loong64',
};

/** siblingMuslPackage turns a glibc build's package name into its musl sibling (`-linux-x64-gnu` -> `-linux-x64-musl`). */
export function siblingMuslPackage(name: string): string | null {
  if (/-gnu$/.test(name)) return name.replace(/-gnu$/, '-musl');
  if (/-glibc$/.test(name)) return name.replace(/-glibc$/, '-musl');
  if (/-gnu(eabihf)?(-|$)/.test(name)) return name.replace(/-gnu(eabihf)?(?=-|$)/, '-musl$1');
  return null;
}

/** RebuildContext is what a recipe needs. */
export interface RebuildContext {
  target: TargetInfo;
  arch: string | null;
  pkg: { name: string; version: string | null; libc: string[] | null } | null;
  path: string;
}

/**
 * SWAP_MANAGERS: a `rebuild` step whose `packages[0]` is one of these replaces the file with
 * a musl build its package manager publishes (a package swap) instead of building it; the
 * tree plan lists swaps in their own group.
 */
const SWAP_MANAGERS = ['npm', 'pip'] as const;

/** SwapManager is the package manager of a swap step. */
export type SwapManager = (typeof SWAP_MANAGERS)[number];

/** swapManager gives the package manager of a package-swap step, null for any other step. */
export function swapManager(step: PlanStep): SwapManager | null {
  const m = step.packages[0];
  return step.kind === 'rebuild' && (SWAP_MANAGERS as readonly string[]).includes(m ?? '') ? (m as SwapManager) : null;
}

/** PYTHON_GLIBC_BUILD matches a CPython extension named for a glibc platform (`*.cpython-311-x86_64-linux-gnu.so`) or a path under a manylinux wheel. */
const PYTHON_GLIBC_BUILD = /(-linux-gnu[^/]*\.so$|manylinux)/;

/**
 * muslBuildStep gives the swap to a plugin's published musl build, when the plugin shows it
 * is a glibc build: a Node addon whose package is named for glibc (`*-linux-x64-gnu`, with a
 * `-musl` sibling), a Python extension named for a glibc platform, from a manylinux wheel, or
 * linked against glibc (pip on Alpine installs the musllinux wheel). Null otherwise.
 */
export function muslBuildStep(plugin: 'node' | 'python' | null, ctx: RebuildContext & { libc: string }): PlanStep | null {
  if (plugin === 'node') {
    const sibling = ctx.pkg ? siblingMuslPackage(ctx.pkg.name) : null;
    if (sibling === null) return null;
    return {
      kind: 'rebuild',
      command: `npm install ${sibling}${ctx.pkg?.version ? `@${ctx.pkg.version}` : ''}`,
      packages: ['npm', sibling],
      text: `Node addon: ${ctx.pkg!.name} is the glibc build; install its musl sibling ${sibling} (npm picks it on Alpine when the package's "libc" field allows)`,
    };
  }
  if (plugin === 'python' && (PYTHON_GLIBC_BUILD.test(ctx.path) || ctx.libc === 'glibc')) {
    return {
      kind: 'rebuild',
      command: `docker run --rm -v "$PWD":/app -w /app python:alpine pip install --force-reinstall --no-cache-dir --only-binary=:all: -r requirements.txt`,
      packages: ['pip'],
      text: 'Python extension: a manylinux (glibc) build; install the musllinux wheel instead (pip on Alpine selects musllinux_1_1/1_2 tags; --only-binary=:all: fails where no musllinux wheel exists: build that one from source with build-base)',
    };
  }
  return null;
}

/** imageOf names the Alpine image to build in. */
function imageOf(target: TargetInfo): string {
  return target.alpine ? `alpine:${target.alpine}` : 'alpine:latest';
}

/** rebuildStep returns the rebuild step for a toolchain. `packages[0]` carries the toolchain name for grouping. */
export function rebuildStep(kind: ToolchainKind, ctx: RebuildContext): PlanStep {
  const image = imageOf(ctx.target);
  switch (kind) {
    case 'go': {
      const goarch = ctx.arch ? (GOARCHES[ctx.arch] ?? null) : null;
      return {
        kind: 'rebuild',
        command: `CGO_ENABLED=0 ${goarch ? `GOOS=linux GOARCH=${goarch} ` : ''}go build ./...`,
        packages: ['go'],
        text: `Go: build with CGO_ENABLED=0 (a static binary needs no libc); if cgo is required, build on ${image} (golang:alpine)`,
      };
    }
    case 'rust': {
      const triple = (ctx.arch && RUST_TRIPLES[ctx.arch]) || 'x86_64-unknown-linux-musl';
      return {
        kind: 'rebuild',
        command: `docker run --rm -v "$PWD":/src -w /src rust:alpine cargo build --release --target ${triple}`,
        packages: ['rust'],
        text: `Rust: build for ${triple} on musl (rust:alpine); cross-building on a glibc host can leak glibc symbols into the result`,
      };
    }
    case 'node': {
      const sibling = muslBuildStep('node', { ...ctx, libc: 'glibc' });
      if (sibling !== null) return sibling;
      const glibcBuild = ctx.pkg?.libc?.includes('glibc') === true;
      return {
        kind: 'rebuild',
        command: `docker run --rm -v "$PWD":/app -w /app node:lts-alpine sh -c 'apk add --no-cache build-base python3 && npm rebuild'`,
        packages: ['node'],
        text: `Node addon${glibcBuild ? ' (a glibc build)' : ''}: rebuild it on Alpine with npm rebuild, or use a prebuilt -musl variant if the package publishes one`,
      };
    }
    case 'python':
      return {
        kind: 'rebuild',
        command: `docker run --rm -v "$PWD":/app -w /app python:alpine pip install --force-reinstall --no-cache-dir -r requirements.txt`,
        packages: ['python'],
        text: 'Python extension: install the musllinux wheel instead of the manylinux one (pip on Alpine selects musllinux_1_1/1_2 tags), or build from source with build-base',
      };
    case 'cxx':
    case 'c':
    default:
      return {
        kind: 'rebuild',
        command: `docker run --rm -v "$PWD":/src -w /src ${image} sh -c 'apk add --no-cache build-base && make'`,
        packages: [kind === 'cxx' ? 'cxx' : 'c'],
        text: `${kind === 'cxx' ? 'C++' : 'C'}: rebuild on ${image} with build-base (gcc, musl-dev${kind === 'cxx' ? ', g++' : ''}), using the project's own build command`,
      };
  }
}
