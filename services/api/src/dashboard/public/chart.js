// The time-series chart: uPlot (loaded as a global by index.html) with two small plugins,
// capture gaps shaded behind the series and alert markers drawn over it.

const GAP_FILL = 'rgba(214, 69, 65, 0.16)';
const ALERT_STROKE = '#b35c00';
const LINE = '#1f6feb';

let plot;
let shape = '';
let marks = { gaps: [], alerts: [] };

/** Shades each capture gap [start, end) across the plot area, under the series. */
function gapShading() {
  return {
    hooks: {
      drawClear: (u) => {
        const { ctx, bbox } = u;
        ctx.save();
        ctx.fillStyle = GAP_FILL;
        for (const gap of marks.gaps) {
          const left = Math.max(bbox.left, u.valToPos(gap.start / 1000, 'x', true));
          const right = Math.min(bbox.left + bbox.width, u.valToPos(gap.end / 1000, 'x', true));
          if (right > left) ctx.fillRect(left, bbox.top, right - left, bbox.height);
        }
        ctx.restore();
      },
    },
  };
}

/** A dashed vertical line per alert, over the series. */
function alertMarkers() {
  return {
    hooks: {
      draw: (u) => {
        const { ctx, bbox } = u;
        ctx.save();
        ctx.strokeStyle = ALERT_STROKE;
        ctx.lineWidth = 2 * devicePixelRatio;
        ctx.setLineDash([4 * devicePixelRatio, 3 * devicePixelRatio]);
        for (const alert of marks.alerts) {
          const x = Math.round(u.valToPos(alert.at / 1000, 'x', true));
          if (x < bbox.left || x > bbox.left + bbox.width) continue;
          ctx.beginPath();
          ctx.moveTo(x, bbox.top);
          ctx.lineTo(x, bbox.top + bbox.height);
          ctx.stroke();
        }
        ctx.restore();
      },
    },
  };
}

function size(el) {
  const width = Math.max(280, el.clientWidth);
  // Shorter on a phone held upright, so the cards and lists stay within reach.
  return { width, height: width < 600 ? 220 : 320 };
}

function create(el, { tz, label }, data) {
  const uPlot = globalThis.uPlot;
  return new uPlot(
    {
      ...size(el),
      tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), tz),
      legend: { live: true },
      cursor: { drag: { x: false, y: false } },
      scales: { y: { range: (_u, _min, max) => [0, max > 0 ? max * 1.1 : 1] } },
      axes: [{}, { size: 60 }],
      series: [
        {},
        { label, stroke: LINE, fill: 'rgba(31, 111, 235, 0.12)', width: 2, points: { show: false } },
      ],
      plugins: [gapShading(), alertMarkers()],
    },
    data,
    el,
  );
}

/**
 * Draws the series (points of /v1/series) with gaps and alerts, in instants of epoch ms.
 * The chart is rebuilt only when its axes change (zone, metric); new data just replaces the old.
 */
export function renderChart(el, { tz, metric, label, points, gaps, alerts }) {
  const data = [points.map((p) => Date.parse(p.t) / 1000), points.map((p) => p.value)];
  marks = { gaps, alerts };
  const next = `${tz} ${metric}`;
  if (plot && shape === next) {
    plot.setData(data);
  } else {
    plot?.destroy();
    plot = create(el, { tz, label }, data);
    shape = next;
  }
  el.dataset.points = String(points.length);
}

/** What the chart shows now, for the browser test and for a look from the devtools. */
export function chartSnapshot() {
  if (!plot) return undefined;
  return { shape, xs: [...plot.data[0]], ys: [...plot.data[1]], gaps: marks.gaps.length };
}

/** Follows the container's width (rotation, a resized window). */
export function followSize(el) {
  new ResizeObserver(() => plot?.setSize(size(el))).observe(el);
}
