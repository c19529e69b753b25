import { TWITTER_EPOCH_MS } from '@tagpulse/core';
import type { Version } from './post.js';
import type { World } from './world.js';

export interface ScanRange {
  /** Inclusive lower bound on the version's creation time (epoch ms). */
  startMs: number;
  /** Exclusive upper bound on the version's creation time. */
  endMs: number;
  /** Exclusive id bounds. */
  aboveId?: bigint | undefined;
  belowId?: bigint | undefined;
}

const EDIT_LANDING_MS = 32 * 60_000;

/**
 * Every version created in the range, newest id first, generating only the
 * slices the range touches. Callers decide what is visible (now, deletions,
 * searchable delay) and what matches.
 */
export function* versionsDescending(world: World, range: ScanRange): Generator<Version> {
  const { start, end } = world.window;
  let topMs = Math.min(range.endMs - 1, end + EDIT_LANDING_MS);
  if (range.belowId !== undefined) topMs = Math.min(topMs, idTime(range.belowId));
  let bottomMs = Math.max(range.startMs, start);
  if (range.aboveId !== undefined) bottomMs = Math.max(bottomMs, idTime(range.aboveId));
  for (let s = world.sliceOf(topMs); s >= world.sliceOf(bottomMs); s--) {
    for (const v of world.versionsWithIdIn(s)) {
      if (v.createdMs >= range.endMs || v.createdMs < range.startMs) continue;
      if (range.belowId !== undefined && v.idNum >= range.belowId) continue;
      if (range.aboveId !== undefined && v.idNum <= range.aboveId) continue;
      yield v;
    }
  }
}

function idTime(id: bigint): number {
  return Number((id >> 22n) + TWITTER_EPOCH_MS);
}
