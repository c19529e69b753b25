// The back-fills card: each recent back-fill from X's archive with its progress (admin keys only).
import { AuthError, getJson } from './api.js';
import { formatNumber, formatTime } from './format.js';

/** `/v1/backfills`, or null when the key may not read it (a read key) or the server has none. */
export async function loadBackfills(tz, signal) {
  try {
    return await getJson('/v1/backfills', { tz }, { signal, optional: true });
  } catch (err) {
    if (err instanceof AuthError) return null;
    throw err;
  }
}

const usd = (x) => `$${x.toFixed(2)}`;

/** One line per back-fill (the newest three): span, status, posts done of estimated as a bar, spend, ETA. */
export function renderBackfills(root, data, tz) {
  if (!data) {
    root.replaceChildren(line('empty', 'shown to admin keys'));
    return;
  }
  const recent = data.backfills.slice(0, 3);
  if (recent.length === 0) {
    root.replaceChildren(line('empty', 'none yet (tagpulse backfill)'));
    return;
  }
  root.replaceChildren(
    ...recent.map((b) => {
      const p = b.progress;
      const li = line(
        b.status === 'refused' || b.status === 'failed' ? 'error' : '',
        `#${b.hashtags.join(' #')} ${formatTime(b.from, tz)} – ${formatTime(b.to, tz)} · ${b.status} · ` +
          `${formatNumber(p.posts_done)} of ${p.posts_estimated === null ? '?' : formatNumber(p.posts_estimated)} posts · ` +
          `${usd(p.spent_usd)}${b.estimate ? ` of ${usd(b.estimate.usd)} estimated` : ''}` +
          `${p.eta_seconds ? ` · ETA ${p.eta_seconds} s` : ''}${b.error ? ` (${b.error})` : ''}`,
      );
      const bar = document.createElement('progress');
      bar.max = 1;
      bar.value = p.fraction ?? 0;
      li.prepend(bar, ' ');
      return li;
    }),
  );
}

function line(className, text) {
  const li = document.createElement('li');
  if (className) li.className = className;
  li.append(text);
  return li;
}
