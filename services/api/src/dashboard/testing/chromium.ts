import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/** Debian's Chromium: playwright-core drives it; playwright's own browser downloads cannot reach the internet here. */
export const CHROMIUM = '/usr/bin/chromium';

function aptGet(args: string[]): boolean {
  const result = spawnSync('apt-get', args, {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
    encoding: 'utf8',
    timeout: 600_000,
  });
  return result.status === 0;
}

/**
 * Installs Debian's `chromium` when it is missing, so the browser test runs on a fresh
 * machine. Needs root (as CI and the development machines are); otherwise it says what to run.
 * A fresh machine may have no package lists yet: install, and on failure update and retry.
 */
export function ensureChromium(): string {
  if (existsSync(CHROMIUM)) return CHROMIUM;
  if (process.getuid?.() !== 0) {
    throw new Error(`${CHROMIUM} is missing; install it with: sudo apt-get install -y chromium`);
  }
  const install = ['install', '-y', 'chromium'];
  if (!aptGet(install) && !(aptGet(['update']) && aptGet(install))) {
    throw new Error('apt-get install -y chromium failed; run it by hand to see why');
  }
  if (!existsSync(CHROMIUM)) throw new Error(`apt-get installed chromium, but ${CHROMIUM} is not there`);
  return CHROMIUM;
}
