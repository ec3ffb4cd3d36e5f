/**
 * run: runs the built CLI (`node bin/muslcheck.cjs`, after `tsc`) as a subprocess
 * from the repository root, the way a user or CI runs it.
 */
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** REPO is the repository root (goldens use paths relative to it). */
export const REPO = fileURLToPath(new URL('../../', import.meta.url));

/** BIN is the CLI entry point. */
export const BIN = 'bin/muslcheck.cjs';

/** CliResult is what one run produced. */
export interface CliResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * cliEnv is a clean environment: no colour, no terminal, CI set (no spinner),
 * and none of the caller's MUSLCHECK_* settings.
 */
export function cliEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) if (!k.startsWith('MUSLCHECK_') && k !== 'FORCE_COLOR') env[k] = v;
  return { ...env, CI: '1', NO_COLOR: '1', ...extra };
}

/** assertBuilt fails early with a useful message when dist/ is missing. */
export function assertBuilt(): void {
  if (!existsSync(new URL('../../dist/cli.js', import.meta.url))) throw new Error('dist/cli.js is missing: run `npx tsc -p .` (npm test does) before the CLI tests');
}

/** runCli runs muslcheck with the given arguments from the repository root. */
export function runCli(args: readonly string[], env: Record<string, string> = {}): Promise<CliResult> {
  return runCommand(process.execPath, [BIN, ...args], env);
}

/** runShell runs a shell command line from the repository root (for pipes). */
export function runShell(line: string, env: Record<string, string> = {}): Promise<CliResult> {
  return runCommand('/bin/sh', ['-c', line], env);
}

/** runCommand spawns a process, collects its output and resolves when it exits. */
function runCommand(file: string, args: readonly string[], env: Record<string, string>): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(file, args, { cwd: REPO, env: cliEnv(env), stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}
