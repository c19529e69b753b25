import { CHART_CSS_SIZE } from '@tagpulse/core';
import type { TopLevelSpec } from 'vega-lite';

/** The chart PNG's size in pixels: twice the e-mail's CSS size, sharp on high-density screens. */
export const CHART_PNG_SIZE = { width: CHART_CSS_SIZE.width * 2, height: CHART_CSS_SIZE.height * 2 } as const;

export interface ChartPoint {
  t: Date;
  posts: number;
}

const GRAIN_LABEL: Record<string, string> = { '1h': 'hour', '1d': 'day', '1w': 'week' };

/**
 * Posts per bucket as a PNG (mail clients show PNG, not SVG). Vega renders headless to SVG and
 * resvg rasterises it, with no browser and no native build. Vega's time axis knows only UTC and
 * the process's zone, so each instant is shifted by its zone offset (`offsetMs`) and drawn on a UTC
 * scale: the axis then reads the report zone's wall clock, DST changes included.
 */
export async function renderChartPng(
  points: readonly ChartPoint[],
  {
    grain,
    offsetMs,
    gaps = [],
  }: {
    grain: string;
    offsetMs: (t: Date) => number;
    /** Capture gaps, shaded so a dip that is missing data does not read as a quiet hour. */
    gaps?: readonly { from: Date; to: Date }[];
  },
): Promise<Buffer> {
  const local = (t: Date) => t.getTime() + offsetMs(t);
  const values = points.map((p) => ({ t: local(p.t), posts: p.posts }));
  const shaded = gaps.map((g) => ({ from: local(g.from), to: local(g.to) }));
  const x = {
    field: 't',
    type: 'temporal',
    scale: { type: 'utc' },
    title: null,
    axis: { format: grain === '1h' ? '%H:%M' : '%d %b', labelFlush: true },
  } as const;
  const spec: TopLevelSpec = {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    width: CHART_CSS_SIZE.width,
    height: CHART_CSS_SIZE.height,
    // The whole image, axes included, is exactly the size the e-mail lays out.
    autosize: { type: 'fit', contains: 'padding' },
    padding: 8,
    background: '#ffffff',
    layer: [
      {
        data: { values: shaded },
        mark: { type: 'rect', color: '#f59e0b', opacity: 0.25 },
        encoding: { x: { ...x, field: 'from' }, x2: { field: 'to' } },
      },
      {
        data: { values },
        mark: {
          type: grain === '1h' ? 'area' : 'bar',
          color: '#3b82f6',
          opacity: 0.85,
          line: grain === '1h',
        },
        encoding: {
          x,
          y: { field: 'posts', type: 'quantitative', title: `posts per ${GRAIN_LABEL[grain] ?? grain}` },
        },
      },
    ],
    config: { font: 'DejaVu Sans', axis: { labelFontSize: 11, titleFontSize: 11 }, view: { stroke: null } },
  };
  // Loaded on first use: most processes importing this package (the API, the CLI) never draw.
  const [vega, vl, { Resvg }] = await Promise.all([
    import('vega'),
    import('vega-lite'),
    import('@resvg/resvg-js'),
  ]);
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  const svg = await view.toSVG();
  view.finalize();
  const png = new Resvg(svg, {
    fitTo: { mode: 'width', value: CHART_PNG_SIZE.width },
    font: { loadSystemFonts: true, defaultFontFamily: 'DejaVu Sans' },
  })
    .render()
    .asPng();
  return Buffer.from(png);
}
