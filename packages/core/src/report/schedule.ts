import { CronExpressionParser } from 'cron-parser';
import { DateTime, IANAZone } from 'luxon';
import type { Grain } from '../buckets.js';
import { isTimeZone } from '../buckets.js';

/** The calendar periods a schedule can report on; anything else is a cron expression. */
export const CALENDAR_PERIODS = ['daily', 'weekly', 'monthly'] as const;
export type CalendarPeriod = (typeof CALENDAR_PERIODS)[number];

const UNIT = { daily: 'day', weekly: 'week', monthly: 'month' } as const;

/**
 * When a calendar report is sent when the schedule does not say: 07:00 local after the period,
 * so posts X indexes late are in (search lags by minutes) and the report is there for the morning.
 */
const DEFAULT_SEND_AT: Record<CalendarPeriod, string> = {
  daily: '0 7 * * *',
  weekly: '0 7 * * 1',
  monthly: '0 7 1 * *',
};

export interface Period {
  from: Date;
  to: Date;
}

export function isCalendarPeriod(period: string): period is CalendarPeriod {
  return (CALENDAR_PERIODS as readonly string[]).includes(period);
}

/**
 * Why a cron expression is refused, or undefined when BullMQ's own parser (cron-parser) takes it.
 * Five fields, or six with leading seconds; the `@daily` shorthands too.
 */
export function cronProblem(expression: string, tz: string): string | undefined {
  const fields = expression.trim().split(/\s+/);
  if (!expression.trim().startsWith('@') && (fields.length < 5 || fields.length > 6)) {
    return `expected 5 fields (minute hour day month weekday) or 6 with seconds, got ${fields.length}`;
  }
  try {
    CronExpressionParser.parse(expression, { tz, strict: false }).next();
    return undefined;
  } catch (err) {
    return `invalid cron expression: ${(err as Error).message}`;
  }
}

/** The cron pattern the schedule's job scheduler fires on. */
export function firePattern(period: string, sendAt: string | null | undefined): string {
  if (!isCalendarPeriod(period)) return period;
  return sendAt ?? DEFAULT_SEND_AT[period];
}

/** The latest instant of the cron expression at or before `instant`. */
function latestFireAtOrBefore(expression: string, instant: Date, tz: string): Date {
  const it = CronExpressionParser.parse(expression, { tz, currentDate: new Date(instant.getTime() + 1) });
  return it.prev().toDate();
}

/**
 * The period a report fired at `fireAt` covers: for a calendar period, the last whole day, week
 * (Monday to Monday, ISO) or month in `tz` ended by then; for a cron expression, the time since the
 * expression's previous instant. Derived from the fire time, never from when a worker got to the
 * job, so a retry, a late worker and a second worker all name the same period.
 */
export function periodOfFire(period: string, fireAt: Date, tz: string): Period {
  if (isCalendarPeriod(period)) {
    const unit = UNIT[period];
    const end = DateTime.fromJSDate(fireAt, { zone: tz }).startOf(unit);
    return { from: end.minus({ [`${unit}s`]: 1 }).toJSDate(), to: end.toJSDate() };
  }
  const to = latestFireAtOrBefore(period, fireAt, tz);
  const it = CronExpressionParser.parse(period, { tz, currentDate: to });
  return { from: it.prev().toDate(), to };
}

/**
 * The period a report compares with: the calendar unit before (a 23-hour DST day compares with the
 * whole day before it, a month with the month before), or the cron interval before.
 */
export function previousPeriodOf(period: string, current: Period, tz: string): Period {
  if (isCalendarPeriod(period)) {
    const unit = UNIT[period];
    const to = DateTime.fromJSDate(current.from, { zone: tz });
    return { from: to.minus({ [`${unit}s`]: 1 }).toJSDate(), to: current.from };
  }
  const it = CronExpressionParser.parse(period, { tz, currentDate: current.from });
  return { from: it.prev().toDate(), to: current.from };
}

