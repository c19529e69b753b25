/**
 * X failures, classified by what the caller must do about them. Everything
 * the twitter-api-v2 client throws leaves this package as one of these.
 */
export abstract class XError extends Error {
  abstract readonly kind: 'rate-limited' | 'usage-capped' | 'auth' | 'invalid-request' | 'transient';
}

/** 429 with the window spent: wait until `resetAt`, do not retry sooner. */
export class XRateLimitedError extends XError {
  override name = 'XRateLimitedError';
  readonly kind = 'rate-limited';
  constructor(
    message: string,
    readonly resetAt: Date,
  ) {
    super(message);
  }
}

/** 429 `UsageCapExceeded`: the monthly post cap is spent; retrying in 15 minutes will not help. */
export class XUsageCappedError extends XError {
  override name = 'XUsageCappedError';
  readonly kind = 'usage-capped';
}

/** 401/403: the token is wrong or lacks access; only a person can fix it. */
export class XAuthError extends XError {
  override name = 'XAuthError';
  readonly kind = 'auth';
  constructor(
    message: string,
    readonly status: number,
  ) {
    super(message);
  }
}

/** 400: the request itself is wrong (query too long, since_id beyond the window …). */
export class XInvalidRequestError extends XError {
  override name = 'XInvalidRequestError';
  readonly kind = 'invalid-request';
  constructor(
    message: string,
    /** X's `errors[].parameters` keys, such as `since_id`. */
    readonly parameters: string[],
  ) {
    super(message);
  }
}

/** 5xx, a network failure or a cut-off body: retry with backoff. */
export class XTransientError extends XError {
  override name = 'XTransientError';
  readonly kind = 'transient';
}
