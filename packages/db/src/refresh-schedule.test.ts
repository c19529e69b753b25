import { describe, expect, it } from 'vitest';
import { refreshSchedule } from './refresh-schedule.js';

const created = new Date('2020-07-06T14:00:00Z');
const at = (iso: string) => new Date(iso);

describe('refreshSchedule', () => {
  it('schedules the +1 h look-up for a post seen at once', () => {
    expect(refreshSchedule(created, at('2020-07-06T14:00:40Z'))).toEqual({
      stage: 0,
      dueAt: at('2020-07-06T15:00:00Z'),
    });
  });

  it('moves to +24 h once the +1 h reading is taken, exactly at the hour too', () => {
    expect(refreshSchedule(created, at('2020-07-06T15:00:00Z'))).toEqual({
      stage: 1,
      dueAt: at('2020-07-07T14:00:00Z'),
    });
  });

  it('skips the ages a backfilled post has already passed', () => {
    expect(refreshSchedule(created, at('2020-07-08T14:00:00Z'))).toEqual({
      stage: 2,
      dueAt: at('2020-07-13T14:00:00Z'),
    });
  });

  it('has nothing left after the +7 d reading', () => {
    expect(refreshSchedule(created, at('2020-07-13T14:00:01Z'))).toEqual({ stage: 3, dueAt: null });
  });
});
