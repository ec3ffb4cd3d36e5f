#!/usr/bin/env node
/**
 * gen-data: regenerates data/musl.json, data/glibc.json, data/libstdcxx.json and data/gcompat.json
 * from Debian packages, read with muslcheck's own ELF reader (dist/elf, so run `npm run build`
 * first; `npm run gen-data` does both).
 *
 *   node scripts/gen-data.mjs [--cache DIR] [--out DIR] [--upstream DIR]
 *
 * --cache     where scripts/data/fetch-debs.sh put the .debs (default /work/cache/debs, or
 *             $MUSLCHECK_DEB_CACHE). The .debs never enter the repository; their sha256 is
 *             checked against the suite's SHA256SUMS and recorded as provenance.
 * --out       output directory (default: the repository's data/).
 * --upstream  optional: a directory with upstream musl builds (<dir>/src-1.2.3/lib/libc.so,
 *             src-1.2.4, src-1.2.5, built from the bminor/musl tags for x86_64). When given, the
 *             corrected x86_64 sets of 1.2.3 and 1.2.5 and the derived 1.2.4 set must equal the
 *             upstream builds' exports exactly, or the run fails. It changes no output.
 *
 * Deterministic: the same inputs give byte-identical files (everything sorted, no timestamps).
 * The curated files (targets.json, shims.json, sonames.json) are edited by hand, not here.
 */
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync, lstatSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readElf } from '../dist/elf/index.js';
import {
  DEBIAN_TO_MUSL_ARCH,
  MUSL_CORRECTIONS,
  DERIVED_MUSL,
  LFS64_NAMES,
  LFS64_SOURCE,
  SELF_SONAME_PREFIXES,
  SELF_SONAME_SOURCE,
  GCC_DERIVED,
  parseGcompatExports,
} from './data/facts.mjs';
import { formatJson } from './data/format-json.mjs';

const here = fileURLToPath(new URL('.', import.meta.url));
const root = resolve(here, '..');

/** parseArgs reads --cache, --out and --upstream. */
function parseArgs(argv) {
  const opts = { cache: process.env.MUSLCHECK_DEB_CACHE ?? '/work/cache/debs', out: join(root, 'data'), upstream: null };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i], argv[i + 1]];
    if (flag === '--cache' && value) (opts.cache = value), i++;
    else if (flag === '--out' && value) (opts.out = value), i++;
    else if (flag === '--upstream' && value) (opts.upstream = value), i++;
    else throw new Error(`unknown argument ${flag} (usage: gen-data.mjs [--cache DIR] [--out DIR] [--upstream DIR])`);
  }
  return opts;
}

/** sha256File hashes a file. */
function sha256File(path) {
  return createHash('sha256').update(readFileSync(path)).digest('hex');
}

/** listDebs reads <cache>/<suite>/SHA256SUMS and checks every listed .deb against it. */
function listDebs(cache, suite) {
  const dir = join(cache, suite);
  const sums = readFileSync(join(dir, 'SHA256SUMS'), 'utf8').trim().split('\n');
  return sums
    .map((line) => {
      const [sha256, file] = line.split(/\s+/);
      const path = join(dir, file);
      const actual = sha256File(path);
      if (actual !== sha256) throw new Error(`${path}: sha256 ${actual} does not match SHA256SUMS ${sha256}`);
      const m = /^([^_]+)_([^_]+)_([^_]+)\.deb$/.exec(file);
      if (!m) throw new Error(`${file}: not a package_version_arch.deb name`);
      return { suite, path, file, sha256, package: m[1], version: decodeURIComponent(m[2]), debArch: m[3] };
    })
    .sort((a, b) => (a.file < b.file ? -1 : 1));
}

/** extractDeb unpacks a .deb into a fresh temporary directory (dpkg-deb -x) and returns it. */
function extractDeb(deb) {
  const dir = mkdtempSync(join(tmpdir(), 'muslcheck-gen-'));
  execFileSync('dpkg-deb', ['-x', deb.path, dir]);
  return dir;
}

