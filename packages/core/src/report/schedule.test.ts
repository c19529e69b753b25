import { describe, expect, it } from 'vitest';
import {
  destinationProblems,
  firePattern,
  nextRun,
  periodOfFire,
  previousPeriodOf,
  seriesGrain,
  timingProblems,
} from './schedule.js';

const at = (iso: string) => new Date(iso);

describe('periodOfFire', () => {
  it('reports a daily schedule on the last whole local day before the fire time', () => {
    // 07:00 in New York on 7 July 2020 (EDT, UTC-4).
    expect(periodOfFire('daily', at('2020-07-07T11:00:00Z'), 'America/New_York')).toEqual({
      from: at('2020-07-06T04:00:00Z'),
      to: at('2020-07-07T04:00:00Z'),
    });
  });

  it('names the same period for a retry hours later on the same day', () => {
    const first = periodOfFire('daily', at('2020-07-07T11:00:00Z'), 'America/New_York');
    // 19:59 in New York: still 7 July there, so still the 6th's report.
    expect(periodOfFire('daily', at('2020-07-07T23:59:00Z'), 'America/New_York')).toEqual(first);
    expect(periodOfFire('daily', at('2020-07-08T04:00:00Z'), 'America/New_York')).not.toEqual(first);
    expect(periodOfFire('daily', at('2020-07-07T11:00:00.999Z'), 'America/New_York')).toEqual(first);
  });

  it('gives a 23-hour day on a spring-forward day, compared with the whole day before it', () => {
    const day = periodOfFire('daily', at('2020-03-09T11:00:00Z'), 'America/New_York');
    expect(day).toEqual({ from: at('2020-03-08T05:00:00Z'), to: at('2020-03-09T04:00:00Z') });
    expect(previousPeriodOf('daily', day, 'America/New_York')).toEqual({
      from: at('2020-03-07T05:00:00Z'),
      to: at('2020-03-08T05:00:00Z'),
    });
  });

  it('reports weeks Monday to Monday and months by the calendar', () => {
    expect(periodOfFire('weekly', at('2020-07-13T05:00:00Z'), 'Europe/Vienna')).toEqual({
      from: at('2020-07-05T22:00:00Z'),
      to: at('2020-07-12T22:00:00Z'),
    });
    const march = periodOfFire('monthly', at('2020-04-01T07:00:00Z'), 'UTC');
    expect(march).toEqual({ from: at('2020-03-01T00:00:00Z'), to: at('2020-04-01T00:00:00Z') });
    expect(previousPeriodOf('monthly', march, 'UTC')).toEqual({
      from: at('2020-02-01T00:00:00Z'),
      to: at('2020-03-01T00:00:00Z'),
    });
  });

  it('reports a cron schedule on the time since its previous instant', () => {
    const period = periodOfFire('0 */6 * * *', at('2020-07-06T12:00:00Z'), 'UTC');
    expect(period).toEqual({ from: at('2020-07-06T06:00:00Z'), to: at('2020-07-06T12:00:00Z') });
    // A late worker (an hour after the instant) still names the instant's period.
    expect(periodOfFire('0 */6 * * *', at('2020-07-06T13:00:00Z'), 'UTC')).toEqual(period);
    expect(previousPeriodOf('0 */6 * * *', period, 'UTC')).toEqual({
      from: at('2020-07-06T00:00:00Z'),
      to: at('2020-07-06T06:00:00Z'),
    });
  });

  it('fires calendar schedules at 07:00 local unless told, cron schedules on their expression', () => {
    expect(firePattern('daily', null)).toBe('0 7 * * *');
    expect(firePattern('weekly', '30 8 * * 1')).toBe('30 8 * * 1');
    expect(firePattern('*/10 * * * *', null)).toBe('*/10 * * * *');
  });

  it('says when a schedule runs next and on which period', () => {
    expect(nextRun({ period: 'daily', tz: 'America/New_York' }, at('2020-07-07T12:00:00Z'))).toEqual({
      at: at('2020-07-08T11:00:00Z'),
      period: { from: at('2020-07-07T04:00:00Z'), to: at('2020-07-08T04:00:00Z') },
    });
    expect(nextRun({ period: '0 */6 * * *', tz: 'UTC' }, at('2020-07-06T13:00:00Z')).period).toEqual({
      from: at('2020-07-06T12:00:00Z'),
      to: at('2020-07-06T18:00:00Z'),
    });
  });

  it('charts a day or a week by the hour, a month by the day', () => {
    expect(seriesGrain({ from: at('2020-07-06T00:00:00Z'), to: at('2020-07-07T00:00:00Z') })).toBe('1h');
    expect(seriesGrain({ from: at('2020-07-06T00:00:00Z'), to: at('2020-07-13T00:00:00Z') })).toBe('1h');
    expect(seriesGrain({ from: at('2020-07-01T00:00:00Z'), to: at('2020-08-01T00:00:00Z') })).toBe('1d');
    expect(seriesGrain({ from: at('2020-01-01T00:00:00Z'), to: at('2021-01-01T00:00:00Z') })).toBe('1w');
  });
});

describe('schedule validation', () => {
  it('names the field at fault', () => {
    expect(timingProblems({ period: 'daily', tz: 'Mars/Olympus' })[0]?.field).toBe('tz');
    expect(timingProblems({ period: '61 * * * *', tz: 'UTC' })[0]?.field).toBe('period');
    expect(timingProblems({ period: 'fortnightly', tz: 'UTC' })[0]?.field).toBe('period');
    expect(timingProblems({ period: 'daily', sendAt: '0 25 * * *', tz: 'UTC' })[0]?.field).toBe('send_at');
    expect(timingProblems({ period: '0 * * * *', sendAt: '0 7 * * *', tz: 'UTC' })[0]?.field).toBe('send_at');
    expect(timingProblems({ period: '*/15 * * * *', tz: 'Asia/Kolkata' })).toEqual([]);
    expect(timingProblems({ period: 'weekly', sendAt: '0 0 8 * * 1', tz: 'UTC' })).toEqual([]);
  });

  it('refuses addresses and webhooks that cannot be right', () => {
    const problems = destinationProblems({
      recipients: ['comms@example.org', 'not-an-address', 'a@b', 'x@example.org\r\nBcc: y@example.org'],
      webhooks: ['https://hooks.example.org/r', 'ftp://example.org/', 'https://u:p@example.org/'],
    });
    expect(problems.map((p) => p.field)).toEqual([
      'recipients.1',
      'recipients.2',
      'recipients.3',
      'webhooks.1',
      'webhooks.2',
    ]);
  });
});
