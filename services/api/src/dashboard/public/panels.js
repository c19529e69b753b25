// The page's panels, built from API answers. Everything from the API is set as text, never
// as HTML: post text and author names come from X and are not ours to trust.
import { CARD_METRICS, formatChange, formatNumber, formatPercent, formatTime, NETWORKS } from './format.js';

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [name, value] of Object.entries(props)) {
    if (name === 'dataset') Object.assign(node.dataset, value);
    else if (name in node) node[name] = value;
    else node.setAttribute(name, value);
  }
  node.append(...children.filter((c) => c !== undefined && c !== null));
  return node;
}

function replaceRows(tbody, rows, columns) {
  tbody.replaceChildren(
    ...(rows.length
      ? rows
      : [el('tr', {}, el('td', { colSpan: columns, className: 'empty', textContent: 'nothing yet' }))]),
  );
}

const networkLabel = (network) => NETWORKS.find(([n]) => n === network)?.[1] ?? network;

/**
 * What one network's summary shows on a card: its value, or that the network does not count it
 * (Mastodon and Bluesky publish no views: no impressions, no engagement rate), never a zero.
 */
function networkFigure(summary, metric) {
  if (summary.meta.missing_metrics.includes(metric)) return 'not counted';
  return formatNumber(summary.metrics.find((m) => m.metric === metric)?.value ?? null);
}

/**
 * One card per metric of /v1/summary; the selected one is the chart's metric. Over all networks
 * each card also shows every network's own figure (`perNetwork`: [network, its summary]).
 */
export function renderCards(root, summary, selected, onSelect, perNetwork = []) {
  const byMetric = new Map(summary.metrics.map((m) => [m.metric, m]));
  const rate = byMetric.get('engagement_rate');
  const missing = summary.meta.missing_metrics;
  root.replaceChildren(
    ...CARD_METRICS.map(([metric, label]) => {
      const m = byMetric.get(metric) ?? { value: null, previous: null, change: null };
      const change = formatChange(m.change, m.previous);
      const card = el(
        'button',
        {
          type: 'button',
          className: 'card',
          dataset: { metric },
          'aria-pressed': String(metric === selected),
          title: `previous period: ${formatNumber(m.previous)}`,
        },
        el('span', { className: 'label', textContent: label }),
        el('span', {
          className: 'value',
          dataset: { value: String(m.value) },
          textContent: formatNumber(m.value),
        }),
        el('span', { className: `change ${change.trend}`, textContent: change.text }),
        metric === 'engagements' && rate && !missing.includes('engagement_rate')
          ? el('span', { className: 'sub', textContent: `rate ${formatPercent(rate.value, 2)}` })
          : undefined,
        missing.includes(metric)
          ? el('span', {
              className: 'sub missing',
              textContent: `not counted on ${networkLabel(summary.network)}`,
            })
          : undefined,
        perNetwork.length
          ? el(
              'span',
              { className: 'sub networks' },
              ...perNetwork.map(([network, s]) =>
                el('span', {
                  dataset: { network },
                  textContent: `${networkLabel(network)} ${networkFigure(s, metric)}`,
                }),
              ),
            )
          : undefined,
      );
      card.addEventListener('click', () => onSelect(metric));
      return card;
    }),
  );
}

export function renderTopPosts(root, posts, tz) {
  root.replaceChildren(
    ...(posts.length ? [] : [el('li', { className: 'empty', textContent: 'no posts in this period' })]),
    ...posts.map((p) =>
      el(
        'li',
        {},
        el(
          'div',
          { className: 'meta' },
          el('strong', { textContent: p.author.username ? `@${p.author.username}` : p.author.id }),
          ` · ${formatNumber(p.author.followers)} followers · ${p.kind} · `,
          el('a', {
            href: `https://x.com/i/web/status/${encodeURIComponent(p.id)}`,
            target: '_blank',
            rel: 'noopener noreferrer',
            textContent: formatTime(p.created_at, tz),
          }),
        ),
        el('p', { className: 'text', textContent: p.text }),
        el('div', {
          className: 'meta',
          textContent: `${formatNumber(p.engagements)} engagements · ${formatNumber(p.metrics.impressions)} impressions`,
        }),
      ),
    ),
  );
}

