#!/usr/bin/env node
// `muslcheck --version` (or -V) alone answers from package.json without loading the CLI:
// the CLI's modules (commander most of all) take 25-35 ms to load, a third of the command.
// Anything else goes to main(), which prints the same version for `--version` in any other
// position (tested to agree: test/cli/cli.test.ts).
const args = process.argv.slice(2);
if (args.length === 1 && (args[0] === '--version' || args[0] === '-V')) {
  const { readFileSync } = await import('node:fs');
  process.stdout.write(`${JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')).version}\n`);
} else {
  const { main } = await import('../dist/cli.js');
  process.exitCode = await main(process.argv);
}
