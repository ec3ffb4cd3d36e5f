/**
 * plan.test: the rebuild recipe per toolchain, the swap to a plugin's published musl build,
 * the order of a shim gcompat only stubs, and the tree plan (swap group, first choices only,
 * Dockerfile COPY), table-driven on synthetic files against the real database.
 */
import { describe, expect, it } from 'vitest';
import { analyzeElf, NO_LIBRARIES, toolchainKind, type PackageInfo } from '../../src/analyze/index.js';
import { dockerfileFor, isAlternative, muslBuildStep, rebuildStep, sortForPlan, treePlan, type ToolchainKind } from '../../src/plan/index.js';
import { sortFindings } from '../../src/report/common.js';
import { loadDatabase } from '../../src/db/index.js';
import type { ElfInfo } from '../../src/elf/types.js';
import { elf, imp } from './fixtures.js';

const db = loadDatabase();
const target = db.resolveTarget('alpine:3.22');

const GNU_PKG: PackageInfo = { name: '@demo/addon-linux-x64-gnu', version: '1.0.0', libc: ['glibc'], dir: '/app/node_modules/@demo/addon-linux-x64-gnu' };
const ADDON = '/app/node_modules/@demo/addon-linux-x64-gnu/addon.node';
const PYEXT = '/app/venv/lib/python3.11/site-packages/demo/demo.cpython-311-x86_64-linux-gnu.so';
const PLUGIN = { interp: null, imports: [imp('__snprintf_chk@GLIBC_2.3.4')] };

describe('rebuild recipe per toolchain', () => {
  const ctx = { target, arch: 'x86_64', pkg: null, path: '/t/app' };
  it.each<[string, ToolchainKind, Partial<typeof ctx> & { pkg?: { name: string; version: string | null; libc: string[] | null } | null }, RegExp, RegExp]>([
    ['C', 'c', {}, /alpine:3\.22 sh -c 'apk add --no-cache build-base && make'/, /^C: rebuild on alpine:3\.22 with build-base/],
    ['C++', 'cxx', {}, /build-base/, /^C\+\+: .*g\+\+/],
    ['Go', 'go', {}, /^CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build/, /^Go: build with CGO_ENABLED=0/],
    ['Go on aarch64', 'go', { arch: 'aarch64' }, /GOARCH=arm64/, /golang:alpine/],
    ['Rust', 'rust', {}, /rust:alpine cargo build --release --target x86_64-unknown-linux-musl$/, /built on musl|on musl/],
    ['Rust on aarch64', 'rust', { arch: 'aarch64' }, /--target aarch64-unknown-linux-musl$/, /cross-building on a glibc host/],
    ['Node addon with a -musl sibling', 'node', { pkg: GNU_PKG }, /^npm install @demo\/addon-linux-x64-musl@1\.0\.0$/, /musl sibling/],
    ['Node addon without one', 'node', { pkg: { name: 'sharp', version: '0.33.0', libc: null } }, /node:lts-alpine .*npm rebuild/, /npm rebuild/],
    ['Python extension', 'python', {}, /python:alpine pip install/, /musllinux wheel/],
  ])('%s', (_label, kind, over, command, text) => {
    const step = rebuildStep(kind, { ...ctx, ...over });
    expect(step.kind).toBe('rebuild');
    expect(step.command).toMatch(command);
    expect(step.text).toMatch(text);
  });

  it.each<[string, Partial<ElfInfo>, 'node' | 'python' | null, ToolchainKind]>([
    ['Go build info', { toolchain: { comment: [], gcc: null, go: { version: 'go1.19.8', cgo: true, path: 'example.com/x' }, rust: false } }, null, 'go'],
    ['Rust markers', { toolchain: { comment: ['rustc version 1.95.0'], gcc: null, go: null, rust: true } }, null, 'rust'],
    ['Node addon', {}, 'node', 'node'],
    ['Python extension', {}, 'python', 'python'],
    ['libstdc++', { needed: ['libstdc++.so.6', 'libc.so.6'] }, null, 'cxx'],
    ['plain C', {}, null, 'c'],
  ])('toolchainKind: %s', (_label, over, plugin, kind) => {
    expect(toolchainKind(elf(over), plugin)).toBe(kind);
  });
});

