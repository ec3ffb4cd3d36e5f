#!/usr/bin/env node
// bundle: builds dist/cli.cjs, the CLI as one CommonJS script, and dist/launch.cjs, its
// launcher (below), from tsc's dist/cli.js and dist/launch.js and
// what it imports (commander and ora included). src/launch.ts runs it with V8's cached code;
// see there and docs/architecture.md ("Starting: one script and V8's code cache").
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
const outfile = `${dist}cli.cjs`;

/** ownUrl gives dist/'s modules their own file's URL for `import.meta.url`, and built-in modules by `require`. */
const ownUrl = {
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
};

const result = await build({
  entryPoints: [`${dist}cli.js`],
  outfile,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  plugins: [ownUrl],
  logLevel: 'silent',
});
// The launcher as CommonJS too (bin/muslcheck.cjs loads it), so that starting the CLI
// never starts Node's ES module loader. Loaded by `require`, it may import(): it imports
// the CLI's modules from tsc's build when the bundle above is missing.
const launcher = `${dist}launch.cjs`;
const launchResult = await build({
  entryPoints: [`${dist}launch.js`],
  outfile: launcher,
  bundle: true,
  platform: 'node',
  format: 'cjs',
  target: 'node20',
  plugins: [{ name: 'cli-external', setup: (b) => b.onResolve({ filter: /^\.\/cli\.js$/ }, () => ({ path: './cli.js', external: true })) }, ownUrl],
  logLevel: 'silent',
});
const problems = [...result.errors, ...result.warnings, ...launchResult.errors, ...launchResult.warnings];
const left = /\bimport\(|import\.meta/.exec(readFileSync(outfile, 'utf8'));
if (left !== null) problems.push({ text: `dist/cli.cjs still uses \`${left[0]}\` (see the top of scripts/bundle.mjs)` });
const launcherLeft = /import\.meta|\bimport\((?!"\.\/cli\.js"\))/.exec(readFileSync(launcher, 'utf8'));
if (launcherLeft !== null) problems.push({ text: `dist/launch.cjs still uses \`${launcherLeft[0]}\`` });
if (problems.length > 0) {
  for (const p of problems) console.error(`bundle: ${p.location ? `${p.location.file}:${p.location.line}: ` : ''}${p.text}`);
  process.exit(1);
}
