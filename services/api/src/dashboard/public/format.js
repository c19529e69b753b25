// Pure helpers: periods, numbers and times as the page shows them.

const HOUR = 3_600_000;

/** Each period the page offers, with the interval its chart uses (a few dozen to a few hundred points). */
export const PERIODS = {
  '6h': { ms: 6 * HOUR, interval: '5m', step: '5 minutes', label: '6 hours' },
  '24h': { ms: 24 * HOUR, interval: '1h', step: 'hour', label: '24 hours' },
  '7d': { ms: 7 * 24 * HOUR, interval: '1h', step: 'hour', label: '7 days' },
  '30d': { ms: 30 * 24 * HOUR, interval: '1d', step: 'day', label: '30 days' },
};

/** The cards, in order: the metrics of /v1/summary the comms team reads first. */
/** The networks a post can come from, as the picker and the cards name them. */
export const NETWORKS = [
  ['x', 'X'],
  ['mastodon', 'Mastodon'],
  ['bluesky', 'Bluesky'],
];

export const CARD_METRICS = [
  ['posts', 'Posts'],
  ['unique_authors', 'Unique authors'],
  ['potential_reach', 'Potential reach'],
  ['impressions', 'Impressions'],
  ['engagements', 'Engagements'],
];

/**
 * [from, to) of a period ending at `end`, to the minute, so that two refreshes within the
 * same minute ask the same question (and the numbers on the page do not flicker).
 */
export function periodRange(period, end) {
  const to = Math.ceil(end / 60_000) * 60_000;
  return { from: new Date(to - PERIODS[period].ms).toISOString(), to: new Date(to).toISOString() };
}

const whole = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });

/** Full numbers with separators, never rounded to "1.2K": the cards must read as the API says. */
export function formatNumber(value) {
  return value === null || value === undefined ? '—' : whole.format(value);
}

export function formatPercent(value, digits = 1) {
  return value === null || value === undefined ? '—' : `${(value * 100).toFixed(digits)} %`;
}

/** The change against the previous period, as an arrow and a signed percentage. */
export function formatChange(change, previous) {
  if (change === null || change === undefined) {
    return { text: previous === 0 ? 'none in the previous period' : '—', trend: 'flat' };
  }
  const trend = change > 0 ? 'up' : change < 0 ? 'down' : 'flat';
  const arrow = trend === 'up' ? '▲' : trend === 'down' ? '▼' : '■';
  const sign = change > 0 ? '+' : '';
  return { text: `${arrow} ${sign}${(change * 100).toFixed(1)} % vs previous`, trend };
}

/** An instant as a short local time of the chosen zone, e.g. "Jul 6, 14:05". */
export function formatTime(iso, tz) {
  if (!iso) return 'never';
  return new Intl.DateTimeFormat('en', {
    timeZone: tz,
    month: 'short',
    day: 'numeric',
    hour: '2-digit',
    minute: '2-digit',
    hourCycle: 'h23',
  }).format(new Date(iso));
}

// Browsers list a few zones under names IANA has since replaced; people look for the new ones.
const RENAMED = {
  'Asia/Calcutta': 'Asia/Kolkata',
  'Asia/Katmandu': 'Asia/Kathmandu',
  'Asia/Rangoon': 'Asia/Yangon',
  'Asia/Saigon': 'Asia/Ho_Chi_Minh',
  'Atlantic/Faeroe': 'Atlantic/Faroe',
  'Europe/Kiev': 'Europe/Kyiv',
};

/** The browser's zone first, then UTC, then every zone the browser knows, by their current names. */
export function timeZones() {
  const own = Intl.DateTimeFormat().resolvedOptions().timeZone;
  const all = typeof Intl.supportedValuesOf === 'function' ? Intl.supportedValuesOf('timeZone') : [];
  return [...new Set([own, 'UTC', ...all].filter(Boolean).map((z) => RENAMED[z] ?? z))];
}
