// The dashboard's state and refresh loop: read the controls, ask the API, draw the panels.
import { AuthError, getJson, storedKey, storeKey, takeKeyFromFragment } from './api.js';
import { loadBackfills, renderBackfills } from './backfills.js';
import { chartSnapshot, followSize, renderChart } from './chart.js';
import { CARD_METRICS, formatTime, NETWORKS, PERIODS, periodRange, timeZones } from './format.js';
import {
  renderAlerts,
  renderCards,
  renderCoverage,
  renderGaps,
  renderStatus,
  renderTopAuthors,
  renderTopPosts,
  renderUsage,
} from './panels.js';

const REFRESH_MS = 30_000;
const PREFS = 'tagpulse.prefs';
const $ = (id) => document.getElementById(id);

const prefs = { hashtag: 'all', network: 'all', period: '24h', tz: timeZones()[0], metric: 'posts' };
Object.assign(prefs, JSON.parse(localStorage.getItem(PREFS) ?? '{}'));

let timer;
let inflight;
let loads = 0;

/** Set when /v1/alerts answered 404: asked once per page load, not at every refresh. */
let alertsMissing = false;

/**
 * Alert markers and the recent-alerts list, from GET /v1/alerts as `{ at: epoch ms, title }`.
 * A server without the alerts API answers 404: the page then shows none.
 */
async function loadAlerts(params, signal) {
  if (alertsMissing) return null;
  const body = await getJson('/v1/alerts', params, { signal, optional: true });
  if (body === null) {
    alertsMissing = true;
    return null;
  }
  return (body.alerts ?? []).map((a) => ({
    at: Date.parse(a.triggered_at ?? a.at ?? a.bucket_start),
    title: a.summary ?? a.message ?? `${a.metric ?? 'spike'} on #${a.hashtag ?? prefs.hashtag}`,
  }));
}

/**
 * The end of the period: the capture clock, i.e. the latest poll of any query. Against X that is
 * a few seconds ago; against x-sim it is the simulated week's "now", so a replay shows its data
 * instead of an empty today. Without any poll yet, the browser's clock.
 */
function captureNow(status) {
  const polls = status.queries.map((q) => Date.parse(q.last_poll_at ?? '')).filter((t) => !Number.isNaN(t));
  return polls.length ? Math.max(...polls) : Date.now();
}

function fillSelect(select, options, value) {
  select.replaceChildren(
    ...options.map(([v, label]) => {
      const option = document.createElement('option');
      option.value = v;
      option.textContent = label;
      return option;
    }),
  );
  select.value = options.some(([v]) => v === value) ? value : (options[0]?.[0] ?? '');
}

function fillHashtags(hashtags) {
  const options = [
    ['all', 'All hashtags'],
    ...hashtags.map((h) => [h.tag, h.tracked ? `#${h.tag}` : `#${h.tag} (not tracked)`]),
  ];
  const select = $('hashtag');
  // Rebuilt only when the list changed, so an open picker on a phone is not yanked shut.
  if (select.dataset.options === JSON.stringify(options)) return;
  select.dataset.options = JSON.stringify(options);
  fillSelect(select, options, prefs.hashtag);
  prefs.hashtag = select.value;
}

