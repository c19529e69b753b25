/**
 * Public metrics grow after a post is first seen, so stored posts are looked
 * up again at about these ages (+1 h, +24 h, +7 d after posting).
 */
export const REFRESH_AGES_MS = [3_600_000, 86_400_000, 604_800_000] as const;

export interface RefreshSchedule {
  /** How many of the ages are already covered by the reading taken at `observedAt`. */
  stage: number;
  /** When the next look-up is due; null when none is left. */
  dueAt: Date | null;
}

/**
 * The next look-up after a reading at `observedAt`. Ages already passed are
 * skipped: a post first seen two days old has nothing left to learn from its
 * +1 h and +24 h readings.
 */
export function refreshSchedule(createdAt: Date, observedAt: Date): RefreshSchedule {
  const age = observedAt.getTime() - createdAt.getTime();
  const stage = REFRESH_AGES_MS.filter((a) => a <= age).length;
  const next = REFRESH_AGES_MS[stage];
  return { stage, dueAt: next === undefined ? null : new Date(createdAt.getTime() + next) };
}
