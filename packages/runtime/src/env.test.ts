import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { BoolEnv, ConfigError, loadSharedEnv, parseEnv } from './env.js';

describe('loadSharedEnv', () => {
  it('gives every variable a working default', () => {
    const env = loadSharedEnv({});
    expect(env.DATABASE_URL).toBe('postgres://postgres:postgres@127.0.0.1:5432/tagpulse');
    expect(env.REDIS_URL).toBe('redis://127.0.0.1:6379');
    expect(env.LOG_LEVEL).toBe('info');
  });

  it("reads a Redis Cluster's seed nodes from a comma-separated REDIS_URL, and the cluster flag", () => {
    const env = loadSharedEnv({ REDIS_URL: 'redis://a:7000, redis://b:7001', REDIS_CLUSTER: '1' });
    expect(env.REDIS_URL).toBe('redis://a:7000, redis://b:7001');
    expect(env.REDIS_CLUSTER).toBe(true);
    expect(loadSharedEnv({}).REDIS_CLUSTER).toBe(false);
    expect(() => loadSharedEnv({ REDIS_URL: 'redis://a:7000,b:7001' })).toThrow(
      /REDIS_URL: expected a redis:\/\/ URL, or several comma-separated/,
    );
  });

  it('treats empty strings as unset', () => {
    expect(loadSharedEnv({ LOG_LEVEL: '' }).LOG_LEVEL).toBe('info');
  });

  it.each([
    ['DATABASE_URL', 'mysql://localhost/x', /DATABASE_URL: expected a postgres:\/\/ URL \(value hidden\)/],
    ['REDIS_URL', 'localhost:6379', /REDIS_URL: expected a redis:\/\/ URL/],
    ['LOG_LEVEL', 'loud', /LOG_LEVEL: .*\(got "loud"\)/],
  ])('names the bad variable %s in one line', (name, value, message) => {
    const error = (() => {
      try {
        loadSharedEnv({ [name]: value });
      } catch (err) {
        return err as Error;
      }
    })();
    expect(error).toBeInstanceOf(ConfigError);
    expect(error?.message).toMatch(message);
    expect(error?.message).not.toContain('\n');
  });

  it.each([
    ['DATABASE_URL', 'mysql://app:pw-SECRET-1@db/x'],
    ['REDIS_URL', 'http://:pw-SECRET-1@redis:6379'],
  ])('never echoes a malformed %s, whose credentials are secret', (name, value) => {
    expect(() => loadSharedEnv({ [name]: value })).toThrow(
      new RegExp(`^Invalid environment variable ${name}: .*\\(value hidden\\)$`),
    );
    expect(() => loadSharedEnv({ [name]: value })).not.toThrow(/pw-SECRET-1/);
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
