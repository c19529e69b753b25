import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, jobLogger, redactUrls, urlOrigin } from './logger.js';

function capture() {
  const lines: string[] = [];
  const destination = new Writable({
    write(chunk, _encoding, done) {
      lines.push(String(chunk));
      done();
    },
  });
  return { lines, destination };
}

const SECRET = 'AAAAAAAAAAAAAAAAAAAAAsecretbearertoken0123456789';

describe('createLogger', () => {
  it('redacts secrets wherever they sit in a logged object', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'test', destination });
    log.info({ req: { headers: { authorization: `Bearer ${SECRET}` } } }, 'request');
    log.info({ config: { X_BEARER_TOKEN: SECRET, DATABASE_URL: `postgres://u:${SECRET}@h/db` } }, 'config');
    log.info({ client: { bearerToken: SECRET }, smtp: { password: SECRET }, apiKey: SECRET }, 'deps');
    const output = lines.join('');
    expect(lines).toHaveLength(3);
    expect(output).not.toContain(SECRET);
    expect(output).toContain('[redacted]');
  });

  it('redacts every *_URL the worker is configured with, and URL credentials inside logged errors', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'test', destination });
    log.info(
      {
        env: {
          REDIS_URL: `redis://:${SECRET}@redis:6379`,
          SMTP_URL: `smtp://mailer:${SECRET}@mail:587`,
          ALERT_WEBHOOK_URL: `https://hooks.slack.com/services/T0/B0/${SECRET}`,
        },
      },
      'config',
    );
    log.error(
      { err: new Error(`connect ECONNREFUSED for redis://default:${SECRET}@10.0.0.5:6379`) },
      'redis error',
    );
    const output = lines.join('');
    expect(output).not.toContain(SECRET);
    expect(output).toContain('redis://[redacted]@10.0.0.5:6379');
  });

  it('strips credentials from URLs in text, and keeps only a URL’s origin for people', () => {
    expect(redactUrls('smtp: 535 at smtp://u:p@mail:587 and postgres://app@db/x')).toBe(
      'smtp: 535 at smtp://[redacted]@mail:587 and postgres://[redacted]@db/x',
    );
    expect(redactUrls('no URL here: user@example.org')).toBe('no URL here: user@example.org');
    expect(urlOrigin('https://u:p@hooks.slack.com/services/T/B/X?q=1')).toBe('https://hooks.slack.com');
    expect(urlOrigin('not a url')).toBe('[unparseable URL]');
  });

  it('binds service, and queue and job on a job logger', () => {
    const { lines, destination } = capture();
    const log = createLogger({ service: 'worker', destination });
    jobLogger(log, { queueName: 'poll', name: 'poll-query', id: '42' }, { queryKey: 'q1' }).info('polled');
    const line = JSON.parse(lines[0] ?? '{}');
    expect(line).toMatchObject({
      service: 'worker',
      queue: 'poll',
      job: 'poll-query',
      jobId: '42',
      queryKey: 'q1',
    });
  });
});