/** walkFiles lists regular files (not symlinks) below dir. */
function walkFiles(dir) {
  const out = [];
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...walkFiles(p));
    else if (entry.isFile()) out.push(p);
  }
  return out.sort();
}

/** provenanceOf turns a deb record into a Provenance entry. */
function provenanceOf(deb) {
  return { package: deb.package, version: deb.version, arch: deb.debArch, sha256: deb.sha256, file: `${deb.suite}/${deb.file}` };
}

/** sortedUnique sorts strings by code unit order and drops duplicates. */
function sortedUnique(names) {
  return [...new Set(names)].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
}

/** defaultExportNames lists the names a library's loader-visible (non-hidden) dynamic exports define. */
function defaultExportNames(info) {
  return sortedUnique(info.exports.filter((e) => !e.hidden && e.name.length > 0).map((e) => e.name));
}

/** readMuslLibc finds libc.so inside an unpacked musl .deb and returns its exported names. */
async function readMuslLibc(dir) {
  const libc = walkFiles(dir).find((p) => basename(p) === 'libc.so' && /-linux-musl[^/]*\/libc\.so$/.test(p));
  if (!libc) throw new Error(`${dir}: no <triplet>-linux-musl*/libc.so`);
  return { names: defaultExportNames(await readElf(libc)), path: libc };
}

/** checkCorrection asserts on the real Debian set that each correction is needed, so a rebuild that fixes Debian fails loudly. */
function checkCorrection(version, arch, debianSet, corr) {
  for (const n of corr.remove) if (!debianSet.has(n)) throw new Error(`musl ${version} ${arch}: correction removes '${n}', but Debian's libc.so does not export it`);
  for (const n of corr.add) if (debianSet.has(n)) throw new Error(`musl ${version} ${arch}: correction adds '${n}', but Debian's libc.so already exports it`);
}

/** applyCorrection returns a sorted corrected list. */
function applyCorrection(names, corr) {
  const s = new Set(names);
  for (const n of corr.remove) s.delete(n);
  for (const n of corr.add) s.add(n);
  return sortedUnique([...s]);
}

