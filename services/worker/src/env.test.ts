import { ConfigError } from '@tagpulse/runtime';
import { describe, expect, it } from 'vitest';
import { loadWorkerEnv } from './env.js';

describe('loadWorkerEnv', () => {
  it('gives every variable a working default', () => {
    const env = loadWorkerEnv({});
    expect(env.X_BEARER_TOKEN).toBeUndefined();
    expect(env.X_SEARCH_INDEX).toBe('auto');
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(env.API_PORT).toBe(3000);
  });

  it('treats empty strings as unset', () => {
    expect(loadWorkerEnv({ X_BEARER_TOKEN: '' }).X_BEARER_TOKEN).toBeUndefined();
  });

  it.each([
    ['X_API_BASE_URL', 'ftp://x', /X_API_BASE_URL: expected an http\(s\):\/\/ URL/],
    ['X_SEARCH_INDEX', '2025', /X_SEARCH_INDEX: .*\(got "2025"\)/],
  ])('names the bad variable %s in one line', (name, value, message) => {
    expect(() => loadWorkerEnv({ [name]: value })).toThrow(ConfigError);
    expect(() => loadWorkerEnv({ [name]: value })).toThrow(message);
    expect(() => loadWorkerEnv({ [name]: value })).not.toThrow(/\n/);
  });

  it('never echoes a secret value', () => {
    expect(() => loadWorkerEnv({ X_BEARER_TOKEN: 'tooshort' })).toThrow(
      /^Invalid environment variable X_BEARER_TOKEN: .*\(value hidden\)$/,
    );
  });

  it.each([
    ['SMTP_URL', 'smtpx://mailer:pw-SECRET-1@mail:587'],
    ['ALERT_WEBHOOK_URL', 'ftp://hooks.example.org/T000/B000/pw-SECRET-1'],
  ])('never echoes a malformed %s, whose credentials or path are secret', (name, value) => {
    expect(() => loadWorkerEnv({ [name]: value })).toThrow(
      new RegExp(`^Invalid environment variable ${name}: .*\\(value hidden\\)$`),
    );
    expect(() => loadWorkerEnv({ [name]: value })).not.toThrow(/pw-SECRET-1/);
  });

  it("ignores the API's settings: a bad one does not stop the worker", () => {
    expect(loadWorkerEnv({ CORS_ORIGINS: 'ftp://a.example', API_CACHE_MB: 'lots' }).X_SEARCH_INDEX).toBe(
      'auto',
    );
  });
});
