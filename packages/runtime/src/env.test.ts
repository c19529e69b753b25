import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BoolEnv, ConfigError, loadEnv, parseEnv } from './env.js';

describe('loadEnv', () => {
  it('gives every variable a working default', () => {
    const env = loadEnv({});
    expect(env.DATABASE_URL).toBe('postgres://postgres:postgres@127.0.0.1:5432/tagpulse');
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(env.API_PORT).toBe(3000);
    expect(env.LOG_LEVEL).toBe('info');
    expect(env.X_BEARER_TOKEN).toBeUndefined();
    expect(env.X_SEARCH_INDEX).toBe('auto');
  });

  it('coerces numbers and treats empty strings as unset', () => {
    const env = loadEnv({ API_PORT: '8080', X_BEARER_TOKEN: '', LOG_LEVEL: '' });
    expect(env.API_PORT).toBe(8080);
    expect(env.X_BEARER_TOKEN).toBeUndefined();
    expect(env.LOG_LEVEL).toBe('info');
  });

  it.each([
    ['DATABASE_URL', 'mysql://localhost/x', /DATABASE_URL: expected a postgres:\/\/ URL \(value hidden\)/],
    ['REDIS_URL', 'localhost:6379', /REDIS_URL: expected a redis:\/\/ URL/],
    ['API_PORT', 'eighty', /API_PORT: expected a port number/],
    ['API_PORT', '70000', /API_PORT: expected a port between 1 and 65535/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: .*\(got "loud"\)/],
    ['X_API_BASE_URL', 'ftp://x', /X_API_BASE_URL: expected an http\(s\):\/\/ URL/],
    ['X_SEARCH_INDEX', '2025', /X_SEARCH_INDEX: .*\(got "2025"\)/],
  ])('names the bad variable %s in one line', (name, value, message) => {
    const error = (() => {
      try {
        loadEnv({ [name]: value });
      } catch (err) {
        return err as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('\n');
  });

  it('never echoes a secret value', () => {
    expect(() => loadEnv({ X_BEARER_TOKEN: 'tooshort' })).toThrow(
      /^Invalid environment variable X_BEARER_TOKEN: .*\(value hidden\)$/,
    );
  });

  it.each([
    ['DATABASE_URL', 'mysql://app:pw-SECRET-1@db/x'],
    ['REDIS_URL', 'http://:pw-SECRET-1@redis:6379'],
    ['SMTP_URL', 'smtpx://mailer:pw-SECRET-1@mail:587'],
    ['ALERT_WEBHOOK_URL', 'ftp://hooks.example.org/T000/B000/pw-SECRET-1'],
  ])('never echoes a malformed %s, whose credentials or path are secret', (name, value) => {
    expect(() => loadEnv({ [name]: value })).toThrow(
      new RegExp(`^Invalid environment variable ${name}: .*\\(value hidden\\)$`),
    );
    expect(() => loadEnv({ [name]: value })).not.toThrow(/pw-SECRET-1/);
  });

  it('reports a required variable as not set', () => {
    expect(() => parseEnv(z.object({ SMTP_URL: z.string() }), {})).toThrow(/SMTP_URL: .*\(not set\)/);
  });
});

describe('BoolEnv', () => {
  it('reads only true and 1 as set', () => {
    const schema = z.object({ FLAG: BoolEnv });
    expect(parseEnv(schema, { FLAG: 'true' }).FLAG).toBe(true);
    expect(parseEnv(schema, { FLAG: '1' }).FLAG).toBe(true);
    expect(parseEnv(schema, { FLAG: 'false' }).FLAG).toBe(false);
    expect(parseEnv(schema, { FLAG: '0' }).FLAG).toBe(false);
  });
});
