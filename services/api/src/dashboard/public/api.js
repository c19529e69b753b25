// Calls to the query API with the key the user gave. The key lives in localStorage:
// the page is static and public, so it must not carry one itself.

const KEY_STORAGE = 'tagpulse.apiKey';

export class AuthError extends Error {}

export function storedKey() {
  return localStorage.getItem(KEY_STORAGE) ?? '';
}

export function storeKey(key) {
  localStorage.setItem(KEY_STORAGE, key.trim());
}

/**
 * A key handed over in the URL fragment (`/#key=…`, as `npm start` prints it) is stored and
 * removed from the address bar at once; fragments never reach the server or its logs.
 */
export function takeKeyFromFragment() {
  const key = new URLSearchParams(location.hash.slice(1)).get('key');
  if (!key) return;
  storeKey(key);
  history.replaceState(null, '', location.pathname + location.search);
}

/** GET /v1/… as JSON; `optional` turns a 404 into null (a route not built yet, an unknown hashtag). */
export async function getJson(path, params, { signal, optional = false } = {}) {
  const url = new URL(path, location.origin);
  for (const [name, value] of Object.entries(params ?? {})) {
    if (value !== undefined && value !== null) url.searchParams.set(name, String(value));
  }
  const res = await fetch(url, {
    headers: { authorization: `Bearer ${storedKey()}`, accept: 'application/json' },
    signal,
  });
  if (res.status === 401 || res.status === 403) {
    throw new AuthError((await problemDetail(res)) ?? 'the API key was refused');
  }
  if (res.status === 404 && optional) return null;
  if (!res.ok) throw new Error(`${url.pathname}: ${(await problemDetail(res)) ?? res.status}`);
  return res.json();
}

async function problemDetail(res) {
  try {
    return (await res.json()).detail;
  } catch {
    return undefined;
  }
}