async function load() {
  inflight?.abort();
  const controller = new AbortController();
  inflight = controller;
  const { signal } = controller;
  const { period, tz, metric, network } = prefs;
  const [hashtags, status] = await Promise.all([
    getJson('/v1/hashtags', { tz }, { signal }),
    getJson('/v1/status', { tz, network }, { signal }),
  ]);
  fillHashtags(hashtags.hashtags);
  const range = periodRange(period, captureNow(status));
  const scoped = { hashtag: prefs.hashtag, network, tz, ...range };
  const [summary, perNetwork, series, gaps, alerts, topPosts, topAuthors, coverage, usage, backfills] =
    await Promise.all([
      getJson('/v1/summary', scoped, { signal }),
      // Over all networks each card also shows every network's own figure.
      network === 'all'
        ? Promise.all(
            NETWORKS.map(async ([n]) => [
              n,
              await getJson('/v1/summary', { ...scoped, network: n }, { signal }),
            ]),
          )
        : [],
      getJson('/v1/series', { ...scoped, metric, interval: PERIODS[period].interval }, { signal }),
      getJson('/v1/gaps', { hashtag: prefs.hashtag, network, tz }, { signal }),
      loadAlerts(scoped, signal),
      getJson('/v1/top/posts', { ...scoped, limit: 5 }, { signal }),
      getJson('/v1/top/authors', { ...scoped, limit: 8 }, { signal }),
      getJson('/v1/coverage', scoped, { signal }),
      getJson('/v1/usage', { tz, days: 7 }, { signal, optional: true }),
      loadBackfills(tz, signal),
    ]);
  if (signal.aborted) return;

  const from = Date.parse(range.from);
  const to = Date.parse(range.to);
  const shownGaps = gaps.gaps
    .map((g) => ({
      ...g,
      startIso: g.start,
      endIso: g.end,
      start: Date.parse(g.start),
      end: Date.parse(g.end),
    }))
    .filter((g) => g.end > from && g.start < to);
  const label = CARD_METRICS.find(([m]) => m === metric)?.[1] ?? metric;

  $('period-line').textContent =
    `${summary.hashtag === 'all' ? 'All hashtags' : `#${summary.hashtag}`} · ${formatTime(range.from, tz)} – ${formatTime(range.to, tz)} (${tz}) · ` +
    `compared with the ${PERIODS[period].label} before`;
  renderCards($('cards'), summary, metric, selectMetric, perNetwork);
  // Which search index capture read the period from decides what reposts, posts and reach count.
  $('definitions-note').textContent =
    `Metric definitions ${summary.meta.definitions.map((d) => `v${d.version}: ${d.summary}`).join('; ')}.`;
  $('chart-title').textContent = `${label} per ${PERIODS[period].step}`;
  renderChart($('chart'), {
    tz,
    metric,
    label,
    points: series.series[0]?.points ?? [],
    gaps: shownGaps,
    alerts: alerts ?? [],
  });
  $('chart-note').textContent = shownGaps.length
    ? `${shownGaps.length} capture gap(s) in this period are shaded: posts there may be missing.`
    : '';
  renderTopPosts($('top-posts'), topPosts.posts, tz);
  renderTopAuthors($('top-authors'), topAuthors.authors);
  renderStatus(
    $('capture-status'),
    status.queries,
    tz,
    new Map(hashtags.hashtags.map((h) => [h.key, h.tag])),
  );
  renderCoverage($('coverage'), coverage.coverage);
  renderUsage($('usage'), usage);
  renderBackfills($('backfills'), backfills, tz);
  renderAlerts($('alerts'), alerts, tz);
  renderGaps($('gaps'), shownGaps, tz);

  loads += 1;
  document.body.dataset.loads = String(loads);
  $('status-line').textContent = `updated ${new Date().toLocaleTimeString()} · every ${REFRESH_MS / 1000} s`;
  $('status-line').classList.remove('error');
}

/** Loads now, then again every REFRESH_MS while the page is visible. */
async function refresh() {
  clearTimeout(timer);
  if (!storedKey()) {
    askForKey();
    return;
  }
  try {
    await load();
  } catch (err) {
    if (err.name === 'AbortError') return;
    if (err instanceof AuthError) {
      askForKey(err.message);
      return;
    }
    $('status-line').textContent = `could not refresh: ${err.message}`;
    $('status-line').classList.add('error');
  }
  if (!document.hidden) timer = setTimeout(refresh, REFRESH_MS);
}

function savePrefs() {
  localStorage.setItem(PREFS, JSON.stringify(prefs));
}

function selectMetric(metric) {
  prefs.metric = metric;
  savePrefs();
  void refresh();
}

function askForKey(message) {
  const dialog = $('key-dialog');
  $('key-error').hidden = !message;
  $('key-error').textContent = message ?? '';
  $('key-input').value = '';
  if (!dialog.open) dialog.showModal();
}

function wireControls() {
  fillSelect(
    $('tz'),
    timeZones().map((z) => [z, z]),
    prefs.tz,
  );
  $('period').value = prefs.period in PERIODS ? prefs.period : '24h';
  $('network').value = prefs.network;
  if (!$('network').value) $('network').value = prefs.network = 'all';
  for (const id of ['hashtag', 'network', 'period', 'tz']) {
    $(id).addEventListener('change', () => {
      prefs[id] = $(id).value;
      savePrefs();
      void refresh();
    });
  }
  $('refresh').addEventListener('click', () => void refresh());
  $('change-key').addEventListener('click', () => askForKey());
  $('key-form').addEventListener('submit', () => {
    storeKey($('key-input').value);
    void refresh();
  });
  document.addEventListener('visibilitychange', () => {
    if (!document.hidden) void refresh();
  });
}

// Read by the browser test, and handy from the devtools console.
globalThis.tagpulse = { chartSnapshot, prefs };

takeKeyFromFragment();
wireControls();
followSize($('chart'));
void refresh();
