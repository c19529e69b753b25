/**
 * The bucket with the most posts, the earliest on a tie; null when the period had none.
 * `to` of the last bucket is the period's end (a bucket never reaches past it).
 */
export function peakBucket(
  points: readonly { t: Date; posts: number }[],
  periodEnd: Date,
): { from: Date; to: Date; posts: number } | null {
  let best = -1;
  for (let i = 0; i < points.length; i++) {
    const p = points[i];
    if (p && p.posts > 0 && (best < 0 || p.posts > (points[best]?.posts ?? 0))) best = i;
  }
  const peak = points[best];
  if (!peak) return null;
  const next = points[best + 1];
  return { from: peak.t, to: next ? next.t : periodEnd, posts: peak.posts };
}
