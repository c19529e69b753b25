/**
 * Runs a command's body and turns an error into one line on stderr and exit
 * code 1: a user needs the reason, not a stack trace.
 */
export async function runCommand(body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (err) {
    const error = err as Error;
    const cause = error.cause instanceof Error ? ` (${error.cause.message})` : '';
    console.error(`tagpulse: ${error.message}${cause}`);
    process.exitCode = 1;
  }
}
