import { describe, expect, it } from 'vitest';
import type { ReportModel } from './model.js';
import { renderReportCsv } from './render-csv.js';
import { renderReportHtml } from './render-html.js';

const zero = {
  posts: 0,
  originals: 0,
  replies: 0,
  quotes: 0,
  reposts: 0,
  unique_authors: 0,
  potential_reach: 0,
  impressions: 0,
  engagements: 0,
};

const sampleModel: ReportModel = {
  definitions_version: 1,
  title: 'Daily report: #VirtualCTWeek',
  hashtags: ['VirtualCTWeek'],
  tz: 'America/New_York',
  period_kind: 'daily',
  period: { from: '2020-07-06T00:00:00.000-04:00', to: '2020-07-07T00:00:00.000-04:00' },
  previous_period: { from: '2020-07-05T00:00:00.000-04:00', to: '2020-07-06T00:00:00.000-04:00' },
  nothing_happened: false,
  totals: [
    { metric: 'posts', value: 1234, previous: 1000, change: 0.234 },
    { metric: 'engagement_rate', value: 0.0123, previous: null, change: null },
  ],
  series: {
    grain: '1h',
    points: [
      { t: '2020-07-06T00:00:00.000-04:00', ...zero, posts: 3, impressions: 10, engagements: 1 },
      { t: '2020-07-06T01:00:00.000-04:00', ...zero },
    ],
  },
  peak: { from: '2020-07-06T09:00:00.000-04:00', to: '2020-07-06T10:00:00.000-04:00', posts: 300 },
  top_posts: [
    {
      id: '1',
      created_at: '2020-07-06T09:01:00.000-04:00',
      author: 'un_oct',
      text: 'Opening <script>alert(1)</script> & "welcome"',
      engagements: 10,
      impressions: 100,
      url: 'https://x.com/un_oct/status/1',
    },
  ],
  top_authors: [],
  cohashtags: [{ tag: 'unga', posts: 4 }],
  languages: [{ lang: 'en', posts: 1000 }],
  alerts: [],
  coverage: [],
  gaps: [],
  data_as_of: '2020-07-07T01:00:00.000-04:00',
  generated_at: '2020-07-07T07:00:00.000-04:00',
};

describe('report rendering', () => {
  it('writes an e-mail without scripts or SVG, escaping what people posted', () => {
    const html = renderReportHtml(sampleModel, { chartSrc: 'cid:chart@tagpulse' });
    expect(html).not.toMatch(/<script|<svg|<style/i);
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt; &amp; &quot;welcome&quot;');
    expect(html).toContain('src="cid:chart@tagpulse"');
    expect(html).toContain('Mon 6 Jul 2020');
    expect(html).toContain('+23.4%');
    expect(html).toContain('1.23%');
    expect(html).toContain('Metric definitions version 1');
    expect(html).toContain('No alert fired in the period.');
  });

  it('writes the series as CSV with the bucket starts in the zone', () => {
    const lines = renderReportCsv(sampleModel).trimEnd().split('\r\n');
    expect(lines[0]).toBe(
      '"bucket_start","posts","originals","replies","quotes","reposts","unique_authors","potential_reach","impressions","engagements","engagement_rate"',
    );
    expect(lines[1]).toBe('"2020-07-06T00:00:00.000-04:00",3,0,0,0,0,0,0,10,1,0.1');
    expect(lines[2]).toBe('"2020-07-06T01:00:00.000-04:00",0,0,0,0,0,0,0,0,0,');
  });
});
