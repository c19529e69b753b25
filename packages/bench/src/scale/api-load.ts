import autocannon from 'autocannon';

/**
 * Requests per second that the API processes at `urls` answer together, the load split evenly
 * between them (as a load balancer would): `paths` asked in turn with `key`, `connections` in all.
 */
export async function apiRps(
  urls: string[],
  key: string,
  paths: string[],
  { seconds, connections }: { seconds: number; connections: number },
): Promise<number> {
  const results = await Promise.all(
    urls.map((url) => {
      let n = 0;
      return autocannon({
        url: `${url}${paths[0]}`,
        connections: Math.max(1, Math.round(connections / urls.length)),
        duration: seconds,
        headers: { authorization: `Bearer ${key}` },
        requests: [
          {
            setupRequest: (request) => {
              n += 1;
              return { ...request, path: paths[n % paths.length] };
            },
          },
        ],
      });
    }),
  );
  const failed = results.reduce((sum, r) => sum + r.non2xx + r.errors + r.timeouts, 0);
  if (failed > 0) throw new Error(`${failed} requests failed or were not 2xx`);
  return results.reduce((sum, r) => sum + r.requests.average, 0);
}
