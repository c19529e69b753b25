/**
 * Another client on the same X app token, as a second tool of the same team
 * would be: it spends the shared rate window, so workers meet real 429s
 * although they stop when their own reading says the window is spent.
 * Returns the function that stops it.
 */
export function xNoisyNeighbour(simUrl: string, everyMs = 50): () => void {
  const query = encodeURIComponent('#VirtualCTWeek');
  const timer = setInterval(() => {
    void fetch(`${simUrl}/2/tweets/search/recent?query=${query}&max_results=10`, {
      headers: { authorization: 'Bearer test-bearer-token-0123456789' },
    }).catch(() => {});
  }, everyMs);
  return () => clearInterval(timer);
}
