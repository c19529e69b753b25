import { DateTime } from 'luxon';

const INTEGER = new Intl.NumberFormat('en-US', { maximumFractionDigits: 0 });
const DECIMAL = new Intl.NumberFormat('en-US', { maximumFractionDigits: 2 });

/** 12,345; a rate as a percentage; — for no value. */
export function formatNumber(value: number | null, metric?: string): string {
  if (value === null) return '—';
  if (metric === 'engagement_rate') return `${DECIMAL.format(value * 100)}%`;
  return Number.isInteger(value) ? INTEGER.format(value) : DECIMAL.format(value);
}

/** +12.5% / −3% / — (no previous value to compare with). */
export function formatChange(change: number | null): string {
  if (change === null) return '—';
  const pct = DECIMAL.format(Math.abs(change) * 100);
  return change > 0 ? `+${pct}%` : change < 0 ? `−${pct}%` : '0%';
}

/** An instant stored with its zone's offset, as people read it there: `Mon 6 Jul 2020 09:00`. */
export function formatLocal(iso: string, withTime = true): string {
  const dt = DateTime.fromISO(iso, { setZone: true });
  return dt.toFormat(withTime ? 'ccc d LLL yyyy HH:mm' : 'ccc d LLL yyyy');
}

/** A period for a heading: `Mon 6 Jul 2020` for a whole day, else `from – to`. */
export function formatPeriod(period: { from: string; to: string }): string {
  const from = DateTime.fromISO(period.from, { setZone: true });
  const to = DateTime.fromISO(period.to, { setZone: true });
  const midnight = (d: DateTime) => d.hour === 0 && d.minute === 0 && d.second === 0;
  if (midnight(from) && midnight(to)) {
    const last = to.minus({ days: 1 });
    return last.hasSame(from, 'day')
      ? from.toFormat('ccc d LLL yyyy')
      : `${from.toFormat('ccc d LLL yyyy')} – ${last.toFormat('ccc d LLL yyyy')}`;
  }
  return `${from.toFormat('ccc d LLL yyyy HH:mm')} – ${to.toFormat('ccc d LLL yyyy HH:mm')}`;
}

export function escapeHtml(text: string): string {
  return text.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c] ?? c,
  );
}
