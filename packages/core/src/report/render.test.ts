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
  definitions_version: 2,
  definitions: [1, 2],
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
    // The period mixes days search returned reposts for (legacy index) and days it did not.
    expect(html).toContain(
      'Metric definitions (the period mixes both) v1: reposts counted as search returned them',
    );
    expect(html).toContain('v2: reposts from the posts');
    expect(html).toContain('No alert fired in the period.');
    // A report stored before spend was kept still renders.
    expect(html).toContain('Spend was not recorded for this period.');
  });

  it('says what capture spent on X in the period, by purpose, beside X’s own count', () => {
    const html = renderReportHtml(
      {
        ...sampleModel,
        usage: {
          usd: 12.345,
          requests: 2_000,
          posts_billed: 2_400,
          by_purpose: [
            { purpose: 'poll', usd: 12.005, requests: 1_900 },
            { purpose: 'coverage', usd: 0.34, requests: 68 },
          ],
          x_posts: 2_400,
        },
      },
      { chartSrc: 'cid:chart@tagpulse' },
    );
    expect(html).toContain(
      '$12.35 on X for 2,000 requests (2,400 posts billed; X counted 2,400 on the whole days)',
    );
    expect(html).toContain('12.0050');
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
