import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger, jobLogger } from './logger.js';

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
