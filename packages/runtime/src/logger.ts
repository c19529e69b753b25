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
  'REDIS_URL',
  '*.REDIS_URL',
  'SMTP_URL',
  '*.SMTP_URL',
  'ALERT_WEBHOOK_URL',
  '*.ALERT_WEBHOOK_URL',
];

// scheme://user:pass@ or scheme://user@ — the userinfo part of any URL inside a longer text.
const URL_USERINFO = /\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi;

/**
 * `text` with the credentials of every URL in it replaced: error messages of
 * drivers and HTTP clients quote the URL they failed on, and a stored error is
 * shown to people later.
 */
export function redactUrls(text: string): string {
  return text.replace(URL_USERINFO, '$1[redacted]@');
}

/**
 * A URL as a log line or a person may see it: scheme, host and port only. A
 * webhook's path is its password (Slack, Teams), and so is a URL's userinfo.
 */
export function urlOrigin(url: string): string {
  try {
    const u = new URL(url);
    return `${u.protocol}//${u.host}`;
  } catch {
    return '[unparseable URL]';
  }
}

// Errors are logged through this serializer: their messages and stacks lose URL credentials.
function errSerializer(err: unknown) {
  const out = pino.stdSerializers.err(err as Error) as unknown as Record<string, unknown>;
  for (const key of ['message', 'stack'])
    if (typeof out[key] === 'string') out[key] = redactUrls(out[key] as string);
  return out;
}

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
      serializers: { err: errSerializer },
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
