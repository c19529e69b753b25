import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';

/**
 * Runs `tagpulse <command>` in its own process, as deployed, so what is
 * measured does not share a thread with the load it is measured under.
 */
export function spawnCli(command: string, env: Record<string, string>): ChildProcess {
  const main = fileURLToPath(new URL('../main.ts', import.meta.url));
  return spawn(process.execPath, [...process.execArgv, main, command], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'inherit'],
  });
}

/** Stops a spawned process the way an orchestrator does, and waits for it. */
export async function stopCli(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  child.kill('SIGTERM');
  await once(child, 'exit');
}
