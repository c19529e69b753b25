import {
  type DefinitionsVersion,
  definitionsNote,
  METRIC_DEFINITIONS_BY_VERSION,
  type Metric,
} from '../metrics.js';
import { NETWORK_NAMES } from '../network.js';
import { escapeHtml as esc, formatChange, formatLocal, formatNumber, formatPeriod } from './format.js';
import type { ReportModel, ReportTotal } from './model.js';

/** The chart's size in CSS pixels in the e-mail; the PNG has twice as many for sharp screens. */
export const CHART_CSS_SIZE = { width: 600, height: 240 } as const;

export interface HtmlOptions {
  /** The chart image's src: `cid:…` for an e-mail's inline attachment, a data: URI for a standalone file. */
  chartSrc: string;
}

// Mail clients (Outlook's Word engine, Gmail) drop <style> blocks, flexbox and SVG: the layout is
// tables with inline styles, images are PNG, and nothing runs.
const FONT = "font-family:Helvetica,Arial,'DejaVu Sans',sans-serif;";
const TD = `${FONT}font-size:13px;color:#1f2933;padding:6px 8px;border-bottom:1px solid #e4e7eb;vertical-align:top;`;
const TH = `${FONT}font-size:12px;color:#52606d;padding:6px 8px;border-bottom:2px solid #cbd2d9;text-align:left;font-weight:bold;`;
const NUM = 'text-align:right;white-space:nowrap;';
const H2 = `${FONT}font-size:16px;color:#102a43;margin:24px 0 8px 0;`;
const NOTE = `${FONT}font-size:13px;color:#52606d;margin:4px 0;`;

function table(headers: string[], rows: string[][], numeric: number[] = []): string {
  const head = headers
    .map((h, i) => `<th style="${TH}${numeric.includes(i) ? NUM : ''}">${esc(h)}</th>`)
    .join('');
  const body = rows
    .map(
      (r) =>
        `<tr>${r.map((c, i) => `<td style="${TD}${numeric.includes(i) ? NUM : ''}">${c}</td>`).join('')}</tr>`,
    )
    .join('');
  return `<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="border-collapse:collapse;">${`<tr>${head}</tr>`}${body}</table>`;
}

function section(title: string, content: string): string {
  return `<h2 style="${H2}">${esc(title)}</h2>${content}`;
}

