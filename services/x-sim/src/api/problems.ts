/**
 * Error bodies exactly as X sends them (see services/x-sim/README.md, "Sources").
 * Handlers throw {@link ApiError}; the server turns it into status + body.
 */
export const PROBLEM_BASE = 'https://api.twitter.com/2/problems/';

export type Problem = Record<string, unknown> & { title: string; type: string };

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: Problem,
  ) {
    super(`${status} ${body.title}`);
    this.name = 'ApiError';
  }
}

export interface ParameterError {
  parameters: Record<string, string[]>;
  message: string;
}

export function invalidRequest(errors: ParameterError[]): ApiError {
  return new ApiError(400, {
    errors,
    title: 'Invalid Request',
    detail: 'One or more parameters to your request was invalid.',
    type: `${PROBLEM_BASE}invalid-request`,
  });
}

export const unauthorized = (): ApiError =>
  new ApiError(401, { title: 'Unauthorized', type: 'about:blank', status: 401, detail: 'Unauthorized' });

export const notFound = (): ApiError =>
  new ApiError(404, { title: 'Not Found Error', type: 'about:blank', status: 404, detail: 'Not Found' });

export const tooManyRequests = (): ApiError =>
  new ApiError(429, {
    title: 'Too Many Requests',
    type: 'about:blank',
    status: 429,
    detail: 'Too Many Requests',
  });

export const usageCapped = (accountId: string, productName: string): ApiError =>
  new ApiError(429, {
    account_id: accountId,
    product_name: productName,
    title: 'UsageCapExceeded',
    period: 'Monthly',
    scope: 'Product',
    detail: 'Usage cap exceeded: Monthly product cap',
    type: `${PROBLEM_BASE}usage-capped`,
  });

export const internalError = (): ApiError =>
  new ApiError(500, {
    title: 'Internal Server Error',
    detail: 'Internal Server Error',
    type: 'about:blank',
    status: 500,
  });

/** X's 503 body was never captured verbatim; this is the OpenAPI GenericProblem shape. */
export const serviceUnavailable = (): ApiError =>
  new ApiError(503, {
    title: 'Service Unavailable',
    detail: 'Service Unavailable',
    type: 'about:blank',
    status: 503,
  });

/** The partial error of `GET /2/tweets?ids=` for an id that does not (or no longer) exist. */
export function tweetNotFound(id: string): Problem {
  return {
    value: id,
    detail: `Could not find tweet with id: [${id}].`,
    title: 'Not Found Error',
    resource_type: 'tweet',
    parameter: 'ids',
    resource_id: id,
    type: `${PROBLEM_BASE}resource-not-found`,
  };
}

/**
 * Pay-per-use with no credits left (or the spending limit reached). X's docs say
 * only that requests "will fail"; live X answers 402 `CreditsDepleted` as
 * application/json, 185 bytes for a 19-digit account id, which this body is
 * (see README, "Billing").
 */
export const creditsDepleted = (accountId: string): ApiError =>
  new ApiError(402, {
    title: 'CreditsDepleted',
    detail: `Your enrolled account [${accountId}] does not have any credits to fulfill this request.`,
    type: `${PROBLEM_BASE}credits`,
  });

/** An endpoint the access level does not include (full archive on Basic). */
export const clientForbidden = (): ApiError =>
  new ApiError(403, {
    client_id: '0',
    detail:
      'When authenticating requests to the Twitter API v2 endpoints, you must use keys and tokens from a Twitter developer App that is attached to a Project. You can create a project via the developer portal.',
    registration_url: 'https://developer.twitter.com/en/docs/projects/overview',
    title: 'Client Forbidden',
    required_enrollment: 'Appropriate Level of API Access',
    reason: 'client-not-enrolled',
    type: `${PROBLEM_BASE}client-forbidden`,
  });