/** The grain of a report's chart and CSV: hours up to about a week, days up to a quarter, then weeks. */
export function seriesGrain(period: Period): Grain {
  const days = (period.to.getTime() - period.from.getTime()) / 86_400_000;
  if (days <= 8) return '1h';
  if (days <= 93) return '1d';
  return '1w';
}

/** A field of a schedule at fault, named as the API and the CLI name it. */
export interface FieldProblem {
  field: string;
  reason: string;
}

export interface ScheduleTiming {
  period: string;
  sendAt?: string | null | undefined;
  tz: string;
}

/** What is wrong with a schedule's timing, first fault first; empty when it is right. */
export function timingProblems({ period, sendAt, tz }: ScheduleTiming): FieldProblem[] {
  if (!isTimeZone(tz)) return [{ field: 'tz', reason: `unknown IANA time zone ${JSON.stringify(tz)}` }];
  const problems: FieldProblem[] = [];
  if (!isCalendarPeriod(period)) {
    const reason = cronProblem(period, tz);
    if (reason)
      problems.push({ field: 'period', reason: `daily, weekly, monthly or a cron expression: ${reason}` });
    else if (sendAt)
      problems.push({
        field: 'send_at',
        reason: 'a cron period is sent when it fires; send_at is for calendar periods',
      });
  } else if (sendAt) {
    const reason = cronProblem(sendAt, tz);
    if (reason) problems.push({ field: 'send_at', reason });
  }
  return problems;
}

// Deliberately plain: one @, no spaces or angle brackets, a dotted domain. Deliverability is the SMTP
// server's call; this catches typos and header injection, not every RFC 5322 oddity.
const ADDRESS =
  /^[^\s@<>(),;:"[\]\\]{1,64}@[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,62}[A-Za-z0-9])?)+$/;

export function isEmailAddress(address: string): boolean {
  return address.length <= 254 && ADDRESS.test(address);
}

/** Why a webhook URL is refused (only http and https, with no credentials in it), or undefined. */
export function webhookProblem(url: string): string | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return `not a URL: ${JSON.stringify(url)}`;
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') return 'only http and https webhooks';
  if (parsed.username || parsed.password) return 'credentials do not belong in a webhook URL';
  return undefined;
}

/** Faults in recipients and webhooks, each named by its list and index (`recipients.1`). */
export function destinationProblems({
  recipients,
  webhooks,
}: {
  recipients: readonly string[];
  webhooks: readonly string[];
}): FieldProblem[] {
  const problems: FieldProblem[] = [];
  recipients.forEach((r, i) => {
    if (!isEmailAddress(r))
      problems.push({ field: `recipients.${i}`, reason: `not an e-mail address: ${JSON.stringify(r)}` });
  });
  webhooks.forEach((w, i) => {
    const reason = webhookProblem(w);
    if (reason) problems.push({ field: `webhooks.${i}`, reason });
  });
  return problems;
}

/** The zone's offset from UTC at an instant, in milliseconds (a chart's local wall clock). */
export function zoneOffsetMs(instant: Date, tz: string): number {
  const minutes = IANAZone.create(tz).offset(instant.getTime());
  if (Number.isNaN(minutes)) throw new RangeError(`unknown time zone: ${tz}`);
  return minutes * 60_000;
}

/** The `count` latest instants a schedule fired at or before `instant`, newest first. */
export function recentFires({ period, sendAt, tz }: ScheduleTiming, instant: Date, count: number): Date[] {
  const it = CronExpressionParser.parse(firePattern(period, sendAt), {
    tz,
    currentDate: new Date(instant.getTime() + 1),
  });
  return Array.from({ length: count }, () => it.prev().toDate());
}

/** When a schedule fires next after `after`, and the period that run will report on. */
export function nextRun({ period, sendAt, tz }: ScheduleTiming, after: Date): { at: Date; period: Period } {
  const at = CronExpressionParser.parse(firePattern(period, sendAt), { tz, currentDate: after })
    .next()
    .toDate();
  return { at, period: periodOfFire(period, at, tz) };
}
