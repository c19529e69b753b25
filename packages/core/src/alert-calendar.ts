import { DateTime } from 'luxon';

/**
 * When an alert rule stays quiet. Quiet hours and expected-event windows are
 * wall-clock times in the rule's IANA zone, so "22:00 to 07:00" keeps meaning
 * that across a DST change; silences are absolute instants.
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'] as const;
export type Weekday = (typeof WEEKDAYS)[number];

/** A daily span of wall-clock time, `HH:MM` to `HH:MM`; an end before the start runs past midnight. */
export interface QuietHours {
  start: string;
  end: string;
  /** Days on which the span starts; all when absent or empty. */
  days?: Weekday[] | undefined;
}

/** A scheduled event (a session, a launch): a surge inside it is annotated, not paged. */
export interface ExpectedWindow {
  name: string;
  /** `YYYY-MM-DDTHH:MM` in the rule's zone, or an ISO instant with an offset. */
  start: string;
  end: string;
}

/** No notices between two instants, for the rule's whole scope or one series. */
export interface Silence {
  from: string;
  to: string;
  reason?: string | undefined;
  series?: string | undefined;
}

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$/;

/** Minutes after midnight of `HH:MM`, or undefined when malformed. */
export function parseClock(value: string): number | undefined {
  const m = HHMM.exec(value);
  return m ? Number(m[1]) * 60 + Number(m[2]) : undefined;
}

/** An instant from an ISO instant with an offset, or a local `YYYY-MM-DDTHH:MM[:SS]` in `tz`. */
export function parseLocalInstant(value: string, tz: string): Date | undefined {
  const hasOffset = /(Z|[+-]\d{2}:\d{2})$/.test(value);
  const dt = hasOffset ? DateTime.fromISO(value, { setZone: true }) : DateTime.fromISO(value, { zone: tz });
  return dt.isValid && /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/.test(value) ? dt.toJSDate() : undefined;
}

/** True when `at` falls in one of the quiet spans, read on the wall clock of `tz`. */
export function inQuietHours(at: Date, spans: readonly QuietHours[], tz: string): boolean {
  if (spans.length === 0) return false;
  const local = DateTime.fromMillis(at.getTime(), { zone: tz });
  const minute = local.hour * 60 + local.minute;
  const today = WEEKDAYS[local.weekday - 1] as Weekday;
  const yesterday = WEEKDAYS[(local.weekday + 5) % 7] as Weekday;
  return spans.some((span) => {
    const start = parseClock(span.start);
    const end = parseClock(span.end);
    if (start === undefined || end === undefined || start === end) return false;
    const on = (day: Weekday) => !span.days?.length || span.days.includes(day);
    if (start < end) return on(today) && minute >= start && minute < end;
    // Past midnight: the evening belongs to today's span, the early morning to yesterday's.
    return (on(today) && minute >= start) || (on(yesterday) && minute < end);
  });
}

/** The expected-event window holding `at`, if any. */
export function expectedWindowAt(
  at: Date,
  windows: readonly ExpectedWindow[],
  tz: string,
): ExpectedWindow | undefined {
  return windows.find((w) => {
    const start = parseLocalInstant(w.start, tz);
    const end = parseLocalInstant(w.end, tz);
    return start !== undefined && end !== undefined && at >= start && at < end;
  });
}

/** The silence covering `at` for `series`, if any. */
export function silenceAt(at: Date, silences: readonly Silence[], series: string): Silence | undefined {
  return silences.find(
    (s) =>
      (s.series === undefined || s.series === series) &&
      at.getTime() >= Date.parse(s.from) &&
      at.getTime() < Date.parse(s.to),
  );
}
