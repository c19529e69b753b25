import http from 'node:http';
import { type ITwitterApiClientPlugin, TwitterApi, type TwitterApiReadOnly } from 'twitter-api-v2';

const X_API_HOST = 'api.x.com';

/**
 * Redirects the client from api.x.com to another base URL (x-sim). It rewrites
 * the computed URL in `onBeforeRequest`, after the rate-limit key was taken, so
 * rate-limit bookkeeping still sees the real endpoint names.
 */
export function baseUrlPlugin(baseUrl: string): ITwitterApiClientPlugin {
  const target = new URL(baseUrl);
  return {
    onBeforeRequest({ computedParams }) {
      if (computedParams.url.hostname === X_API_HOST) {
        computedParams.url.protocol = target.protocol;
        computedParams.url.host = target.host;
      }
    },
    onBeforeStreamRequestConfig({ params }) {
      params.url = params.url.replace(/^https:\/\/api\.x\.com/, target.origin);
    },
  };
}

/**
 * A read-only X client. With `baseUrl` it talks to that server instead of the
 * real API; an http:// base needs an http.Agent because the library always
 * calls `https.request`.
 */
export function createXClient(bearerToken: string, baseUrl?: string): TwitterApiReadOnly {
  if (!baseUrl) return new TwitterApi(bearerToken).readOnly;
  const isHttp = new URL(baseUrl).protocol === 'http:';
  return new TwitterApi(bearerToken, {
    plugins: [baseUrlPlugin(baseUrl)],
    ...(isHttp ? { httpAgent: new http.Agent({ keepAlive: true }) } : {}),
  }).readOnly;
}
