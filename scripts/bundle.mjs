#!/usr/bin/env node
// bundle: builds, from tsc's build in dist/, three CommonJS scripts: dist/cli.cjs, the CLI
// and what it imports (commander and ora included), which src/launch.ts runs with V8's
// cached code (see there and docs/architecture.md, "Starting: one script and V8's code
// cache"); dist/launch.cjs, that launcher; dist/scan/worker.cjs, the scan's worker thread.
// None of them starts Node's ES module loader ("No ES module on the way to the CLI").
//
// `import.meta.url` has no meaning in CommonJS, so each of dist/'s modules gets the URL of
// its own file instead, computed from where the bundle is: the data, the worker and
// package.json are then found as before. A script compiled by `vm.Script` cannot import()
// (Node 20 has no loader for it there), so `import('node:…')` of a built-in module becomes
// `require`; the build stops on any other `import(` or `import.meta` left, or any warning.
//
//   node scripts/bundle.mjs        (npm run build runs it after tsc)
import { build } from 'esbuild';
import { readFileSync } from 'node:fs';
import { dirname, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const dist = fileURLToPath(new URL('../dist/', import.meta.url));

/**
 * ownUrl gives dist/'s modules, bundled into `outfile`, their own file's URL for
 * `import.meta.url`, and built-in modules by `require`.
 */
const ownUrl = (outfile) => ({
  name: 'own-url',
  setup(b) {
    b.onLoad({ filter: /\/dist\/.*\.js$/ }, (args) => {
      const text = readFileSync(args.path, 'utf8');
      const rel = JSON.stringify(relative(dirname(outfile), args.path));
      const contents = text
        .replaceAll('import.meta.url', `require('node:url').pathToFileURL(require('node:path').join(__dirname, ${rel})).href`)
        .replace(/\bimport\(('node:[a-z_/]+')\)/g, 'Promise.resolve(require($1))');
      return { contents, loader: 'js' };
    });
  },
});

/** bundle builds `outfile` from dist/'s `entry` as one CommonJS script; `allowed`: an `import(` it may keep. */
async function bundle(entry, outfile, plugins = [], allowed = null) {
  const result = await build({
    entryPoints: [`${dist}${entry}`],
    outfile: `${dist}${outfile}`,
    bundle: true,
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    plugins: [...plugins, ownUrl(`${dist}${outfile}`)],
    logLevel: 'silent',
  });
  const problems = [...result.errors, ...result.warnings];
  const text = readFileSync(`${dist}${outfile}`, 'utf8');
  const left = [...text.matchAll(/\bimport\([^)]*\)?|import\.meta/g)].find((m) => m[0] !== allowed);
  if (left !== undefined) problems.push({ text: `dist/${outfile} still uses \`${left[0]}\` (see the top of scripts/bundle.mjs)` });
  return problems;
}

const problems = [
  // The CLI, run by the launcher as a vm.Script with V8's cached code.
  ...(await bundle('cli.js', 'cli.cjs')),
  // The launcher as CommonJS too (bin/muslcheck.cjs loads it), so that starting the CLI
  // never starts Node's ES module loader. Loaded by `require`, it may import(): it imports
  // the CLI's modules from tsc's build when the bundle above is missing.
  ...(await bundle('launch.js', 'launch.cjs', [{ name: 'cli-external', setup: (b) => b.onResolve({ filter: /^\.\/cli\.js$/ }, () => ({ path: './cli.js', external: true })) }], 'import("./cli.js")')),
  // The scan's worker thread, for the same reason: src/scan/pool.ts starts it from here
  // when it is there (the engine it imports once given a scan is in it, loaded then).
  ...(await bundle('scan/worker.js', 'scan/worker.cjs')),
];
if (problems.length > 0) {
  for (const p of problems) console.error(`bundle: ${p.location ? `${p.location.file}:${p.location.line}: ` : ''}${p.text}`);
  process.exit(1);
}
