import { mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashtagKey, SEED_HASHTAGS } from '@tagpulse/core';
import { gapsRepository } from '@tagpulse/db';
import { type Browser, chromium, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium } from './testing/chromium.js';
import { type ReplayedWorld, startReplayedWorld } from './testing/replayed-world.js';

// Screenshots land outside the repository; set ARTIFACTS_DIR to keep them elsewhere.
const ARTIFACTS = process.env.ARTIFACTS_DIR ?? join(tmpdir(), 'tagpulse-artifacts', 'dashboard');
const CARDS = ['posts', 'unique_authors', 'potential_reach', 'impressions', 'engagements'];

interface Snapshot {
  shape: string;
  xs: number[];
  ys: (number | null)[];
  gaps: number;
}

let world: ReplayedWorld;
let browser: Browser;
let page: Page;
/** What the page broke: uncaught errors and Content-Security-Policy refusals. */
const problems: string[] = [];
/** The /v1/summary answers the page received, last one last. */
const summaries: { url: string; body: { metrics: { metric: string; value: number | null }[] } }[] = [];
const alertLists: { alerts: unknown[] }[] = [];

beforeAll(async () => {
  const executablePath = ensureChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  world = await startReplayedWorld();
  // An outage of one morning hour, as a worker down past the search window records it.
  await gapsRepository.recordGap(world.t.testDb.db, {
    queryKey: 'test-outage',
    tagKeys: SEED_HASHTAGS.map(hashtagKey),
    startAt: new Date('2020-07-06T09:00:00Z'),
    endAt: new Date('2020-07-06T10:00:00Z'),
    cause: 'worker_down',
    detail: 'an outage staged by the test',
  });
  browser = await chromium.launch({ executablePath, headless: true });
  page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  page.on('pageerror', (err) => problems.push(err.message));
  page.on('console', (msg) => {
    if (/Content.Security.Policy/i.test(msg.text())) problems.push(msg.text());
  });
  page.on('response', async (res) => {
    if (new URL(res.url()).pathname === '/v1/summary' && res.ok()) {
      summaries.push({ url: res.url(), body: await res.json() });
    }
    if (new URL(res.url()).pathname === '/v1/alerts' && res.ok()) alertLists.push(await res.json());
  });
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await world?.close();
});

/**
 * The few page globals the checks below read. This file is type-checked against Node's globals,
 * not the DOM's; and the page's policy forbids eval, so page-side code must be functions, not strings.
 */
type PageGlobals = {
  document: {
    body: { dataset: Record<string, string | undefined> };
    documentElement: { scrollWidth: number };
  };
  innerWidth: number;
};
const loadedMoreThan = (n: number) =>
  Number((globalThis as unknown as PageGlobals).document.body.dataset.loads ?? 0) > n;
const loads = async () => Number((await page.getAttribute('body', 'data-loads')) ?? 0);

/** Does `action`, then waits until the page has drawn from a load begun after it. */
async function andReload(action: () => Promise<unknown>): Promise<void> {
  const before = await loads();
  await action();
  await page.waitForFunction(loadedMoreThan, before, { timeout: 20_000 }).catch(async (err: Error) => {
    throw new Error(`${err.message}; the page says: ${await page.textContent('#status-line')}`);
  });
}

const snapshot = () =>
  page.evaluate(() =>
    (globalThis as unknown as { tagpulse: { chartSnapshot(): Snapshot } }).tagpulse.chartSnapshot(),
  );

/** The cards' numbers, as data and as the text a person reads. */
async function cards(): Promise<Record<string, { value: number | null; text: number | null }>> {
  const shown: Record<string, { value: number | null; text: number | null }> = {};
  for (const card of await page.locator('.card').all()) {
    const value = card.locator('.value');
    const raw = await value.getAttribute('data-value');
    const text = ((await value.textContent()) ?? '').replaceAll(',', '');
    shown[(await card.getAttribute('data-metric')) ?? '?'] = {
      value: raw === 'null' ? null : Number(raw),
      text: text === '—' ? null : Number(text),
    };
  }
  return shown;
}

/** The cards equal what /v1/summary answers to the page's own question, asked again here. */
async function expectCardsEqualSummary(): Promise<Record<string, number | null>> {
  // Over all networks the page also asks each network's summary: the cards show the picker's.
  const network = await page.inputValue('#network');
  const last = summaries.findLast((s) => new URL(s.url).searchParams.get('network') === network);
  if (!last) throw new Error(`the page asked no /v1/summary for network ${network}`);
  const res = await fetch(last.url, { headers: { authorization: `Bearer ${world.t.keys.read}` } });
  const body = (await res.json()) as typeof last.body;
  const expected = Object.fromEntries(
    body.metrics.filter((m) => CARDS.includes(m.metric)).map((m) => [m.metric, m.value]),
  );
  const shown = await cards();
  expect(Object.keys(shown)).toEqual(CARDS);
  for (const metric of CARDS) {
    expect(shown[metric], metric).toEqual({ value: expected[metric], text: expected[metric] });
  }
  return expected;
}