describe('plugins: the published musl build first, whatever the verdict', () => {
  it.each<[string, 'node' | 'python', string, PackageInfo | null, string, RegExp | null]>([
    ['npm -gnu package', 'node', ADDON, GNU_PKG, 'glibc', /^npm install @demo\/addon-linux-x64-musl@1\.0\.0$/],
    ['npm -glibc package', 'node', '/app/node_modules/x-glibc/x.node', { ...GNU_PKG, name: 'x-glibc', version: null }, 'glibc', /^npm install x-musl$/],
    ['npm package not named for a libc', 'node', '/app/node_modules/x/x.node', { ...GNU_PKG, name: 'x' }, 'glibc', null],
    ['CPython extension named for linux-gnu', 'python', PYEXT, null, 'glibc', /--only-binary=:all:/],
    ['abi3 extension linked against glibc', 'python', '/site-packages/x/_x.abi3.so', null, 'glibc', /--only-binary=:all:/],
    ['CPython extension built for musl', 'python', '/site-packages/x/_x.cpython-311-x86_64-linux-musl.so', null, 'musl', null],
  ])('%s', (_label, plugin, path, pkg, libc, command) => {
    const step = muslBuildStep(plugin, { target, arch: 'x86_64', pkg, path, libc });
    if (command === null) expect(step).toBeNull();
    else expect(step?.command).toMatch(command);
  });

  it.each([
    ['Node addon', ADDON, GNU_PKG, 'npm'],
    ['Python extension', PYEXT, null, 'pip'],
  ] as const)('%s (verdict gcompat): swap first, gcompat and patchelf as the alternative', (_label, path, pkg, manager) => {
    const r = analyzeElf(path, elf(PLUGIN), { db, target, lookup: NO_LIBRARIES, packageOf: () => pkg });
    expect(r.verdict).toBe('gcompat');
    expect(r.plan[0]?.packages[0]).toBe(manager);
    expect(r.plan.slice(1).map((s) => s.command)).toEqual(['apk add --no-cache gcompat', `patchelf --add-needed libgcompat.so.0 ${path}`]);
    expect(r.plan.slice(1).every(isAlternative)).toBe(true);
    const tree = treePlan([r], target, db);
    expect(tree.swaps).toEqual([expect.objectContaining({ manager, files: [path] })]);
    expect(tree.patchelf).toEqual([]);
    expect(tree.apk).toEqual([]);
    expect(tree.rebuilds).toEqual([]);
  });

  it('a plugin whose verdict is ok gets no plan', () => {
    const r = analyzeElf(ADDON, elf({ interp: null, imports: [imp('puts@GLIBC_2.2.5')] }), { db, target, lookup: NO_LIBRARIES, packageOf: () => GNU_PKG });
    expect({ verdict: r.verdict, plan: r.plan }).toEqual({ verdict: 'ok', plan: [] });
  });
});

describe('a shim whose name gcompat only stubs (getcontext)', () => {
  const UCONTEXT = [imp('getcontext@GLIBC_2.2.5'), imp('makecontext@GLIBC_2.2.5'), imp('swapcontext@GLIBC_2.2.5')];
  it.each([
    [
      'executable, libucontext only: musl loader, no gcompat',
      '/t/co',
      elf({ imports: UCONTEXT }),
      ['apk add --no-cache libucontext', 'patchelf --set-interpreter /lib/ld-musl-x86_64.so.1 /t/co', 'patchelf --add-needed libucontext.so.1 /t/co'],
    ],
    [
      'executable that needs gcompat too: libucontext added after libgcompat, so it comes first',
      '/t/co',
      elf({ imports: [...UCONTEXT, imp('__printf_chk@GLIBC_2.3.4')] }),
      [
        'apk add --no-cache gcompat libucontext',
        'patchelf --set-interpreter /lib/ld-musl-x86_64.so.1 /t/co',
        'patchelf --add-needed libgcompat.so.0 /t/co',
        'patchelf --add-needed libucontext.so.1 /t/co',
      ],
    ],
    [
      'plugin that needs gcompat too: no interpreter to change',
      '/t/co.so',
      elf({ interp: null, imports: [...UCONTEXT, imp('__printf_chk@GLIBC_2.3.4')] }),
      ['apk add --no-cache gcompat libucontext', 'patchelf --add-needed libgcompat.so.0 /t/co.so', 'patchelf --add-needed libucontext.so.1 /t/co.so'],
    ],
  ])('%s', (_label, path, file, commands) => {
    const r = analyzeElf(path, file, { db, target, lookup: NO_LIBRARIES });
    expect(r.verdict).toBe('shim');
    expect(r.plan.map((s) => s.command)).toEqual(commands);
    // Every step is a first choice: the tree plan keeps the interpreter change.
    expect(treePlan([r], target, db).patchelf).toEqual(commands.filter((c) => c.startsWith('patchelf')));
  });
});

