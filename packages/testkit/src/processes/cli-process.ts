import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';

/**
 * Runs `tagpulse <command>` in its own process, as deployed, so what is
 * measured does not share a thread with the load it is measured under.
 */
export function spawnCli(command: string, env: Record<string, string>): ChildProcess {
  const main = fileURLToPath(new URL('../../../../services/cli/src/main.ts', import.meta.url));
  // tsx's loader named, not inherited: a test runner's process has none to pass on.
  return spawn(process.execPath, ['--import', 'tsx', main, command], {
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

/** The API in its own process, as deployed, so the load generator does not share its CPU; once it is ready. */
export async function startApi(env: Record<string, string>): Promise<{ child: ChildProcess; url: string }> {
  const child = spawnCli('api', env);
  const url = `http://127.0.0.1:${env.API_PORT}`;
  // A deadline, not a measure: a loaded machine takes 15 s or more to start it.
  for (let i = 0; i < 1_200; i++) {
    if (child.exitCode !== null) throw new Error(`the API exited with code ${child.exitCode}`);
    const ok = await fetch(`${url}/readyz`).then(
      (r) => r.ok,
      () => false,
    );
    if (ok) return { child, url };
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('the API did not become ready in 120 s');
}

/** A process's resident memory in MB, from /proc (Linux). */
export async function rssMb(pid: number): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8');
  const kb = Number(/^VmRSS:\s+(\d+) kB/m.exec(status)?.[1] ?? Number.NaN);
  return kb / 1024;
}