function none(text: string): string {
  return `<p style="${NOTE}">${esc(text)}</p>`;
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

/** The report as an HTML e-mail body (a whole document), readable in common mail clients. */
export function renderReportHtml(model: ReportModel, { chartSrc }: HtmlOptions): string {
  const m = model;
  const changeColor = (c: number | null) =>
    c === null ? '#52606d' : c > 0 ? '#0b7a3e' : c < 0 ? '#b42318' : '#52606d';
  const totalsTable = (rows: ReportTotal[], missing: readonly Metric[] = [], name = '') =>
    table(
      ['Metric', 'This period', 'Previous', 'Change'],
      rows.map((t) =>
        missing.includes(t.metric)
          ? [esc(t.metric.replaceAll('_', ' ')), `<i>${esc(notAvailable(name))}</i>`, '', '']
          : [
              esc(t.metric.replaceAll('_', ' ')),
              `<b>${esc(formatNumber(t.value, t.metric))}</b>`,
              esc(formatNumber(t.previous, t.metric)),
              `<span style="color:${changeColor(t.change)};">${esc(formatChange(t.change))}</span>`,
            ],
      ),
      [1, 2, 3],
    );
  const partial = Object.entries(m.partial_metrics ?? {}).map(
    ([metric, networks]) =>
      `${metric.replaceAll('_', ' ')}: ${networks.map((n) => NETWORK_NAMES[n]).join(', ')} only`,
  );
  const totals = `${totalsTable(m.totals)}${
    m.networks && partial.length > 0
      ? `<p style="${NOTE}font-size:12px;">${esc(partial.join('; '))}.</p>`
      : ''
  }`;
  const networks = (m.networks ?? [])
    .map((n) => section(`On ${n.name}`, totalsTable(n.totals, n.missing, n.name)))
    .join('\n');
  const chart = `<img src="${esc(chartSrc)}" width="${CHART_CSS_SIZE.width}" height="${CHART_CSS_SIZE.height}" alt="Posts per ${m.series.grain === '1h' ? 'hour' : m.series.grain === '1d' ? 'day' : 'week'} in the period" style="display:block;width:100%;max-width:${CHART_CSS_SIZE.width}px;height:auto;border:0;">`;
  const peak = m.peak
    ? `<p style="${NOTE}">Peak: <b>${esc(formatNumber(m.peak.posts))} posts</b> from ${esc(formatLocal(m.peak.from))} to ${esc(formatLocal(m.peak.to))}.</p>`
    : none('No post in the period.');
  const posts =
    m.top_posts.length === 0
      ? none('No post in the period.')
      : table(
          ['Post', 'Engagements', 'Impressions'],
          m.top_posts.map((p) => [
            `<a href="${esc(p.url)}" style="color:#1d4ed8;text-decoration:none;">@${esc(p.author ?? p.id)}</a> <span style="color:#7b8794;">${esc(formatLocal(p.created_at))}</span><br>${esc(truncate(p.text, 200))}`,
            esc(formatNumber(p.engagements)),
            esc(formatNumber(p.impressions)),
          ]),
          [1, 2],
        );
  const authors =
    m.top_authors.length === 0
      ? none('No author in the period.')
      : table(
          ['Author', 'Followers', 'Posts', 'Engagements'],
          m.top_authors.map((a) => [
            `${esc(a.name ?? '')} <span style="color:#7b8794;">@${esc(a.username ?? a.id)}</span>`,
            esc(formatNumber(a.followers)),
            esc(formatNumber(a.posts)),
            esc(formatNumber(a.engagements)),
          ]),
          [1, 2, 3],
        );
  const cohashtags =
    m.cohashtags.length === 0
      ? none('No other hashtag on the posts.')
      : table(
          ['Hashtag', 'Posts'],
          m.cohashtags.map((c) => [`#${esc(c.tag)}`, esc(formatNumber(c.posts))]),
          [1],
        );
  const languages =
    m.languages.length === 0
      ? none('No post in the period.')
      : table(
          ['Language', 'Posts'],
          m.languages.map((l) => [esc(l.lang), esc(formatNumber(l.posts))]),
          [1],
        );
  const alerts =
    m.alerts.length === 0
      ? none('No alert fired in the period.')
      : table(
          ['Series', 'Kind', 'Started', 'Status', 'Observed', 'Expected'],
          m.alerts.map((a) => [
            esc(a.series),
            esc(a.kind),
            esc(formatLocal(a.started_at)),
            esc(a.status),
            esc(formatNumber(a.observed)),
            esc(formatNumber(a.expected)),
          ]),
          [4, 5],
        );
  const coverage =
    m.coverage.length === 0
      ? none('X’s own counts were not measured for this period.')
      : table(
          ['Hashtag', 'Hours measured', 'Captured', 'X counted', 'Coverage'],
          m.coverage.map((c) => [
            `#${esc(c.hashtag)}`,
            esc(formatNumber(c.hours)),
            esc(formatNumber(c.captured)),
            esc(formatNumber(c.x_count)),
            c.ratio === null ? '—' : esc(`${formatNumber(Math.round(c.ratio * 1000) / 10)}%`),
          ]),
          [1, 2, 3, 4],
        );
  const usage = !m.usage
    ? none('Spend was not recorded for this period.')
    : `<p style="${NOTE}">$${esc(m.usage.usd.toFixed(2))} on X for ${esc(formatNumber(m.usage.requests))} requests (${esc(formatNumber(m.usage.posts_billed))} posts billed${m.usage.x_posts === null ? '' : `; X counted ${esc(formatNumber(m.usage.x_posts))} on the whole days`}), all of capture.</p>${table(
        ['Purpose', 'Requests', 'USD'],
        m.usage.by_purpose.map((p) => [esc(p.purpose), esc(formatNumber(p.requests)), esc(p.usd.toFixed(4))]),
        [1, 2],
      )}`;
  const gaps =
    m.gaps.length === 0
      ? none('No capture gap in the period.')
      : table(
          ['From', 'To', 'Cause', 'Hashtags'],
          m.gaps.map((g) => [
            esc(formatLocal(g.from)),
            esc(formatLocal(g.to)),
            esc(g.cause.replaceAll('_', ' ') + (g.detail ? ` (${g.detail})` : '')),
            esc(g.hashtags.map((h) => `#${h}`).join(' ')),
          ]),
        );
  const versions = definitionsOf(m);
  const newest = METRIC_DEFINITIONS_BY_VERSION[versions.at(-1) ?? 2];
  const definitions = m.totals
    .map((t) => `<b>${esc(t.metric.replaceAll('_', ' '))}</b>: ${esc(newest[t.metric])}`)
    .join('<br>');
  const footer = `<p style="${NOTE}font-size:12px;">Times are in <b>${esc(m.tz)}</b>. ${m.data_as_of ? `Data as of ${esc(formatLocal(m.data_as_of))}` : 'Capture has not completed a poll yet'}; generated ${esc(formatLocal(m.generated_at))}. ${esc(definitionsNote(versions))}; the previous period is ${esc(formatPeriod(m.previous_period))}.</p><p style="${NOTE}font-size:11px;color:#7b8794;">${definitions}</p>`;
  const scope =
    m.hashtags.length === 1 && m.hashtags[0] === 'all'
      ? 'all tracked hashtags'
      : m.hashtags.map((h) => `#${h}`).join(' ');

  return `<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${esc(m.title)}</title></head>
<body style="margin:0;padding:0;background:#f0f4f8;">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" border="0" style="background:#f0f4f8;"><tr><td align="center" style="padding:16px 8px;">
<table role="presentation" width="640" cellpadding="0" cellspacing="0" border="0" style="width:100%;max-width:640px;background:#ffffff;border:1px solid #d9e2ec;"><tr><td style="padding:20px 20px 28px 20px;">
<h1 style="${FONT}font-size:20px;color:#102a43;margin:0 0 4px 0;">${esc(m.title)}</h1>
<p style="${NOTE}">${esc(formatPeriod(m.period))} · ${esc(scope)} · ${esc(m.tz)}</p>
${m.nothing_happened ? none('Nothing was posted in this period.') : ''}
${section(m.networks ? 'Totals, all networks' : 'Totals', totals)}
${networks}
${section('Posts over the period', chart)}
${m.gaps.length > 0 ? `<p style="${NOTE}font-size:12px;">Shaded: capture gaps (see below); posts in them may be missing.</p>` : ''}
${peak}
${section('Top posts', posts)}
${section('Top authors', authors)}
${section('Other hashtags on these posts', cohashtags)}
${section('Languages', languages)}
${section('Alerts fired', alerts)}
${section('Coverage', coverage)}
${section('Spend on X', usage)}
${section('Capture gaps', gaps)}
<hr style="border:0;border-top:1px solid #d9e2ec;margin:24px 0 8px 0;">
${footer}
</td></tr></table>
</td></tr></table>
</body></html>
`;
}

/** The definitions a report's period follows; a report stored before version 2 names one. */
function definitionsOf(m: ReportModel): DefinitionsVersion[] {
  return m.definitions ?? [m.definitions_version as DefinitionsVersion];
}

function textLine(t: ReportTotal): string {
  return `${t.metric.replaceAll('_', ' ')}: ${formatNumber(t.value, t.metric)} (previous ${formatNumber(t.previous, t.metric)}, ${formatChange(t.change)})`;
}

/** What a network does not publish is said, never shown as 0. */
function notAvailable(network: string): string {
  return `not available on ${network}`;
}

/** A plain-text part for clients that show no HTML: the totals and where the rest is. */
export function renderReportText(model: ReportModel): string {
  const lines = [
    model.title,
    `${formatPeriod(model.period)} (${model.tz})`,
    '',
    ...(model.networks ? ['All networks:'] : []),
    ...model.totals.map(textLine),
    ...(model.networks ?? []).flatMap((n) => [
      '',
      `On ${n.name}:`,
      ...n.totals.map((t) =>
        n.missing.includes(t.metric)
          ? `${t.metric.replaceAll('_', ' ')}: ${notAvailable(n.name)}`
          : textLine(t),
      ),
    ]),
    '',
    model.peak
      ? `Peak: ${model.peak.posts} posts from ${formatLocal(model.peak.from)}`
      : 'No post in the period.',
    `Alerts fired: ${model.alerts.length}; capture gaps: ${model.gaps.length}.`,
    ...(model.usage
      ? [`Spend on X (all of capture): $${model.usage.usd.toFixed(2)} for ${model.usage.requests} requests.`]
      : []),
    '',
    `Times in ${model.tz}. ${model.data_as_of ? `Data as of ${formatLocal(model.data_as_of)}` : 'Capture has not completed a poll yet'}. ${definitionsNote(definitionsOf(model))}.`,
  ];
  return `${lines.join('\n')}\n`;
}
