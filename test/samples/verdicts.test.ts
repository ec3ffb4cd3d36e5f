/**
 * verdicts.test: the committed samples, read with the real reader and analysed against the
 * real database, table-driven: sample x target -> verdict and finding codes (behaviour
 * notes left out), plus the plan's first step where it matters.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { analyzeElf, NO_LIBRARIES, toolchainKind, type PackageInfo } from '../../src/analyze/index.js';
import { pluginKind } from '../../src/analyze/symbols.js';
import { rebuildStep } from '../../src/plan/index.js';
import { loadDatabase } from '../../src/db/index.js';
import { readElf } from '../../src/elf/index.js';

const BIN = join(import.meta.dirname, '..', '..', 'samples', 'bin');
const db = loadDatabase();

/** packageOf reads the package.json beside a Node addon, as the scan does. */
function packageOf(path: string): PackageInfo | null {
  const file = join(dirname(path), 'package.json');
  if (!existsSync(file)) return null;
  const j = JSON.parse(readFileSync(file, 'utf8')) as { name: string; version?: string; libc?: string[] };
  return { name: j.name, version: j.version ?? null, libc: j.libc ?? null, dir: dirname(path) };
}

interface Case {
  file: string;
  target: string;
  verdict: string;
  codes: string[];
  /** the first plan step's command, when it matters. */
  first?: RegExp;
}

const CASES: Case[] = [
  { file: 'static-nss', target: 'alpine:3.22', verdict: 'rebuild', codes: ['static-binary', 'static-nss'], first: /build-base/ },
  { file: 'hello-static', target: 'alpine:3.22', verdict: 'ok', codes: ['static-binary'] },
  { file: 'hello-static-pie', target: 'alpine:3.22', verdict: 'ok', codes: ['static-binary'] },
  { file: 'relr-musl', target: 'alpine:3.17', verdict: 'rebuild', codes: ['relr-unsupported'] },
  { file: 'relr-musl', target: 'alpine:3.18', verdict: 'ok', codes: [] },
  { file: 'relr-musl', target: 'musl:1.2.3', verdict: 'rebuild', codes: ['relr-unsupported'] },
  { file: 'hello-musl', target: 'alpine:3.17', verdict: 'ok', codes: [] },
  { file: 'hazards', target: 'alpine:3.22', verdict: 'loader', codes: ['glibc-interpreter', 'small-thread-stack'] },
  { file: 'hazards-stack8m', target: 'alpine:3.22', verdict: 'loader', codes: ['glibc-interpreter'] },
  { file: 'arch/fortify-mips', target: 'alpine:3.22', verdict: 'error', codes: ['arch-not-covered'], first: /^\/lib\/ld-musl-mips\.so\.1 --list / },
  { file: 'arch/fortify-aarch64', target: 'alpine:3.22', verdict: 'gcompat', codes: ['glibc-interpreter', 'missing-symbol-gcompat'] },
  { file: 'go/hello-static', target: 'alpine:3.22', verdict: 'ok', codes: ['static-binary'] },
  { file: 'go/hello-static-nohdrs', target: 'alpine:3.22', verdict: 'ok', codes: ['static-binary'] },
  { file: 'go/hello-cgo', target: 'alpine:3.22', verdict: 'loader', codes: ['glibc-interpreter', 'small-thread-stack'] },
  { file: 'rust/hello', target: 'alpine:3.22', verdict: 'gcompat', codes: ['glibc-interpreter', 'glibc-only-library', 'system-library'] },
  { file: 'ucontext', target: 'alpine:3.22', verdict: 'shim', codes: ['gcompat-stub', 'glibc-interpreter', 'missing-symbol-shim'], first: /^apk add --no-cache libucontext$/ },
  { file: 'node_modules/@demo/addon-linux-x64-gnu/addon.node', target: 'alpine:3.22', verdict: 'gcompat', codes: ['host-symbols', 'missing-symbol-gcompat'], first: /^npm install @demo\/addon-linux-x64-musl@1\.0\.0$/ },
  { file: 'python/demo.cpython-311-x86_64-linux-gnu.so', target: 'alpine:3.22', verdict: 'gcompat', codes: ['host-symbols', 'missing-symbol-gcompat'], first: /pip install .*--only-binary=:all:/ },
];

describe('samples', () => {
  it.each(CASES)('$file on $target: $verdict', async (c) => {
    const path = join(BIN, c.file);
    if (!existsSync(path)) {
      console.warn(`!!! samples/bin/${c.file} missing (its compiler was not installed when build.sh ran): SKIPPED`);
      return;
    }
    const r = analyzeElf(path, await readElf(path), { db, target: db.resolveTarget(c.target), lookup: NO_LIBRARIES, packageOf });
    const codes = [...new Set(r.findings.filter((f) => f.code !== 'behaviour-difference').map((f) => f.code))].sort();
    expect({ verdict: r.verdict, codes }).toEqual({ verdict: c.verdict, codes: [...c.codes].sort() });
    if (c.first) expect(r.plan[0]?.command).toMatch(c.first);
  });

  it('the thread-stack hazard is reported once, by small-thread-stack', async () => {
    const r = analyzeElf(join(BIN, 'hazards'), await readElf(join(BIN, 'hazards')), { db, target: db.resolveTarget('alpine:3.22'), lookup: NO_LIBRARIES });
    expect(r.findings.filter((f) => f.code === 'small-thread-stack' || f.args['hazard'] === 'thread-stack-128k').map((f) => f.code)).toEqual(['small-thread-stack']);
  });
});

describe('the rebuild recipe each sample would get, from its own toolchain hints', () => {
  const target = db.resolveTarget('alpine:3.22');
  it.each([
    ['fortify', 'c', /alpine:3\.22 sh -c 'apk add --no-cache build-base && make'/],
    ['cxx', 'cxx', /build-base/],
    ['go/hello-cgo', 'go', /^CGO_ENABLED=0 GOOS=linux GOARCH=amd64 go build/],
    ['go/hello-static-nohdrs', 'go', /^CGO_ENABLED=0 /],
    ['rust/hello', 'rust', /cargo build --release --target x86_64-unknown-linux-musl$/],
    ['node_modules/@demo/addon-linux-x64-gnu/addon.node', 'node', /^npm install @demo\/addon-linux-x64-musl@1\.0\.0$/],
    ['python/demo.cpython-311-x86_64-linux-gnu.so', 'python', /python:alpine pip install/],
  ])('%s: %s', async (file, kind, command) => {
    const path = join(BIN, file);
    if (!existsSync(path)) {
      console.warn(`!!! samples/bin/${file} missing: SKIPPED`);
      return;
    }
    const e = await readElf(path);
    const k = toolchainKind(e, pluginKind(path, e.type, e.interp, e.imports));
    expect(k).toBe(kind);
    expect(rebuildStep(k, { target, arch: 'x86_64', pkg: packageOf(path), path }).command).toMatch(command);
  });
});
