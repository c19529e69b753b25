import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { hashtagKey, SEED_HASHTAGS } from '@tagpulse/core';
import { gapsRepository, hashtagsRepository } from '@tagpulse/db';
import { makeAuthor, postAt, storeAndRollUp } from '@tagpulse/testkit/db';
import { type Browser, chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ensureChromium } from '../dashboard/testing/chromium.js';
import { startTestApp, type TestApp } from '../testing/test-app.js';

// Screenshots land outside the repository; set ARTIFACTS_DIR to keep them elsewhere.
const ARTIFACTS = process.env.ARTIFACTS_DIR ?? join(tmpdir(), 'tagpulse-artifacts', 'reports');

let t: TestApp;
let browser: Browser;
let html: string;

/** A day of posts with a morning peak, in two languages, with a co-hashtag, and an hour's capture gap. */
async function seedDay(): Promise<void> {
  const { db } = t.testDb;
  for (const tag of SEED_HASHTAGS)
    await hashtagsRepository.addHashtag(db, { key: hashtagKey(tag), display: tag });
  const authors = [1, 2, 3, 4, 5].map((i) =>
    makeAuthor({
      id: `10000000000000000${i}`,
      username: `author_${i}`,
      name: `Author ${i}`,
      followers: 1_000 * i,
    }),
  );
  const posts = [];
  for (let hour = 0; hour < 24; hour++) {
    const count = hour >= 13 && hour <= 16 ? 12 : 2;
    for (let i = 0; i < count; i++) {
      const author = authors[(hour + i) % authors.length] ?? authors[0];
      if (!author) continue;
      const at = `2020-07-06T${String(hour).padStart(2, '0')}:${String(i * 4).padStart(2, '0')}:00Z`;
      posts.push(
        postAt(
          at,
          author,
          i % 3 === 0 ? 'repost' : 'original',
          ['virtualctweek', ...(i % 2 ? ['pve'] : [])],
          {
            lowBits: hour * 100 + i,
            lang: i % 4 === 0 ? 'fr' : 'en',
            text: `Session ${hour}:${i} of #VirtualCTWeek — a <b>long</b> text that wraps ${'and wraps '.repeat(i)}`,
            metrics: { likes: i, reposts: 1, replies: 0, quotes: 0, bookmarks: 0, impressions: 100 + i * 10 },
          },
        ),
      );
    }
  }
  await storeAndRollUp(db, posts, authors);
  await gapsRepository.recordGap(db, {
    queryKey: 'test-outage',
    tagKeys: SEED_HASHTAGS.map(hashtagKey),
    startAt: new Date('2020-07-06T20:00:00Z'),
    endAt: new Date('2020-07-06T21:00:00Z'),
    cause: 'worker_down',
    detail: 'an outage staged by the test',
  });
}

beforeAll(async () => {
  const executablePath = ensureChromium();
  mkdirSync(ARTIFACTS, { recursive: true });
  t = await startTestApp({ now: () => new Date('2020-07-07T08:00:00Z') });
  await seedDay();
  const res = await t.call('GET', '/v1/reports/preview', {
    query: { hashtag: 'VirtualCTWeek', period: 'daily', tz: 'Europe/Vienna', format: 'html' },
  });
  expect(res.statusCode).toBe(200);
  html = res.body;
  browser = await chromium.launch({ executablePath, headless: true });
}, 900_000);

afterAll(async () => {
  await browser?.close();
  await t?.close();
});

/** Share of the screenshot's pixels that differ from its commonest colour, and how many colours it has. */
function inkOf(png: string): Promise<{ ink: number; colours: number }> {
  // Runs in the page: the browser decodes its own screenshot.
  return new Promise((resolve, reject) => {
    const g = globalThis as unknown as {
      Image: new () => {
        src: string;
        width: number;
        height: number;
        onload: () => void;
        onerror: () => void;
      };
      document: { createElement(tag: 'canvas'): CanvasLike };
    };
    type CanvasLike = {
      width: number;
      height: number;
      getContext(kind: '2d'): {
        drawImage(img: unknown, x: number, y: number): void;
        getImageData(x: number, y: number, w: number, h: number): { data: Uint8ClampedArray };
      };
    };
    const img = new g.Image();
    img.onerror = () => reject(new Error('the screenshot did not decode'));
    img.onload = () => {
      const canvas = g.document.createElement('canvas');
      canvas.width = img.width;
      canvas.height = img.height;
      const ctx = canvas.getContext('2d');
      ctx.drawImage(img, 0, 0);
      const { data } = ctx.getImageData(0, 0, img.width, img.height);
      const counts = new Map<number, number>();
      for (let i = 0; i < data.length; i += 4) {
        const key = ((data[i] ?? 0) << 16) | ((data[i + 1] ?? 0) << 8) | (data[i + 2] ?? 0);
        counts.set(key, (counts.get(key) ?? 0) + 1);
      }
      const commonest = Math.max(...counts.values());
      const pixels = data.length / 4;
      resolve({ ink: (pixels - commonest) / pixels, colours: counts.size });
    };
    img.src = `data:image/png;base64,${png}`;
  });
}

describe('the HTML report in Chromium', () => {
  it.each([
    { name: 'desktop', width: 1024, height: 900 },
    { name: 'phone', width: 375, height: 740 },
  ])(
    'renders on a $name screen: chart loaded, nothing wider than the screen, a screenshot with content',
    async (viewport) => {
      const page = await browser.newPage({ viewport });
      const errors: string[] = [];
      page.on('pageerror', (err) => errors.push(err.message));
      await page.setContent(html, { waitUntil: 'load' });
      const chart = await page.evaluate(() => {
        const img = (
          globalThis as unknown as {
            document: {
              querySelector(
                s: string,
              ): { naturalWidth: number; naturalHeight: number; complete: boolean } | null;
            };
          }
        ).document.querySelector('img');
        return img && { width: img.naturalWidth, height: img.naturalHeight, complete: img.complete };
      });
      expect(chart).toEqual({ width: 1200, height: 480, complete: true });
      const widths = await page.evaluate(() => {
        const g = globalThis as unknown as {
          document: { documentElement: { scrollWidth: number } };
          innerWidth: number;
        };
        return { scroll: g.document.documentElement.scrollWidth, inner: g.innerWidth };
      });
      expect(widths.scroll).toBeLessThanOrEqual(widths.inner);
      // The gaps' caption is drawn, not merely present in the markup.
      expect(await page.getByText('Capture gaps').first().isVisible()).toBe(true);
      const shot = await page.screenshot({ fullPage: true });
      writeFileSync(join(ARTIFACTS, `report-${viewport.name}.png`), shot);
      expect(shot.subarray(1, 4).toString('ascii')).toBe('PNG');
      const { ink, colours } = await page.evaluate(inkOf, shot.toString('base64'));
      expect(ink).toBeGreaterThan(0.05);
      expect(colours).toBeGreaterThan(50);
      expect(errors).toEqual([]);
      await page.close();
    },
    60_000,
  );
});