describe('tree plan', () => {
  it('leaves alternatives out: a loader-only file installs gcompat, not both fixes', () => {
    const r = analyzeElf('/t/hello', elf({ imports: [imp('puts@GLIBC_2.2.5')] }), { db, target, lookup: NO_LIBRARIES });
    expect(r.plan.map((s) => isAlternative(s))).toEqual([false, true]);
    const tree = treePlan([r], target, db);
    expect({ apk: tree.apk, patchelf: tree.patchelf }).toEqual({ apk: ['gcompat'], patchelf: [] });
  });

  it.each([
    ['nothing to patch', [], [], 'FROM alpine:3.22\nRUN apk add --no-cache gcompat\n'],
    [
      'relative paths: the scanned folder is the build context',
      ['patchelf --add-needed libfts.so.0 bin/fts'],
      ['bin/fts'],
      'FROM alpine:3.22\nRUN apk add --no-cache gcompat\n# patchelf edits the files inside the image: copy them in (build with the folder muslcheck ran in as the context)\nWORKDIR /app\nCOPY . .\nRUN patchelf --add-needed libfts.so.0 bin/fts\n',
    ],
    [
      'absolute host paths: a comment, since COPY cannot reach them',
      ['patchelf --add-needed libfts.so.0 /opt/x/fts'],
      ['/opt/x/fts'],
      'FROM alpine:3.22\nRUN apk add --no-cache gcompat\n# patchelf edits the files inside the image: COPY each absolute path below into the image at that path first\nRUN patchelf --add-needed libfts.so.0 /opt/x/fts\n',
    ],
  ])('Dockerfile: %s', (_label, patchelf, patched, expected) => {
    expect(dockerfileFor('alpine:3.22', 'apk add --no-cache gcompat', patchelf, patched)).toBe(expected);
  });
});

describe('finding order', () => {
  const f = (severity: 'error' | 'warning' | 'note', code: string, args: Record<string, string | number | string[]>) => ({ severity, code, args });
  // Deliberately shuffled: errors first, then code, then the arguments as JSON (insertion order of keys).
  const shuffled = [
    f('note', 'small-thread-stack', { defaultBytes: 131072 }),
    f('warning', 'behaviour-difference', { symbol: 'qsort_r', hazard: 'b' }),
    f('error', 'missing-symbol', { symbols: ['b'] }),
    f('warning', 'behaviour-difference', { symbol: 'dlopen', hazard: 'z' }),
    f('error', 'glibc-interpreter', { interp: '/lib64/ld-linux-x86-64.so.2' }),
    f('error', 'missing-symbol', { symbols: ['a', 'c'] }),
    f('warning', 'behaviour-difference', { symbol: 'dlopen', hazard: 'a' }),
  ];
  it.each([
    ['sortForPlan (the plan\'s order)', (list: typeof shuffled) => (sortForPlan(list), list), ['glibc-interpreter', 'missing-symbol a,c', 'missing-symbol b', 'behaviour-difference a dlopen', 'behaviour-difference z dlopen', 'behaviour-difference b qsort_r', 'small-thread-stack']],
    ['sortFindings (the reports\' order: code, then arguments with sorted keys)', (list: typeof shuffled) => sortFindings(list), ['behaviour-difference a dlopen', 'behaviour-difference b qsort_r', 'behaviour-difference z dlopen', 'glibc-interpreter', 'missing-symbol a,c', 'missing-symbol b', 'small-thread-stack']],
  ])('%s', (_what, sort, want) => {
    const list = [...shuffled];
    const label = (x: (typeof shuffled)[number]) => [x.code, ...Object.keys(x.args).sort().filter((k) => k !== 'interp' && k !== 'defaultBytes').map((k) => String(x.args[k]))].join(' ');
    expect(sort(list).map(label)).toEqual(want);
    expect(shuffled).toHaveLength(7);
  });
});
