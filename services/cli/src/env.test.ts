import { describe, expect, it } from 'vitest';
import { loadStartEnv } from './env.js';

describe('loadStartEnv', () => {
  it('reads the settings of both services it starts', () => {
    const env = loadStartEnv({ POLL_INTERVAL_MS: '2000', API_PORT: '8080' });
    expect(env.POLL_INTERVAL_MS).toBe(2000);
    expect(env.API_PORT).toBe(8080);
  });

  it.each([
    ['ALERT_EMAIL_TO', 'not-an-address'],
    ['API_CACHE_MB', 'lots'],
  ])('refuses a bad %s before either service is spawned', (name, value) => {
    expect(() => loadStartEnv({ [name]: value })).toThrow(
      new RegExp(`Invalid environment variable ${name}:`),
    );
  });
});