export function renderTopAuthors(table, authors) {
  replaceRows(
    table.tBodies[0],
    authors.map((a) =>
      el(
        'tr',
        {},
        el('td', { textContent: a.username ? `@${a.username}` : (a.name ?? a.id) }),
        el('td', { className: 'num', textContent: formatNumber(a.followers) }),
        el('td', { className: 'num', textContent: formatNumber(a.posts) }),
        el('td', { className: 'num', textContent: formatNumber(a.engagements) }),
      ),
    ),
    4,
  );
}

/** Capture status per search query, its error in full when it has one; `display` maps tag keys to spellings. */
export function renderStatus(table, queries, tz, display) {
  replaceRows(
    table.tBodies[0],
    queries.flatMap((q) => [
      el(
        'tr',
        {},
        el('td', {
          textContent: q.hashtags.map((h) => `#${display.get(h) ?? h}`).join(' '),
          title: q.search,
        }),
        el('td', {}, el('span', { className: `badge ${q.status}`, textContent: q.status })),
        el('td', { textContent: formatTime(q.last_poll_at, tz) }),
        el('td', { className: 'num', textContent: formatNumber(q.posts_stored) }),
      ),
      ...(q.last_error
        ? [el('tr', { className: 'error-row' }, el('td', { colSpan: 4, textContent: q.last_error }))]
        : []),
    ]),
    4,
  );
}

/** Posts captured against X's own counts, per measured hour (hashtags of the hour together). */
export function renderCoverage(root, rows) {
  const hours = new Map();
  for (const r of rows.filter((r) => r.x_count > 0)) {
    const hour = hours.get(r.hour_start) ?? { captured: 0, counted: 0 };
    hour.captured += r.captured;
    hour.counted += r.x_count;
    hours.set(r.hour_start, hour);
  }
  if (hours.size === 0) {
    root.textContent = 'not measured yet for this period';
    return;
  }
  const all = [...hours.values()];
  const captured = all.reduce((sum, h) => sum + h.captured, 0);
  const counted = all.reduce((sum, h) => sum + h.counted, 0);
  const low = all.filter((h) => h.captured < 0.95 * h.counted).length;
  root.textContent =
    `${formatPercent(captured / counted)} of the posts X counts (${formatNumber(captured)} of ${formatNumber(counted)}` +
    ` over ${hours.size} measured hours)${low ? `; ${low} of them below 95 %` : ''}`;
}

const usd = (x) => `$${x.toFixed(2)}`;

/** What capture spent on X (`/v1/usage`): today, the month, the forecast, the budget's step, X's own count. */
export function renderUsage(root, usage) {
  if (!usage) {
    root.textContent = 'not available from this server';
    return;
  }
  const parts = [
    `${usd(usage.today.usd)} today`,
    `${usd(usage.month.usd)} this month (forecast ${usd(usage.forecast_usd)})`,
  ];
  if (usage.budget) {
    parts.push(
      `budget ${usd(usage.budget.usd)}: ${formatPercent(usage.budget.used, 0)} used, capture ${usage.budget.step}`,
    );
  }
  const differs = usage.days.filter((d) => d.disagrees).map((d) => d.day);
  if (differs.length) parts.push(`X counts other figures on ${differs.join(', ')}`);
  root.textContent = parts.join(' · ');
  root.classList.toggle(
    'error',
    Boolean(usage.budget && usage.budget.step !== 'normal') || differs.length > 0,
  );
}

/** Alerts of the period; `null` when the server has no alerts API. */
export function renderAlerts(root, alerts, tz) {
  if (alerts === null) {
    root.replaceChildren(
      el('li', { className: 'empty', textContent: 'none (alerts are not set up on this server)' }),
    );
    return;
  }
  root.replaceChildren(
    ...(alerts.length ? [] : [el('li', { className: 'empty', textContent: 'none in this period' })]),
    ...alerts.map((a) =>
      el('li', { textContent: `${formatTime(new Date(a.at).toISOString(), tz)} · ${a.title}` }),
    ),
  );
}

export function renderGaps(root, gaps, tz) {
  root.replaceChildren(
    ...(gaps.length ? [] : [el('li', { className: 'empty', textContent: 'none in this period' })]),
    ...gaps.map((g) =>
      el('li', {
        textContent: `${formatTime(g.startIso, tz)} – ${formatTime(g.endIso, tz)} · ${g.cause}${g.detail ? ` (${g.detail})` : ''}${g.filled_by ? ` · filled by back-fill ${g.filled_by.slice(0, 8)}` : ''}`,
      }),
    ),
  );
}
