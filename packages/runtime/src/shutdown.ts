import type { Logger } from 'pino';

export interface ShutdownOptions {
  log: Logger;
  /** The hard deadline: past it the process exits with code 1, whatever is still running. */
  timeoutMs: number;
  /** Injected so tests can observe the exit; `process.exit` in production. */
  exit?: (code: number) => void;
  /** The emitter signals arrive on; `process` in production. */
  signals?: Pick<NodeJS.Process, 'on' | 'off'>;
}

export interface Shutdown {
  /** Adds a step; steps run one after another, in the order they were registered. */
  register(name: string, step: () => Promise<void> | void): void;
  /** Starts the shutdown once; later calls return the same promise. */
  run(reason: string, exitCode?: number): Promise<void>;
  /** Runs the shutdown on SIGINT/SIGTERM and after an uncaught error. */
  listen(): void;
  readonly started: boolean;
}

/**
 * One graceful-shutdown routine per process: stop intake first, then queues,
 * Redis and Postgres (register them in that order). A second signal is
 * ignored rather than killing the process halfway through a commit; the hard
 * deadline covers a step that never returns.
 */
export function createShutdown({
  log,
  timeoutMs,
  exit = process.exit,
  signals = process,
}: ShutdownOptions): Shutdown {
  const steps: { name: string; step: () => Promise<void> | void }[] = [];
  let running: Promise<void> | undefined;

  async function runSteps(reason: string, exitCode: number): Promise<void> {
    log.info({ reason }, 'shutting down');
    const deadline = setTimeout(() => {
      log.error({ timeoutMs }, 'shutdown deadline passed; exiting');
      exit(1);
    }, timeoutMs);
    let code = exitCode;
    for (const { name, step } of steps) {
      try {
        await step();
        log.debug({ step: name }, 'shutdown step done');
      } catch (err) {
        code = 1;
        log.error({ err, step: name }, 'shutdown step failed');
      }
    }
    clearTimeout(deadline);
    log.info({ code }, 'shutdown complete');
    exit(code);
  }

  const onSignal = (signal: NodeJS.Signals) => {
    if (running) {
      log.warn({ signal }, 'already shutting down; signal ignored');
      return;
    }
    void shutdown.run(signal);
  };
  const onFatal = (err: unknown) => {
    log.fatal({ err }, 'uncaught error');
    void shutdown.run('uncaught error', 1);
  };

  const shutdown: Shutdown = {
    register(name, step) {
      if (steps.some((s) => s.name === name))
        throw new Error(`shutdown step "${name}" is already registered`);
      steps.push({ name, step });
    },
    run(reason, exitCode = 0) {
      running ??= runSteps(reason, exitCode);
      return running;
    },
    listen() {
      signals.on('SIGINT', onSignal);
      signals.on('SIGTERM', onSignal);
      signals.on('uncaughtException', onFatal);
      signals.on('unhandledRejection', onFatal);
    },
    get started() {
      return running !== undefined;
    },
  };
  return shutdown;
}
