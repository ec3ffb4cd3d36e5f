import { describe, expect, it } from 'vitest';
import type { ExplainEntry, DbListing } from '../../src/db/explain.js';
import { formatExplain, padTable } from '../../src/report/explain.js';
import { formatDbList } from '../../src/report/db.js';
import { TARGET_FIXTURE } from './fixtures/reports.js';

const ENTRIES: ExplainEntry[] = [
  { name: '__fprintf_chk', musl: false, gcompat: true, glibc: 'GLIBC_2.3.4', muslSince: null, shims: [], hazards: [], advice: { api: '_FORTIFY_SOURCE', replacement: 'rebuild on Alpine', source: 'fortify-headers' } },
  {
    name: 'getcontext',
    musl: false,
    gcompat: true,
    glibc: 'GLIBC_2.2.5',
    muslSince: null,
    shims: [{ package: 'libucontext', soname: 'libucontext.so.1', use: 'add-needed', devPackage: 'libucontext-dev', linkFlag: '-lucontext', source: 'Alpine main/libucontext' }],
    hazards: [{ id: 'gcompat-getcontext', summary: 'stub that fails with ENOSYS', source: 'gcompat 1.1.0' }],
    advice: null,
  },
  { name: 'statx', musl: true, gcompat: true, glibc: 'GLIBC_2.28', muslSince: '1.2.5', shims: [], hazards: [], advice: null },
  { name: 'nothing', musl: null, gcompat: null, glibc: null, muslSince: null, shims: [], hazards: [], advice: null },
];

describe('explain', () => {
  const text = formatExplain(ENTRIES, { target: TARGET_FIXTURE, arch: 'x86_64', format: 'text' });

  it('json is {symbols: [...]} in the order asked, keys in the documented order', () => {
    const doc = JSON.parse(formatExplain(ENTRIES, { target: TARGET_FIXTURE, arch: 'x86_64', format: 'json' }));
    expect(Object.keys(doc)).toEqual(['symbols']);
    expect(doc.symbols.map((s: ExplainEntry) => s.name)).toEqual(['__fprintf_chk', 'getcontext', 'statx', 'nothing']);
    expect(Object.keys(doc.symbols[0])).toEqual(['name', 'musl', 'gcompat', 'glibc', 'muslSince', 'shims', 'hazards', 'advice']);
  });

  it.each([
    ['__fprintf_chk', ['no', 'yes', 'GLIBC_2.3.4', '-', '-']],
    ['getcontext', ['no', 'yes', 'GLIBC_2.2.5', '-', 'libucontext']],
    ['statx', ['yes', 'yes', 'GLIBC_2.28', '1.2.5', '-']],
    ['nothing', ['-', '-', '-', '-', '-']],
  ])('table row for %s', (name, cells) => {
    const row = text.split('\n').find((l) => l.startsWith(`${name} `));
    expect(row?.split(/\s+/).slice(1)).toEqual(cells);
  });

  it('lists shims, hazards and advice under the table', () => {
    expect(text).toContain('getcontext:\n  shim: apk add libucontext (libucontext.so.1, add-needed, build: libucontext-dev, -lucontext)\n  hazard gcompat-getcontext: stub that fails with ENOSYS');
    expect(text).toContain('__fprintf_chk:\n  fix (_FORTIFY_SOURCE): rebuild on Alpine');
    expect(text).not.toContain('statx:');
  });

  it('padTable aligns columns and trims the last', () => {
    expect(padTable([['a', 'bb', ''], ['ccc', 'd', 'e']])).toEqual(['a    bb', 'ccc  d   e']);
  });
});

describe('db list', () => {
  const listing: DbListing = {
    schemaVersion: 1,
    defaultTarget: 'alpine:3.22',
    targets: [{ ...TARGET_FIXTURE, default: true, derived: false }],
    arches: ['x86_64', 'aarch64'],
    musl: [{ version: '1.2.5', derived: false, derivedFrom: null, debianVersion: '1.2.5-3', lfs64Remap: true, note: 'measured', arches: [{ arch: 'x86_64', exports: 1647, debianExports: 1650 }] }],
    gcompat: [{ version: '1.1.0', symbols: 285, sonames: ['libc.so.6'], measuredOn: 'x86_64' }],
    glibc: { releases: ['2.36'], arches: [{ arch: 'x86_64', public: 4257, private: 346 }] },
    gcc: [{ gcc: '14.2', derived: false, source: 'Debian libstdc++6 14.2.0-19', nodes: 67 }],
    provenance: [{ package: 'musl', version: '1.2.5-3', arch: 'amd64', sha256: 'ab'.repeat(32), file: 'trixie/musl.deb' }],
  };

  it('json is the listing itself', () => {
    expect(JSON.parse(formatDbList(listing, 'json'))).toEqual(listing);
  });

  it.each([
    'Database schema 1; default target alpine:3.22',
    '  alpine:3.22  3.22    1.2.5  14.2  1.1.0    default',
    '  1.2.5 (Debian 1.2.5-3, LFS64 remap); libc.so exports per arch: x86_64 1647',
    '  1.1.0: 285 symbols (measured on x86_64; the same list serves every arch); answers libc.so.6',
    '  x86_64: 4257 public, 346 private names',
    `  trixie/musl.deb  musl     1.2.5-3  amd64  ${'ab'.repeat(32)}`,
  ])('text has %j', (line) => {
    expect(formatDbList(listing, 'text').split('\n')).toContain(line);
  });
});
