import { describe, expect, it } from 'vitest';
import { expectedWindowAt, inQuietHours, parseLocalInstant, silenceAt } from './alert-calendar.js';

const at = (iso: string) => new Date(iso);

describe('quiet hours', () => {
  const night = [{ start: '22:00', end: '07:00' }];

  it('follow the wall clock across the spring-forward night (Paris, 31 March 2024)', () => {
    // 06:30 local is 05:30Z before the change and 04:30Z after it.
    expect(inQuietHours(at('2024-03-30T05:30:00Z'), night, 'Europe/Paris')).toBe(true);
    expect(inQuietHours(at('2024-03-30T06:30:00Z'), night, 'Europe/Paris')).toBe(false);
    expect(inQuietHours(at('2024-03-31T04:30:00Z'), night, 'Europe/Paris')).toBe(true);
    // 07:30 local after the change is 05:30Z: no longer quiet, though it was quiet the day before.
    expect(inQuietHours(at('2024-03-31T05:30:00Z'), night, 'Europe/Paris')).toBe(false);
    expect(inQuietHours(at('2024-03-31T00:59:00Z'), night, 'Europe/Paris')).toBe(true);
  });

  it('follow the wall clock across the fall-back night (New York, 3 November 2024)', () => {
    // 22:00 EDT is 02:00Z; on 3 Nov 22:00 EST is 03:00Z.
    expect(inQuietHours(at('2024-11-02T02:30:00Z'), night, 'America/New_York')).toBe(true);
    expect(inQuietHours(at('2024-11-04T02:30:00Z'), night, 'America/New_York')).toBe(false);
    expect(inQuietHours(at('2024-11-04T03:30:00Z'), night, 'America/New_York')).toBe(true);
    // Both 01:30s of the repeated hour are quiet.
    expect(inQuietHours(at('2024-11-03T05:30:00Z'), night, 'America/New_York')).toBe(true);
    expect(inQuietHours(at('2024-11-03T06:30:00Z'), night, 'America/New_York')).toBe(true);
    // 07:00 EST is 12:00Z.
    expect(inQuietHours(at('2024-11-03T11:59:00Z'), night, 'America/New_York')).toBe(true);
    expect(inQuietHours(at('2024-11-03T12:00:00Z'), night, 'America/New_York')).toBe(false);
  });

  it('belong to the day they start on, past midnight too', () => {
    const fridayNight = [{ start: '22:00', end: '07:00', days: ['fri' as const] }];
    // Friday 23:00 and Saturday 06:00 UTC are quiet; Saturday 23:00 is not.
    expect(inQuietHours(at('2024-03-01T23:00:00Z'), fridayNight, 'UTC')).toBe(true);
    expect(inQuietHours(at('2024-03-02T06:00:00Z'), fridayNight, 'UTC')).toBe(true);
    expect(inQuietHours(at('2024-03-02T23:00:00Z'), fridayNight, 'UTC')).toBe(false);
    expect(inQuietHours(at('2024-03-01T12:00:00Z'), [], 'UTC')).toBe(false);
  });
});

describe('expected-event windows and silences', () => {
  it('read local times in the rule zone and instants with offsets as given', () => {
    const windows = [
      { name: 'Opening session', start: '2024-03-02T13:00', end: '2024-03-02T14:30' },
      { name: 'Panel', start: '2024-03-03T10:00:00Z', end: '2024-03-03T11:00:00Z' },
    ];
    // 13:00 in Paris (UTC+1 in March before the change) is 12:00Z.
    expect(expectedWindowAt(at('2024-03-02T12:00:00Z'), windows, 'Europe/Paris')?.name).toBe(
      'Opening session',
    );
    expect(expectedWindowAt(at('2024-03-02T11:59:00Z'), windows, 'Europe/Paris')).toBeUndefined();
    expect(expectedWindowAt(at('2024-03-03T10:30:00Z'), windows, 'Europe/Paris')?.name).toBe('Panel');
    expect(parseLocalInstant('2024-13-02T13:00', 'UTC')).toBeUndefined();
  });

  it('silence one series or the whole rule', () => {
    const silences = [{ from: '2024-03-02T00:00:00Z', to: '2024-03-02T06:00:00Z', series: 'a' }];
    expect(silenceAt(at('2024-03-02T01:00:00Z'), silences, 'a')).toBeDefined();
    expect(silenceAt(at('2024-03-02T01:00:00Z'), silences, 'b')).toBeUndefined();
    expect(silenceAt(at('2024-03-02T06:00:00Z'), silences, 'a')).toBeUndefined();
  });
});
