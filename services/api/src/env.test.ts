import { ConfigError } from '@tagpulse/runtime';
import { describe, expect, it } from 'vitest';
import { loadApiEnv } from './env.js';

describe('loadApiEnv', () => {
  it('gives every variable a working default', () => {
    const env = loadApiEnv({});
    expect(env.API_PORT).toBe(3000);
    expect(env.DATABASE_URL).toBe('postgres://postgres:postgres@127.0.0.1:5432/tagpulse');
    // No replica: the API reads the primary.
    expect(env.DATABASE_READ_URL).toBeUndefined();
  });

  it('coerces numbers', () => {
    expect(loadApiEnv({ API_PORT: '8080' }).API_PORT).toBe(8080);
  });

  it.each([
    ['API_PORT', 'eighty', /API_PORT: expected a port number/],
    ['API_PORT', '70000', /API_PORT: expected a port between 1 and 65535/],
    ['CORS_ORIGINS', 'ftp://a.example', /CORS_ORIGINS: expected comma-separated http\(s\) origins/],
    [
      'DATABASE_READ_URL',
      'mysql://replica/x',
      /DATABASE_READ_URL: expected a postgres:\/\/ URL \(value hidden\)/,
    ],
  ])('names the bad variable %s in one line', (name, value, message) => {
    expect(() => loadApiEnv({ [name]: value })).toThrow(ConfigError);
    expect(() => loadApiEnv({ [name]: value })).toThrow(message);
    expect(() => loadApiEnv({ [name]: value })).not.toThrow(/\n/);
  });

  it("ignores the worker's settings: a bad one does not stop the API", () => {
    expect(loadApiEnv({ ALERT_EMAIL_TO: 'not-an-address', X_SEARCH_INDEX: '2025' }).API_PORT).toBe(3000);
  });
});