describe('the dashboard over a replayed day of Virtual CT Week', () => {
  it('asks for an API key, refuses a wrong one, then shows the day', async () => {
    await page.goto(world.url);
    await page.waitForSelector('#key-dialog[open]');
    await page.fill('#key-input', 'tp_not-a-key-of-this-server');
    await page.click('#key-save');
    await page.waitForSelector('#key-error:not([hidden])');
    expect(await page.textContent('#key-error')).toMatch(/unknown or revoked/);

    await andReload(async () => {
      await page.fill('#key-input', world.t.keys.read);
      await page.click('#key-save');
    });
    await page.screenshot({ path: join(ARTIFACTS, '1-all-hashtags-utc.png'), fullPage: true });

    const totals = await expectCardsEqualSummary();
    expect(totals.posts).toBeGreaterThan(100);
    const chart = await snapshot();
    expect(chart.ys.reduce<number>((sum, v) => sum + (v ?? 0), 0)).toBe(totals.posts);
    expect(chart.gaps).toBe(1);
    expect(await page.textContent('#gaps')).toMatch(/Jul 6, 09:00 – Jul 6, 10:00 · worker_down/);
    expect(await page.$$eval('#top-posts li', (li) => li.length)).toBe(5);
    expect(await page.$$eval('#top-authors tbody tr', (tr) => tr.length)).toBeGreaterThan(0);
    expect(await page.textContent('#capture-status tbody')).toContain('#VirtualCTWeek');
    expect(await page.textContent('#coverage')).toMatch(/% of the posts X counts/);
    // The worker read the day on pay-per-use x-sim: the spend card says what it cost.
    expect(await page.textContent('#usage')).toMatch(
      /^\$\d+\.\d\d today · \$[1-9]\d*\.\d\d this month \(forecast/,
    );
    // x-sim's 2026 index returned no reposts: the period follows definitions 2.
    expect(await page.textContent('#definitions-note')).toMatch(
      /^Metric definitions v2: reposts from the posts/,
    );
    // The recent alerts are the ones /v1/alerts gave the page for the period.
    const given = alertLists.at(-1)?.alerts;
    expect(given).toBeDefined();
    const listed = await page.$$eval('#alerts li:not(.empty)', (li) => li.length);
    expect(listed).toBe(given?.length);
    if (listed === 0) expect(await page.textContent('#alerts')).toMatch(/none in this period/);
  });

  it('follows a switch of hashtag: other cards, another chart', async () => {
    const [allCards, allChart] = [await cards(), await snapshot()];
    await andReload(() => page.selectOption('#hashtag', 'UNCCTExpo'));
    await page.screenshot({ path: join(ARTIFACTS, '2-unccexpo-utc.png'), fullPage: true });
    const totals = await expectCardsEqualSummary();
    expect(totals.posts).toBeLessThan(allCards.posts?.value ?? 0);
    expect(totals.posts).toBeGreaterThan(0);
    expect((await snapshot()).ys).not.toEqual(allChart.ys);
    expect(await page.textContent('#period-line')).toContain('#UNCCTExpo');
  });

  it('follows a switch of time zone: buckets and times of the zone, the same totals', async () => {
    const [utcCards, utcChart] = [await cards(), await snapshot()];
    await andReload(() => page.selectOption('#tz', 'Asia/Kolkata'));
    await page.screenshot({ path: join(ARTIFACTS, '3-unccexpo-kolkata.png'), fullPage: true });
    const chart = await snapshot();
    // Kolkata is UTC+05:30: its hours start at half past a UTC hour, so the counts move.
    expect(chart.shape).toBe('Asia/Kolkata posts');
    expect(chart.xs[0]! % 3600).toBe(1800);
    expect(chart.ys).not.toEqual(utcChart.ys);
    expect(await page.textContent('#period-line')).toContain('Asia/Kolkata');
    expect(await expectCardsEqualSummary()).toEqual(
      Object.fromEntries(CARDS.map((m) => [m, utcCards[m]?.value])),
    );
  });

  it('charts the metric of the card clicked', async () => {
    await andReload(() => page.click('.card[data-metric="impressions"]'));
    expect((await snapshot()).shape).toBe('Asia/Kolkata impressions');
    expect(await page.textContent('#chart-title')).toMatch(/^Impressions/);
    expect(await page.getAttribute('.card[data-metric="impressions"]', 'aria-pressed')).toBe('true');
  });

  it('shows each network beside the total, and says what a network does not count', async () => {
    const perNetwork = async (metric: string) =>
      (await page.locator(`.card[data-metric="${metric}"] .networks > span`).allTextContents()).map((t) =>
        t.replaceAll(',', ''),
      );
    // The replayed day is X's alone: X's figure is the total, the others' none.
    const total = await expectCardsEqualSummary();
    expect(await perNetwork('posts')).toEqual([`X ${total.posts}`, 'Mastodon 0', 'Bluesky 0']);
    expect(await perNetwork('impressions')).toEqual([
      `X ${total.impressions}`,
      'Mastodon not counted',
      'Bluesky not counted',
    ]);

    await andReload(() => page.selectOption('#network', 'mastodon'));
    await page.screenshot({ path: join(ARTIFACTS, '4-mastodon.png'), fullPage: true });
    const mastodon = await expectCardsEqualSummary();
    expect(mastodon).toMatchObject({ posts: 0, impressions: null });
    expect(await page.textContent('.card[data-metric="impressions"] .missing')).toBe(
      'not counted on Mastodon',
    );
    expect(await page.locator('.card .networks').count()).toBe(0);
    await andReload(() => page.selectOption('#network', 'all'));
  });

  it('fits a phone, taking the key from the URL fragment', async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 }, isMobile: true });
    await phone.goto(`${world.url}/#key=${encodeURIComponent(world.t.keys.read)}`);
    await phone.waitForFunction(loadedMoreThan, 0);
    await phone.screenshot({ path: join(ARTIFACTS, '5-phone.png'), fullPage: true });
    expect(new URL(phone.url()).hash).toBe('');
    const fits = () => {
      const page = globalThis as unknown as PageGlobals;
      return page.document.documentElement.scrollWidth <= page.innerWidth;
    };
    expect(await phone.evaluate(fits)).toBe(true);
    expect(Number(await phone.getAttribute('#chart', 'data-points'))).toBeGreaterThan(0);
    await phone.close();
  });

  it('ran without script errors or Content-Security-Policy refusals', () => {
    expect(problems).toEqual([]);
  });
});
