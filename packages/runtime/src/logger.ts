import { type DestinationStream, type Logger, pino } from 'pino';

export type { Logger } from 'pino';

/**
 * Paths pino censors wherever a secret may travel: request headers, config
 * objects and client options. Redaction works on keys, so secrets must never be
 * interpolated into message strings.
 */
export const REDACT_PATHS = [
  'authorization',
  'headers.authorization',
  'req.headers.authorization',
  'req.headers["x-api-key"]',
  'req.headers.cookie',
  '*.authorization',
  '*.headers.authorization',
  'bearerToken',
  '*.bearerToken',
  'apiKey',
  '*.apiKey',
  'accessToken',
  '*.accessToken',
  'password',
  '*.password',
  'X_BEARER_TOKEN',
  '*.X_BEARER_TOKEN',
  'SMTP_PASSWORD',
  '*.SMTP_PASSWORD',
  'DATABASE_URL',
  '*.DATABASE_URL',
];

export interface LoggerOptions {
  service: string;
  level?: string;
  version?: string;
  /** Where lines go; stdout by default. Tests pass a stream to read what was logged. */
  destination?: DestinationStream;
}

/** The one root logger of a process. Everything else logs through its children. */
export function createLogger({ service, level = 'info', version, destination }: LoggerOptions): Logger {
  return pino(
    {
      level,
      base: { service, ...(version ? { version } : {}) },
      redact: { paths: REDACT_PATHS, censor: '[redacted]' },
      timestamp: pino.stdTimeFunctions.isoTime,
    },
    destination,
  );
}

/** A child logger bound to one BullMQ job, so each line says which job wrote it. */
export function jobLogger(
  log: Logger,
  job: { queueName: string; name: string; id?: string | undefined },
  bindings: Record<string, unknown> = {},
): Logger {
  return log.child({ queue: job.queueName, job: job.name, jobId: job.id, ...bindings });
}
