import type { ClientRequest, IncomingHttpHeaders, IncomingMessage } from 'node:http';
import { ApiPartialResponseError, ApiRequestError, ApiResponseError } from 'twitter-api-v2';
import { describe, expect, it } from 'vitest';
import { classifyError } from './classify-error.js';
import {
  XAuthError,
  XInvalidRequestError,
  XRateLimitedError,
  XTransientError,
  XUsageCappedError,
} from './errors.js';

// Built the way twitter-api-v2's request handler builds them (request-handler.helper.ts);
// the integration tests get the same errors from real responses served by x-sim.
const request = {} as ClientRequest;
const response = {} as IncomingMessage;
function responseError(code: number, data: unknown, headers: IncomingHttpHeaders = {}): ApiResponseError {
  return new ApiResponseError(`Request failed with code ${code}`, {
    code,
    request,
    response,
    headers,
    data: data as ApiResponseError['data'],
  });
}

const now = new Date('2026-11-28T23:50:00.000Z');

describe('classifyError', () => {
  it('reads a rate-limit 429 with the reset from x-rate-limit-reset', () => {
    const err = classifyError(
      responseError(
        429,
        { title: 'Too Many Requests', type: 'about:blank', status: 429, detail: 'Too Many Requests' },
        { 'x-rate-limit-reset': '1795824900', 'x-rate-limit-remaining': '0' },
      ),
      now,
    );
    expect(err).toBeInstanceOf(XRateLimitedError);
    expect((err as XRateLimitedError).resetAt).toEqual(new Date(1_795_824_900_000));
    expect(err.message).toBe('X answered 429 Too Many Requests');
  });

  it('waits one 15-minute window when a 429 has no reset header', () => {
    const err = classifyError(responseError(429, { title: 'Too Many Requests', type: 'about:blank' }), now);
    expect((err as XRateLimitedError).resetAt).toEqual(new Date(now.getTime() + 15 * 60_000));
  });

  it.each([
    ['type', { title: 'Too Many Requests', type: 'https://api.twitter.com/2/problems/usage-capped' }],
    ['x.com type', { title: 'Too Many Requests', type: 'https://api.x.com/2/problems/usage-capped' }],
    [
      'title',
      { title: 'UsageCapExceeded', type: 'about:blank', detail: 'Usage cap exceeded: Monthly product cap' },
    ],
  ])('tells a usage cap by its %s', (_by, body) => {
    const err = classifyError(responseError(429, body, { 'x-rate-limit-remaining': '299' }), now);
    expect(err).toBeInstanceOf(XUsageCappedError);
    expect(err.kind).toBe('usage-capped');
  });

  it.each([401, 403])('maps %i to an auth error', (status) => {
    const err = classifyError(
      responseError(status, { title: 'Unauthorized', type: 'about:blank', status }),
      now,
    );
    expect(err).toBeInstanceOf(XAuthError);
    expect((err as XAuthError).status).toBe(status);
  });

  it('lists the parameters X named in a 400', () => {
    const err = classifyError(
      responseError(400, {
        errors: [
          {
            parameters: { max_results: ['5'] },
            message: 'The `max_results` query parameter value [5] is not between 10 and 100',
          },
          { parameters: { since_id: ['1'], max_results: ['5'] }, message: '…' },
        ],
        title: 'Invalid Request',
        detail: 'One or more parameters to your request was invalid.',
        type: 'https://api.twitter.com/2/problems/invalid-request',
      }),
      now,
    );
    expect(err).toBeInstanceOf(XInvalidRequestError);
    expect((err as XInvalidRequestError).parameters).toEqual(['max_results', 'since_id']);
    expect(err.message).toBe(
      'X answered 400 Invalid Request: One or more parameters to your request was invalid.',
    );
  });

  it.each([500, 502, 503, 504])('maps %i to a transient error', (status) => {
    expect(classifyError(responseError(status, { title: 'Service Unavailable' }), now)).toBeInstanceOf(
      XTransientError,
    );
  });

  it('maps a 5xx with a non-JSON body to a transient error', () => {
    expect(classifyError(responseError(502, '<html>Bad Gateway</html>'), now)).toBeInstanceOf(
      XTransientError,
    );
  });

  it('maps network failures and cut-off bodies to transient errors', () => {
    const network = new ApiRequestError('Request failed.', { request, error: new Error('socket hang up') });
    const partial = new ApiPartialResponseError('Response has been interrupted', {
      request,
      response,
      rawContent: '{"data":[{"id":"1',
      responseError: new SyntaxError('Unexpected end of JSON input'),
    });
    expect(classifyError(network, now).message).toBe('X request failed before a response: socket hang up');
    expect(classifyError(partial, now).message).toBe(
      'X response was cut off or unreadable: Unexpected end of JSON input',
    );
    expect(classifyError(new SyntaxError('Unexpected token'), now)).toBeInstanceOf(XTransientError);
  });

  it('passes an XError through unchanged', () => {
    const err = new XAuthError('no', 401);
    expect(classifyError(err, now)).toBe(err);
  });

  it('never keeps the library error, whose request carries the token', () => {
    expect(classifyError(responseError(503, {}), now).cause).toBeUndefined();
  });
});
