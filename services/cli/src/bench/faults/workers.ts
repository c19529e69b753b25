import { type ChildProcess, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('../../../../../', import.meta.url));

/** A `tagpulse worker` process as an operator runs it; its last output is kept to explain a failure. */
export interface WorkerProcess {
  child: ChildProcess;
  output: string[];
  exited: Promise<number | null>;
  kill(signal: NodeJS.Signals): Promise<void>;
  /** Resident set size in bytes, from /proc (0 once the process is gone). */
  rss(): number;
}

export function spawnWorker(env: Record<string, string>): WorkerProcess {
  // Node itself with tsx's loader, not a shell shim: SIGKILL must reach the worker, not a wrapper.
  const child = spawn(process.execPath, ['--import', 'tsx', 'services/worker/src/main.ts'], {
    cwd: ROOT,
    env: { ...process.env, LOG_LEVEL: 'warn', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const reap = () => child.kill('SIGKILL');
  process.once('exit', reap);
  child.once('exit', () => process.off('exit', reap));
  const output: string[] = [];
  const keep = (chunk: Buffer) => {
    output.push(chunk.toString());
    if (output.length > 100) output.shift();
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return {
    child,
    output,
    exited,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
    rss: () => rssOf(child.pid),
  };
}

/** RSS of a process in bytes, read from /proc/PID/statm (pages × page size). */
export function rssOf(pid: number | undefined): number {
  if (pid === undefined) return 0;
  try {
    const statm = readFileSync(`/proc/${pid}/statm`, 'utf8');
    return Number(statm.split(' ')[1]) * 4096;
  } catch {
    return 0;
  }
}
