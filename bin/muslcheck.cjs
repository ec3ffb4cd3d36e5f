#!/bin/sh
':' //; unset NODE_EXTRA_CA_CERTS; case " $NODE_OPTIONS " in *" --max"[-_]"semi"[-_]"space"[-_]"size"*) exec node "$0" "$@";; esac; exec node --max-semi-space-size=4 "$0" "$@"
// LAUNCHER: this file is both a shell script and the CLI's JavaScript entry. Run as a
// command (npm's bin link, `npx muslcheck`), /bin/sh reads the line above and starts node
// on this same file with `--max-semi-space-size=4`; node reads that line as a string and
// a comment. The flag caps the calling thread's young generation, which V8 otherwise grows
// to two 16 MB semispaces while a scan's walk keeps its names: the largest single item of
// a scan's peak memory (/usr, first scan with the cache on: 191-193 MiB against 202-208;
// cold: 165-168 against 179-181; no slower: docs/performance.md, "Stop 18"). A V8 flag
// set once the process runs does not resize a heap already made, and `#!/usr/bin/env -S`
// is missing from some `env`s (BusyBox), hence a shell. A semispace size given in
// NODE_OPTIONS wins; `node bin/muslcheck.cjs` runs without the cap.
// The line also drops NODE_EXTRA_CA_CERTS: Node 20 reads and parses that bundle of TLS
// certificates when it starts, whether or not anything connects (30 ms of a 45 ms start
// here, with Debian's 140-certificate bundle), and muslcheck never opens a connection.
// `muslcheck --version` (or -V) alone answers from package.json without loading the CLI:
// the CLI's modules (commander most of all) take 25-35 ms to load, a third of the command.
// Anything else goes to main(), which prints the same version for `--version` in any other
// position (tested to agree: test/cli/cli.test.ts).
// COMMONJS: this file and the launcher it loads (dist/launch.cjs, bundled from
// src/launch.ts) are CommonJS, so that nothing on the way to the CLI starts Node's ES
// module loader: an ES module entry took 3-5 ms more to reach its first line, and importing
// dist/launch.js as an ES module 6 ms more (`muslcheck db list` 70 ms against 58, `--version`
// 24 against 17, an unchanged re-scan of /usr 216 against 211: docs/performance.md, "Stop 20").
// The `void` keeps the function below from being read as a call of the string above.
void (async () => {
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { readFileSync } = require('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(require('node:path').join(__dirname, '../package.json'), 'utf8')).version}\n`);
} else {
  // TIERING: V8 optimises a function once about 66 KB of its bytecode has run (the default
  // --interrupt-budget). A scan lasts seconds, so that eagerness had TurboFan compile ~360
  // functions on the same two cores as the scan, and ~60 deoptimisations compiled some of
  // them again. A budget 13 times larger leaves ~150 compilations, takes 0.3-0.4 s of CPU
  // and ~15 MB of peak RSS off a scan of /usr, and changes no output (docs/performance.md,
  // "Later tiering"). V8 flags are process-wide, so the pool's workers get it too. A budget
  // given to node itself (on its command line or in NODE_OPTIONS) wins.
  // The re-scan of an unchanged tree is the exception: a loop of one `stat` per file, over
  // in a fifth of a second, which runs sooner optimised, so while it lasts the budget is
  // V8's default again (17-20 ms of /usr's 0.27 s; docs/performance.md, "Stop 20"). The
  // budget is back before the CLI's code is cached: V8 refuses code cached under other flags.
  const given = [...process.execArgv, ...(process.env.NODE_OPTIONS ?? '').split(/\s+/)];
  let tune;
  if (!given.some((a) => /^--interrupt[-_]budget/.test(a))) {
    const { setFlagsFromString } = require('node:v8');
    setFlagsFromString('--interrupt-budget=900000');
    tune = (phase) => setFlagsFromString(`--interrupt-budget=${phase === 'verify' ? 67584 : 900000}`);
  }
  // The CLI runs from its one-file build with the code V8 compiled for it last time
  // (src/launch.ts; docs/architecture.md, "Starting"); from tsc's build alone, as a module.
  const { existsSync } = require('node:fs');
  const cjs = require('node:path').join(__dirname, '../dist/launch.cjs');
  const launcher = existsSync(cjs) ? require(cjs) : await import('../dist/launch.js');
  process.exitCode = await launcher.launch(process.argv, process.env, undefined, { tune });
}
})().catch((e) => {
  // The CLI reports its own errors (main never throws); this is the launcher failing (a
  // damaged build): a tool error, exit code 2.
  process.stderr.write(`muslcheck: error: cannot start: ${e instanceof Error ? e.message : String(e)}\n`);
  process.exitCode = 2;
});
