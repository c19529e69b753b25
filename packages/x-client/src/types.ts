import type { MappedPage } from '@tagpulse/core';
import type { Billable } from './billable.js';

/** What X's rate-limit headers said on the last response. */
export interface RateLimit {
  limit: number;
  remaining: number;
  resetAt: Date;
}

export interface SearchParams {
  query: string;
  sinceId?: string;
  untilId?: string;
  startTime?: Date;
  endTime?: Date;
  nextToken?: string;
  /** 10–100 (10–500 on the archive); 100 by default. */
  maxResults?: number;
  /** `search/all` (the full archive) instead of `search/recent`. */
  archive?: boolean;
}

/** One page of `GET /2/tweets/search/recent` (or `search/all`), mapped. */
export interface SearchPage extends MappedPage {
  /** `meta.newest_id`/`oldest_id`: the largest and smallest ids on the page (absent on an empty page). */
  newestId: string | undefined;
  oldestId: string | undefined;
  /** Present when another page follows. */
  nextToken: string | undefined;
  /** Number of posts X returned, before mapping. */
  resultCount: number;
  rateLimit: RateLimit | undefined;
  /** What X bills for this page. */
  billable: Billable;
}

export type CountGranularity = 'minute' | 'hour' | 'day';

export interface CountBucket {
  start: Date;
  end: Date;
  count: number;
}

export interface CountsResult {
  buckets: CountBucket[];
  total: number;
  /** `counts/all` pages by 31 days: present when another page follows. */
  nextToken: string | undefined;
  rateLimit: RateLimit | undefined;
}

/** One day of `GET /2/usage/tweets`: the posts X counted against the project. */
export interface UsageDay {
  /** Midnight UTC of the day. */
  day: Date;
  posts: number;
}

export interface UsageReading {
  days: UsageDay[];
  projectUsage: number | undefined;
  projectCap: number | undefined;
  capResetDay: number | undefined;
}

/** Why a looked-up post did not come back. */
export interface MissingPost {
  id: string;
  /** `deleted` for X's resource-not-found, `protected` for not-authorized-for-resource. */
  reason: 'deleted' | 'protected' | 'other';
}

export interface LookupResult extends MappedPage {
  missing: MissingPost[];
  rateLimit: RateLimit | undefined;
  billable: Billable;
}
