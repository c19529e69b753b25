import { ApiPartialResponseError, ApiRequestError, ApiResponseError } from 'twitter-api-v2';
import {
  XAuthError,
  XError,
  XInvalidRequestError,
  XRateLimitedError,
  XTransientError,
  XUsageCappedError,
} from './errors.js';
import { isRecord } from './is-record.js';

/** X's rate windows are 15 minutes; without a reset header, wait one window. */
const DEFAULT_RESET_MS = 15 * 60_000;

/**
 * Turns whatever the twitter-api-v2 client threw into an `XError` that says
 * what to do next. Messages are built from the status and X's problem body
 * only, and the original error is not kept as `cause`: it holds the request,
 * whose headers carry the bearer token.
 */
export function classifyError(err: unknown, now: Date = new Date()): XError {
  if (err instanceof XError) return err;
  if (err instanceof ApiResponseError) return classifyResponse(err, now);
  if (err instanceof ApiPartialResponseError) {
    return new XTransientError(`X response was cut off or unreadable: ${messageOf(err.responseError)}`);
  }
  if (err instanceof ApiRequestError) {
    return new XTransientError(`X request failed before a response: ${messageOf(requestCause(err))}`);
  }
  if (err instanceof SyntaxError) return new XTransientError(`X response was not valid JSON: ${err.message}`);
  return new XTransientError(`X call failed: ${messageOf(err)}`);
}

/**
 * The network error behind an `ApiRequestError`. twitter-api-v2 1.29.1 builds
 * it with `{ error }` but its `requestError` getter reads `requestError`, so
 * the getter is undefined in practice; read the option it really stored.
 */
function requestCause(err: ApiRequestError): unknown {
  const options = (err as unknown as { _options?: { error?: unknown } })._options;
  return err.requestError ?? options?.error;
}

function messageOf(cause: unknown): string {
  if (cause instanceof Error) return cause.message;
  return cause === undefined ? 'no detail' : String(cause);
}

function classifyResponse(err: ApiResponseError, now: Date): XError {
  const status = err.code;
  const data: Record<string, unknown> = isRecord(err.data) ? err.data : {};
  const type = typeof data.type === 'string' ? data.type : '';
  const title = typeof data.title === 'string' ? data.title : '';
  const detail = typeof data.detail === 'string' ? data.detail : '';
  const message = `X answered ${status}${title ? ` ${title}` : ''}${detail && detail !== title ? `: ${detail}` : ''}`;

  // 420 is v1's "Enhance Your Calm"; both are rate limits unless the body says usage cap.
  if (status === 429 || status === 420) {
    // The cap comes back as a 429 with rate headers still showing room (X-API.md §3, pitfall 8).
    if (type.endsWith('/usage-capped') || title === 'UsageCapExceeded') return new XUsageCappedError(message);
    return new XRateLimitedError(message, resetAt(err, now));
  }
  // 402 CreditsDepleted: pay-per-use credits or the spending limit are spent; like the cap, only a
  // person (buying credits, raising the limit) or the next billing month ends it.
  if (status === 402) return new XUsageCappedError(message);
  if (status === 401 || status === 403) return new XAuthError(message, status);
  if (status >= 500 || status === 408) return new XTransientError(message);
  return new XInvalidRequestError(message, parameterNames(data.errors));
}

function resetAt(err: ApiResponseError, now: Date): Date {
  const header = err.headers?.['x-rate-limit-reset'];
  const seconds = Number(Array.isArray(header) ? header[0] : header);
  if (Number.isFinite(seconds) && seconds > 0) return new Date(seconds * 1000);
  return new Date(now.getTime() + DEFAULT_RESET_MS);
}

/** X's 400 body lists the offending parameters as `errors[].parameters` keys. */
function parameterNames(errors: unknown): string[] {
  const names = new Set<string>();
  if (!Array.isArray(errors)) return [];
  for (const e of errors) {
    if (isRecord(e) && isRecord(e.parameters)) for (const name of Object.keys(e.parameters)) names.add(name);
  }
  return [...names];
}
