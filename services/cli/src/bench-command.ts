import { Command } from 'commander';

/**
 * `tagpulse bench` from @tagpulse/bench when it is installed; otherwise a command that says why
 * there is none (a production install leaves development dependencies out).
 */
export async function benchCommand(): Promise<Command> {
  try {
    return (await import('@tagpulse/bench')).benchCommand();
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== 'ERR_MODULE_NOT_FOUND' || !String(err).includes('@tagpulse/bench')) throw err;
    return new Command('bench')
      .description('benchmarks (not installed)')
      .allowUnknownOption()
      .allowExcessArguments()
      .action(() => {
        console.error(
          'tagpulse: the benchmarks are not installed here: @tagpulse/bench is a development dependency (run `pnpm install` without --prod)',
        );
        process.exitCode = 1;
      });
  }
}
