#!/usr/bin/env node
// The entry behind `npm start` and `npm test` on a fresh clone with only Node:
// it fetches pnpm at the pinned version, installs the dependencies from the
// lockfile, makes sure PostgreSQL and Redis run, then starts the service or the
// tests. Plain JavaScript without dependencies: nothing is installed yet.
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../', import.meta.url));
const { packageManager } = JSON.parse(readFileSync(new URL('package.json', `file://${root}`), 'utf8'));
const pnpmVersion = packageManager.replace(/^pnpm@/, '');

// Use a pnpm of the pinned version from PATH when there is one; else npx fetches it
// from the registry (corepack's signature check fails against this registry).
const local = spawnSync('pnpm', ['--version'], { encoding: 'utf8' });
const pnpm = local.stdout?.trim() === pnpmVersion ? ['pnpm'] : ['npx', '--yes', `pnpm@${pnpmVersion}`];

function step(args) {
  const [command, ...rest] = [...pnpm, ...args];
  const result = spawnSync(command, rest, { cwd: root, stdio: 'inherit' });
  if (result.status !== 0) process.exit(result.status ?? 1);
}

/**
 * Runs the last step as a child that owns the terminal and exits with its code. Ctrl-C reaches
 * every process of the terminal's group, the child included; a signal sent to this process
 * alone (npm passes SIGINT and SIGTERM on to its script) is passed on too: the service shuts
 * down once, however many copies arrive. The child is run without pnpm in between (pnpm dies
 * of the SIGINT itself), and package.json `exec`s this script: otherwise npm's `sh -c` stays
 * between npm and us, and dash, having seen the SIGINT, kills itself with it once we exit 0, so
 * npm would report the clean shutdown as death by SIGINT (exit 130).
 */
function finalStep(command, args) {
  const child = spawn(command, args, { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code, signal) => process.exit(code ?? (signal ? 1 : 0)));
}

const mode = process.argv[2];
step(['install', '--frozen-lockfile']);
if (mode === 'test') {
  step(['tagpulse', 'services']);
  finalStep('node_modules/.bin/vitest', ['run']);
} else if (mode === 'start') {
  // tsx as a loader, not its CLI: the CLI wrapper exits 130 on Ctrl-C whatever the service did.
  finalStep(process.execPath, ['--import', 'tsx', 'services/cli/src/main.ts', 'start']);
} else {
  console.error('usage: bootstrap.mjs start|test');
  process.exit(2);
}
