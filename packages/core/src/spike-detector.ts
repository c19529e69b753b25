/**
 * A causal anomaly detector for any metric series (posts per bucket, but equally CPU, latency,
 * traffic or prices): each value is judged only against the values before it, so replaying a
 * series gives the same verdicts as watching it live.
 *
 * Model: the baseline is the median of the last BASELINE_BUCKETS values and the scale a robust
 * spread (MAD) around it, so a bucket's score is how many robust σ it lies from the recent
 * typical value. Both are unmoved by the spikes they judge and both scale with the data, so
 * multiplying a series by 1,000 changes no verdict. A bucket opens an episode when its score
 * passes the sensitivity's threshold and also beats the largest score of the last
 * RECORD_BLOCK × RECORD_BLOCKS buckets (times a factor from the sensitivity): what a series does every few
 * days, however wild, is its normal; news is what it has not done lately. The episode goes on
 * while the following buckets stay past the threshold. Nothing is judged before WARMUP_BUCKETS
 * values have been seen. Windows are counted in buckets, not hours, so the detector reads
 * irregular and repeated timestamps alike; no daily or weekly profile is assumed.
 */

import { median, robustScale } from './spike-detector-stats.js';

export const DEFAULT_SENSITIVITY = 5;

export interface SpikeDetectorOptions {
  /**
   * The one knob, 1 to 10 (default 5). Higher alerts more: the threshold and the factor over the
   * recent record both fall with it (see `gatesFor`), so every bucket anomalous at a lower setting
   * is anomalous at a higher one.
   */
  sensitivity?: number;
}

/** Everything the detector remembers: a few hundred numbers, plain JSON. */
export interface SpikeDetectorState {
  version: 2;
  /** Values seen so far. */
  buckets: number;
  /** The last BASELINE_BUCKETS values, oldest first. */
  window: number[];
  /** The largest |score| of each of the last RECORD_BLOCKS closed blocks, oldest first. */
  records: number[];
  /** The block being filled: its largest |score| and how many scores it holds. */
  block: { max: number; count: number };
  /** Whether the last bucket was anomalous: an episode goes on while buckets stay past the threshold. */
  inEpisode: boolean;
}

export interface SpikeVerdict {
  /** True on the first anomalous bucket of an episode: notify. */
  alert: boolean;
  /** True on every bucket of an episode. */
  anomalous: boolean;
  /** Baseline and band in metric units: what an alert shows beside the observed value. */
  expected: number;
  lower: number;
  upper: number;
  /** Robust σ from the baseline, signed (0 while warming up). */
  score: number;
}

export interface SpikeDetector {
  update(t: number | Date, value: number): SpikeVerdict;
  /** A copy of the state: pass it to createSpikeDetector to carry on later. */
  state(): SpikeDetectorState;
}

// A day of 5-minute buckets: a spike up to half this long cannot move the median, and a level
// that holds longer becomes the baseline. Assumes nothing about the grain beyond that.
const BASELINE_BUCKETS = 288;
// The median and MAD of 100 values are within about an eighth of a σ of the truth; 100 is also
// inside NAB's shortest probationary period (169 rows), the time a new series is given to learn.
const WARMUP_BUCKETS = 100;
// The recent record: the largest score over about five days of 5-minute buckets, kept as the
// maxima of 15 blocks of 100 so the state stays small. Assumes what recurs within a few days
// (daily peaks, nightly troughs, batch jobs) is routine.
const RECORD_BLOCK = 100;
const RECORD_BLOCKS = 15;
// On a window with no spread at all (a flat line), a change of 1% of the baseline counts as one
// σ: relative, so still scale-free; tiny-count series are guarded by the rule's minimum volume.
const FLAT_SCALE = 0.01;
// Scores are kept finite (a step off a flat zero line is infinitely many σ) so the state stays JSON.
const MAX_SCORE = 1e9;

/** The gates at a sensitivity of 1 to 10; both loosen as it rises, so verdicts nest. */
export function gatesFor(sensitivity: number): { threshold: number; overRecord: number } {
  if (!Number.isFinite(sensitivity) || sensitivity < 1 || sensitivity > 10)
    throw new RangeError(`sensitivity must be between 1 and 10, got ${sensitivity}`);
  const steps = DEFAULT_SENSITIVITY - sensitivity;
  return {
    // 3σ at the default, doubling every four steps down (6σ at 1) and halving every four up.
    threshold: 3 * 2 ** (steps / 4),
    // A new episode must beat the recent record; below the default, by up to 41% (at 1). Never
    // by less than the record: a series' routine extremes are not news at any setting.
    overRecord: Math.max(1, 2 ** (steps / 8)),
  };
}

/** The |score| a bucket must pass at a sensitivity of 1 to 10. */
export const thresholdFor = (sensitivity: number): number => gatesFor(sensitivity).threshold;

export function initialSpikeState(): SpikeDetectorState {
  return { version: 2, buckets: 0, window: [], records: [], block: { max: 0, count: 0 }, inEpisode: false };
}

/** A saved state of this model, or a fresh one for a state saved by an earlier model. */
function adopt(from: SpikeDetectorState | { version?: unknown }): SpikeDetectorState {
  return from.version === 2 ? structuredClone(from as SpikeDetectorState) : initialSpikeState();
}

export function createSpikeDetector(
  options: SpikeDetectorOptions = {},
  from: SpikeDetectorState | { version?: unknown } = initialSpikeState(),
): SpikeDetector {
  const { threshold, overRecord } = gatesFor(options.sensitivity ?? DEFAULT_SENSITIVITY);
  const s = adopt(from);

  function update(at: number | Date, value: number): SpikeVerdict {
    const t = typeof at === 'number' ? at : at.getTime();
    if (!Number.isFinite(t) || !Number.isFinite(value)) throw new RangeError('t and value must be finite');
    // A series starts at its first non-zero value: the zeros before it (a hashtag not yet used,
    // history from before capture began) say nothing of its level or spread.
    if (s.window.length === 0 && value === 0)
      return { alert: false, anomalous: false, expected: 0, lower: 0, upper: 0, score: 0 };
    const verdict = judge(value);
    s.window.push(value);
    if (s.window.length > BASELINE_BUCKETS) s.window.shift();
    s.buckets += 1;
    return verdict;
  }

  function judge(value: number): SpikeVerdict {
    if (s.window.length < WARMUP_BUCKETS) {
      const expected = s.window.length > 0 ? median(s.window) : value;
      return { alert: false, anomalous: false, expected, lower: expected, upper: expected, score: 0 };
    }
    const expected = median(s.window);
    const scale = robustScale(s.window, expected, FLAT_SCALE * Math.abs(expected) || Number.MIN_VALUE);
    const score = Math.max(-MAX_SCORE, Math.min(MAX_SCORE, (value - expected) / scale));
    const size = Math.abs(score);
    const record = Math.max(s.block.max, ...s.records);
    const past = size > threshold;
    const alert = past && !s.inEpisode && size > overRecord * record;
    const anomalous = alert || (past && s.inEpisode);
    s.inEpisode = anomalous;
    remember(size);
    return {
      alert,
      anomalous,
      expected,
      lower: expected - threshold * scale,
      upper: expected + threshold * scale,
      score,
    };
  }

  function remember(size: number): void {
    s.block.max = Math.max(s.block.max, size);
    s.block.count += 1;
    if (s.block.count < RECORD_BLOCK) return;
    s.records.push(s.block.max);
    if (s.records.length > RECORD_BLOCKS) s.records.shift();
    s.block = { max: 0, count: 0 };
  }

  return { update, state: () => structuredClone(s) };
}
