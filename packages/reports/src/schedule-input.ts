import {
  destinationProblems,
  type FieldProblem,
  isCalendarPeriod,
  parseHashtag,
  timingProblems,
} from '@tagpulse/core';
import { type Database, hashtagsRepository, type reportSchedulesRepository } from '@tagpulse/db';
import type { Kysely } from 'kysely';
import { REPORT_FORMATS, type ReportFormat } from './report-message.js';

export const REPORT_CHANNELS = ['email', 'webhook'] as const;
export type ReportChannel = (typeof REPORT_CHANNELS)[number];

/** A schedule as people write it (API body, CLI options), before it is checked. */
export interface ScheduleInput {
  name?: string | undefined;
  /** Tracked hashtags reported on together; `all` (or none) for all tracked hashtags. */
  hashtags: string[];
  period: string;
  send_at?: string | null | undefined;
  tz: string;
  recipients: string[];
  webhooks: string[];
  formats: ReportFormat[];
  /** Default: e-mail when there are recipients, webhook when there are webhooks. */
  channels?: ReportChannel[] | undefined;
  send_when_empty: boolean;
  enabled: boolean;
}

export type CheckedSchedule =
  | { ok: true; row: reportSchedulesRepository.NewReportSchedule }
  | { ok: false; problem: FieldProblem };

const fault = (field: string, reason: string): CheckedSchedule => ({ ok: false, problem: { field, reason } });

/**
 * Checks a schedule field by field, first fault first, so the API's 400 and the CLI's message name
 * the field to fix: the time zone, the cron expression (BullMQ's own parser), each address and
 * webhook, the channels against their destinations, and the hashtag against the tracked ones.
 */
export async function checkSchedule(db: Kysely<Database>, input: ScheduleInput): Promise<CheckedSchedule> {
  const period = input.period.trim();
  const timing = timingProblems({ period, sendAt: input.send_at, tz: input.tz });
  const destinations = destinationProblems(input);
  const first = timing[0] ?? destinations[0];
  if (first) return { ok: false, problem: first };
  const unknownFormat = input.formats.find((f) => !(REPORT_FORMATS as readonly string[]).includes(f));
  if (unknownFormat) return fault('formats', `unknown format ${JSON.stringify(unknownFormat)}`);
  if (input.formats.length === 0) return fault('formats', 'at least one of html, csv, json');
  const channels = input.channels ?? [
    ...(input.recipients.length > 0 ? (['email'] as const) : []),
    ...(input.webhooks.length > 0 ? (['webhook'] as const) : []),
  ];
  if (channels.includes('email') && input.recipients.length === 0)
    return fault('recipients', 'the email channel needs at least one recipient');
  if (channels.includes('webhook') && input.webhooks.length === 0)
    return fault('webhooks', 'the webhook channel needs at least one URL');

  const hashtags: string[] = [];
  const labels: string[] = [];
  if (!input.hashtags.some((h) => h.toLowerCase() === 'all')) {
    const tracked = await hashtagsRepository.listHashtags(db);
    for (const [i, tag] of input.hashtags.entries()) {
      const parsed = parseHashtag(tag);
      if (!parsed.ok) return fault(`hashtags.${i}`, parsed.reason);
      const known = tracked.find((h) => h.tag_key === parsed.key);
      if (!known) return fault(`hashtags.${i}`, `#${parsed.display} is not tracked`);
      if (!hashtags.includes(known.tag_key)) {
        hashtags.push(known.tag_key);
        labels.push(`#${known.display}`);
      }
    }
  }
  const label = hashtags.length === 0 ? 'all tracked hashtags' : labels.join(' ');
  const kind = isCalendarPeriod(period) ? `${period[0]?.toUpperCase()}${period.slice(1)} report` : 'Report';
  return {
    ok: true,
    row: {
      name: input.name?.trim() || `${kind}: ${label}`,
      hashtags,
      period,
      send_at: input.send_at?.trim() || null,
      tz: input.tz,
      recipients: [...new Set(input.recipients)],
      webhooks: [...new Set(input.webhooks)],
      formats: [...new Set(input.formats)],
      channels: [...new Set(channels)],
      send_when_empty: input.send_when_empty,
      enabled: input.enabled,
    },
  };
}
