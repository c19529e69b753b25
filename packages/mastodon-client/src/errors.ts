/** The instance's rate window is spent until `resetAt` (its `X-RateLimit-Reset`). */
export class MastodonRateLimitedError extends Error {
  override name = 'MastodonRateLimitedError';
  constructor(
    readonly instance: string,
    readonly resetAt: Date,
  ) {
    super(`${instance}: rate limit reached until ${resetAt.toISOString()}`);
  }
}

/** The instance did not answer with a timeline: down, a proxy's error page, a timeout, a refused request. */
export class MastodonUnavailableError extends Error {
  override name = 'MastodonUnavailableError';
  constructor(
    readonly instance: string,
    readonly status: number | undefined,
    detail: string,
  ) {
    super(`${instance}: ${status === undefined ? '' : `HTTP ${status}: `}${detail}`);
  }
}