/** genMusl builds musl.json from the bookworm and trixie musl .debs. */
async function genMusl(debs, upstream) {
  const provenance = [];
  const measured = new Map();
  for (const deb of debs.filter((d) => d.package === 'musl')) {
    const arch = DEBIAN_TO_MUSL_ARCH[deb.debArch];
    if (!arch) throw new Error(`${deb.file}: unknown Debian arch ${deb.debArch}`);
    const upstreamVersion = deb.version.replace(/-.*$/, '');
    const corr = MUSL_CORRECTIONS[upstreamVersion];
    if (!corr) throw new Error(`${deb.file}: no correction table for musl ${upstreamVersion}`);
    const dir = extractDeb(deb);
    try {
      const { names } = await readMuslLibc(dir);
      checkCorrection(upstreamVersion, arch, new Set(names), corr);
      if (!measured.has(upstreamVersion)) measured.set(upstreamVersion, { debianVersion: deb.version, arches: {} });
      const v = measured.get(upstreamVersion);
      if (v.debianVersion !== deb.version) throw new Error(`musl ${upstreamVersion}: mixed Debian versions ${v.debianVersion} and ${deb.version}`);
      v.arches[arch] = { debianExports: names.join(' '), sha256: deb.sha256 };
      provenance.push(provenanceOf(deb));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const versions = [];
  for (const [version, v] of [...measured].sort(([a], [b]) => compareDotted(a, b))) {
    const corr = MUSL_CORRECTIONS[version];
    versions.push({
      version,
      derived: false,
      derivedFrom: null,
      debianVersion: v.debianVersion,
      corrections: { add: sortedUnique(corr.add), remove: sortedUnique(corr.remove), reason: corr.reason },
      lfs64Remap: corr.lfs64Remap,
      lfs64NameMax: corr.lfs64NameMax,
      note: corr.note,
      arches: sortKeys(v.arches),
    });
  }
  for (const d of DERIVED_MUSL) {
    if (!measured.has(d.derivedFrom)) throw new Error(`derived musl ${d.version}: base ${d.derivedFrom} was not measured`);
    versions.push({
      version: d.version,
      derived: true,
      derivedFrom: d.derivedFrom,
      debianVersion: null,
      corrections: { add: sortedUnique(d.add), remove: sortedUnique(d.remove), reason: d.reason },
      lfs64Remap: d.lfs64Remap,
      lfs64NameMax: d.lfs64NameMax,
      note: d.note,
      arches: {},
    });
  }
  versions.sort((a, b) => compareDotted(a.version, b.version));
  if (upstream) await checkUpstream(versions, upstream);
  return {
    schemaVersion: 1,
    kind: 'musl',
    provenance: provenance.sort(byFile),
    lfs64: { names: sortedUnique(LFS64_NAMES), source: LFS64_SOURCE },
    selfSonames: { prefixes: sortedUnique(SELF_SONAME_PREFIXES), source: SELF_SONAME_SOURCE },
    versions,
  };
}

/** correctedSet computes a version's x86_64 corrected export list from the generated records. */
function correctedSet(versions, version, arch) {
  const v = versions.find((x) => x.version === version);
  if (v.derivedFrom === null) return applyCorrection(v.arches[arch].debianExports.split(' '), v.corrections);
  return applyCorrection(correctedSet(versions, v.derivedFrom, arch), v.corrections);
}

/** checkUpstream compares the corrected/derived x86_64 sets with upstream musl builds. */
async function checkUpstream(versions, dir) {
  for (const version of ['1.2.3', '1.2.4', '1.2.5']) {
    const libc = join(dir, `src-${version}`, 'lib', 'libc.so');
    const upstream = defaultExportNames(await readElf(libc));
    const ours = correctedSet(versions, version, 'x86_64');
    const missing = upstream.filter((n) => !ours.includes(n));
    const extra = ours.filter((n) => !upstream.includes(n));
    if (missing.length > 0 || extra.length > 0) {
      throw new Error(`musl ${version} x86_64 differs from the upstream build ${libc}: missing ${missing.join(' ') || '-'}; extra ${extra.join(' ') || '-'}`);
    }
    console.error(`gen-data: musl ${version} x86_64 equals the upstream build (${upstream.length} names)`);
  }
}

/** isLibraryFile says whether a path inside a libc6 .deb is a shared library worth reading (not gconv/audit modules). */
function isLibraryFile(path) {
  return /\.so(\.\d+)*$/.test(basename(path)) && !/\/(gconv|audit)\//.test(path);
}

const GLIBC_NODE = /^GLIBC_(PRIVATE|\d+(\.\d+)*)$/;

/** genGlibc builds glibc.json from the libc6 .debs: per arch, per library, each name's oldest version node. */
async function genGlibc(debs) {
  const provenance = [];
  const arches = {};
  const releases = new Set();
  for (const deb of debs.filter((d) => d.package === 'libc6')) {
    const arch = DEBIAN_TO_MUSL_ARCH[deb.debArch];
    releases.add(deb.version.replace(/-.*$/, ''));
    const dir = extractDeb(deb);
    try {
      const a = (arches[arch] ??= { sonames: new Set(), libraries: {} });
      for (const file of walkFiles(dir).filter(isLibraryFile)) {
        let info;
        try {
          info = await readElf(file);
        } catch (e) {
          throw new Error(`${deb.file}: ${relative(dir, file)}: ${e.message}`);
        }
        if (!info.soname) continue;
        a.sonames.add(info.soname);
        const lib = (a.libraries[info.soname] ??= new Map());
        for (const e of info.exports) {
          if (e.version === null || !GLIBC_NODE.test(e.version) || e.name === e.version) continue;
          const prev = lib.get(e.name);
          lib.set(e.name, prev === undefined ? e.version : olderNode(prev, e.version));
        }
      }
      provenance.push(provenanceOf(deb));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const out = {};
  for (const arch of Object.keys(arches).sort()) {
    const a = arches[arch];
    const libraries = {};
    for (const soname of Object.keys(a.libraries).sort()) {
      const byVersion = {};
      for (const [name, version] of a.libraries[soname]) (byVersion[version] ??= []).push(name);
      if (Object.keys(byVersion).length === 0) continue;
      libraries[soname] = Object.fromEntries(
        Object.keys(byVersion)
          .sort(compareGlibcNodes)
          .map((v) => [v, sortedUnique(byVersion[v]).join(' ')]),
      );
    }
    out[arch] = { sonames: sortedUnique([...a.sonames]), libraries };
  }
  return { schemaVersion: 1, kind: 'glibc', provenance: provenance.sort(byFile), releases: [...releases].sort(compareDotted), arches: out };
}

/** olderNode picks the older of two glibc nodes; a public node always beats GLIBC_PRIVATE. */
function olderNode(a, b) {
  return compareGlibcNodes(a, b) <= 0 ? a : b;
}

/** compareGlibcNodes orders GLIBC_2.2.5 < GLIBC_2.17 < GLIBC_PRIVATE. */
function compareGlibcNodes(a, b) {
  const pa = a === 'GLIBC_PRIVATE' ? [Infinity] : a.slice(6).split('.').map(Number);
  const pb = b === 'GLIBC_PRIVATE' ? [Infinity] : b.slice(6).split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

/** compareDotted orders dotted numeric versions. */
function compareDotted(a, b) {
  const pa = a.split('.').map(Number);
  const pb = b.split('.').map(Number);
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) {
    const d = (pa[i] ?? 0) - (pb[i] ?? 0);
    if (d !== 0) return d;
  }
  return 0;
}

const CXX_NODE = /^(GLIBCXX|CXXABI|GCC)_/;

/** genLibstdcxx builds libstdcxx.json from the libstdc++6 and libgcc-s1 .debs (per arch), plus the derived releases. */
async function genLibstdcxx(debs) {
  const provenance = [];
  const measured = new Map();
  for (const deb of debs.filter((d) => d.package === 'libstdc++6' || d.package === 'libgcc-s1')) {
    const gcc = deb.version.replace(/^(\d+)\.(\d+).*$/, '$1.$2');
    const arch = DEBIAN_TO_MUSL_ARCH[deb.debArch];
    const dir = extractDeb(deb);
    try {
      const lib = walkFiles(dir).find((p) => /\/(libstdc\+\+\.so\.6\.\d+\.\d+|libgcc_s\.so\.1)$/.test(p));
      if (!lib) throw new Error(`${deb.file}: no libstdc++.so.6.x.y or libgcc_s.so.1`);
      const info = await readElf(lib);
      const r = measured.get(gcc) ?? { arches: {}, debs: [] };
      const nodes = (r.arches[arch] ??= new Set());
      for (const v of info.versionDefinitions) if (CXX_NODE.test(v)) nodes.add(v);
      r.debs.push(deb);
      measured.set(gcc, r);
      provenance.push(provenanceOf(deb));
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const releases = [...measured].map(([gcc, r]) => {
    const versions = sortedUnique(r.debs.map((d) => `${d.package} ${d.version} (${d.suite})`));
    return {
      gcc,
      derived: false,
      source: `Debian ${versions.join(', ')}: DT_VERDEF of libstdc++.so.6 and libgcc_s.so.1 per arch`,
      arches: sortKeys(Object.fromEntries(Object.entries(r.arches).map(([a, set]) => [a, sortedUnique([...set])]))),
    };
  });
  for (const d of GCC_DERIVED) {
    const base = releases.find((r) => r.gcc === d.from);
    const fallback = releases.find((r) => r.gcc === d.fallback);
    if (!base || !fallback) throw new Error(`derived GCC ${d.gcc}: base ${d.from} or fallback ${d.fallback} was not measured`);
    const arches = {};
    for (const arch of Object.keys(fallback.arches)) {
      if (base.arches[arch]) {
        arches[arch] = base.arches[arch].filter((n) => nodeWithin(n, d.maxima));
      } else {
        // no measured superset for this arch: the fallback release's nodes plus what the derived release adds on x86_64
        const added = base.arches.x86_64.filter((n) => nodeWithin(n, d.maxima) && !fallback.arches.x86_64.includes(n));
        arches[arch] = sortedUnique([...fallback.arches[arch].filter((n) => nodeWithin(n, d.maxima)), ...added]);
      }
    }
    releases.push({ gcc: d.gcc, derived: true, source: d.source, arches: sortKeys(arches) });
  }
  releases.sort((a, b) => compareDotted(a.gcc, b.gcc));
  return { schemaVersion: 1, kind: 'libstdcxx', provenance: provenance.sort(byFile), releases };
}

/** nodeWithin keeps a node when its family has no maximum or its number does not exceed the family's maximum. */
function nodeWithin(node, maxima) {
  const m = /^([A-Z]+)_(\d+(?:\.\d+)*)$/.exec(node);
  if (!m || !(m[1] in maxima)) return true;
  return compareDotted(m[2], maxima[m[1]]) <= 0;
}

/** genGcompat builds gcompat.json from the curated export list and metadata in scripts/data/. */
function genGcompat() {
  const listPath = join(here, 'data', 'gcompat-1.1.0-x86_64-exports.txt');
  const meta = JSON.parse(readFileSync(join(here, 'data', 'gcompat-meta.json'), 'utf8'));
  const parsed = parseGcompatExports(readFileSync(listPath, 'utf8'));
  const base = {
    version: meta.version,
    source: meta.source,
    symbols: sortedUnique(parsed.symbols),
    linked: sortKeys(Object.fromEntries(Object.entries(parsed.linked).map(([k, v]) => [k, sortedUnique(v)]))),
    sonames: sortedUnique(meta.sonames),
    traps: sortKeys(meta.traps),
  };
  const git = {
    ...base,
    version: meta.git.version,
    source: `${meta.git.source}; derived: gcompat ${meta.git.basedOn} plus ${meta.git.add.join(' ')}`,
    symbols: sortedUnique([...base.symbols, ...meta.git.add]),
  };
  return {
    schemaVersion: 1,
    kind: 'gcompat',
    provenance: [
      { package: 'gcompat', version: meta.version, arch: 'x86_64', sha256: sha256File(listPath), file: 'scripts/data/gcompat-1.1.0-x86_64-exports.txt' },
      { package: 'gcompat', version: meta.version, arch: 'any', sha256: sha256File(join(here, 'data', 'gcompat-meta.json')), file: 'scripts/data/gcompat-meta.json' },
    ],
    loaders: sortKeys(meta.loaders),
    profiles: [base, git],
  };
}

/** sortKeys returns a copy of an object with its keys in sorted order. */
function sortKeys(o) {
  return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
}

/** byFile orders provenance entries by file. */
function byFile(a, b) {
  return a.file < b.file ? -1 : a.file > b.file ? 1 : 0;
}

/** main runs the generator. */
async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const debs = ['bookworm', 'trixie', 'forky'].flatMap((suite) => {
    try {
      lstatSync(join(opts.cache, suite, 'SHA256SUMS'));
    } catch {
      throw new Error(`${join(opts.cache, suite)}: no SHA256SUMS; run scripts/data/fetch-debs.sh ${opts.cache} first`);
    }
    return listDebs(opts.cache, suite);
  });
  const files = {
    'musl.json': await genMusl(debs, opts.upstream),
    'glibc.json': await genGlibc(debs),
    'libstdcxx.json': await genLibstdcxx(debs),
    'gcompat.json': genGcompat(),
  };
  mkdirSync(opts.out, { recursive: true });
  for (const [name, data] of Object.entries(files)) {
    const text = formatJson(data);
    writeFileSync(join(opts.out, name), text);
    console.error(`gen-data: wrote ${join(opts.out, name)} (${text.length} bytes)`);
  }
}

main().catch((e) => {
  console.error(`gen-data: ${e.stack ?? e}`);
  process.exitCode = 1;
});
