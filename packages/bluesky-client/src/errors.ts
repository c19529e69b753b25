/** The service's rate window is spent until `resetAt` (its `ratelimit-reset`). */
export class BlueskyRateLimitedError extends Error {
  override name = 'BlueskyRateLimitedError';
  constructor(readonly resetAt: Date) {
    super(`Bluesky: rate limit reached until ${resetAt.toISOString()}`);
  }
}

/** The service did not answer as asked: down, refused credentials, a malformed body, a timeout. */
export class BlueskyUnavailableError extends Error {
  override name = 'BlueskyUnavailableError';
  constructor(
    readonly status: number | undefined,
    detail: string,
  ) {
    super(`Bluesky: ${status === undefined ? '' : `HTTP ${status}: `}${detail}`);
  }
}
