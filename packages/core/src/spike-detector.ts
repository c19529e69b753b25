/**
 * A causal spike detector for count series (posts per 5 minutes by default, any
 * metric and grain). Each bucket is judged against a robust seasonal forecast
 * learned only from the buckets before it, so replaying a series gives the
 * same verdicts as watching it live.
 *
 * Model, in the variance-stabilised space u = log(x + 3) (bursts are
 * multiplicative whatever the base; the +3 keeps near-empty series from
 * swinging on 0 → 1):
 *   forecast u = level + daily[hour of day] + weekly[hour of week]
 * Level and profiles are exponentially weighted and every update is clipped at
 * 3σ (Huber style), so a spike barely moves the baseline. σ is the Poisson noise
 * of the expected count plus the series' own extra dispersion, learned and
 * shrunk towards a prior while the series is young. The daily profile is trusted
 * after one to three days of history, the weekly one after two to three weeks.
 *
 * A bucket is anomalous when its z-score passes the threshold, or when a CUSUM
 * of z-scores passes three times it (a surge sustained over an hour without one
 * outstanding bucket) and the last half hour is busier than a typical day's
 * busiest hour (the median of the last seven daily peaks of hourly means), and
 * it exceeds the forecast by at least the absolute floor. The peak check is for
 * the forecast's blind spot: a day whose cycle runs early, late or a little high
 * drifts above the forecast for hours, yet is no busier than an ordinary day at
 * its peak, so it is no news. The first anomalous bucket after a calm spell
 * alerts; the episode lasts at least a day (one notice per story and news
 * cycle) and until six calm hours have passed. A surge that lasts three hours is
 * a new level, not a spike: the level jumps to it and alerting stops.
 */

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const WEEK = 7 * DAY;
const FIVE_MINUTES = 5 * MINUTE;

export const DEFAULT_SENSITIVITY = 5;

export interface SpikeDetectorOptions {
  /** Width of one bucket in milliseconds (default 5 minutes). */
  bucketMs?: number;
  /**
   * The one knob, 1 to 10 (default 5). It sets how many σ above the forecast a
   * bucket must be: 9.5 at 1 (only huge, obvious spikes), 7.5 at 5, 5 at 10
   * (anything clearly unusual); half a σ per step. A higher setting alerts on
   * every bucket a lower one does, and possibly more.
   */
  sensitivity?: number;
  /**
   * Smallest excess over the forecast, in metric units per bucket, that may
   * alert. Default 5 at 5-minute grain, scaled with the square root of the
   * bucket width (the Poisson noise of a count grows that way).
   */
  floor?: number;
}

/** Everything the detector remembers: a few hundred numbers, plain JSON. */
export interface SpikeDetectorState {
  version: 1;
  buckets: number;
  lastT: number | null;
  level: number;
  /** Extra dispersion (σ beyond Poisson noise) in the stabilised space. */
  spread: number;
  daily: number[];
  weekly: number[];
  cusum: number;
  /** The current episode's end: a new alert needs t ≥ quietUntil. */
  quietUntil: number | null;
  /** Signed count of consecutive buckets far on one side of the forecast. */
  run: number;
  /** Residuals of that run, to move the level by their median. */
  runResiduals: number[];
  /**
   * Mean value of each of the last 168 hours that had data, oldest first, and
   * the hour being filled. Optional so states saved before they existed load.
   */
  hourly?: number[];
  hour?: { key: number; sum: number; count: number } | null;
  /** The value smoothed over about half an hour. */
  recent?: number | null;
}

export interface SpikeVerdict {
  /** True on the first anomalous bucket of an episode: notify. */
  alert: boolean;
  /** True on every bucket above the band and the floor, alerted or not. */
  anomalous: boolean;
  /** Forecast and band in metric units: what an alert shows beside the observed value. */
  expected: number;
  lower: number;
  upper: number;
  /** The bucket's z-score (σ above the forecast, in the stabilised space). */
  score: number;
  /** True when this bucket made the detector accept a new level. */
  levelShift: boolean;
}

export interface SpikeDetector {
  update(t: number | Date, value: number): SpikeVerdict;
  /** A copy of the state: pass it to createSpikeDetector to carry on later. */
  state(): SpikeDetectorState;
}

const OFFSET = 3;
// Extra dispersion assumed before any data, and how many buckets it weighs.
const PRIOR_SPREAD = 0.25;
const PRIOR_WEIGHT = 288;
const MIN_SIGMA = 0.05;
const CLIP = 3;
// CUSUM: z-scores above the drift accumulate; one bucket adds at most Z_CAP.
const CUSUM_DRIFT = 1;
const CUSUM_FACTOR = 3;
const Z_CAP = 4;
// Learning is damped on buckets this far out, whatever the sensitivity, so the
// forecast (and thus the verdict ordering across sensitivities) never depends on it.
const OUTLIER_Z = thresholdFor(DEFAULT_SENSITIVITY);
const SHIFT_Z = 2;
// Capped so a long surge cannot bank credit that later fires on an ordinary
// bucket, yet high enough for the least sensitive setting to reach.
const CUSUM_CEILING = CUSUM_FACTOR * thresholdFor(1) + Z_CAP;
// The typical daily peak: the median over this many days of each day's busiest
// hour, once a day of hours is known.
const PEAK_DAYS = 7;
const RECENT_HALF_LIFE = 30 * MINUTE;

/** The z-score a bucket must pass at a sensitivity of 1 to 10. */
export function thresholdFor(sensitivity: number): number {
  if (!Number.isFinite(sensitivity) || sensitivity < 1 || sensitivity > 10)
    throw new RangeError(`sensitivity must be between 1 and 10, got ${sensitivity}`);
  return 5 + 0.5 * (10 - sensitivity);
}

interface Tuning {
  threshold: number;
  floor: number;
  levelRate: number;
  dailyRate: number;
  weeklyRate: number;
  spreadRate: number;
  shiftBuckets: number;
  cooldownMs: number;
  calmMs: number;
  recentRate: number;
  dailyAfter: number;
  weeklyAfter: number;
}

function tuning(options: SpikeDetectorOptions): Tuning {
  const bucketMs = options.bucketMs ?? FIVE_MINUTES;
  if (!(bucketMs > 0)) throw new RangeError('bucketMs must be positive');
  const floor = options.floor ?? 5 * Math.sqrt(bucketMs / FIVE_MINUTES);
  if (!(floor >= 0)) throw new RangeError('floor must be zero or more');
  // Rates from half-lives in time, so any grain learns at the same speed.
  const perHalfLife = (ms: number) => 1 - 2 ** (-bucketMs / ms);
  return {
    threshold: thresholdFor(options.sensitivity ?? DEFAULT_SENSITIVITY),
    floor,
    levelRate: perHalfLife(DAY),
    // A daily slot is visited one hour a day: half-life of three days of visits;
    // a weekly slot one hour a week: two weeks of visits.
    dailyRate: perHalfLife(3 * HOUR),
    weeklyRate: perHalfLife(2 * HOUR),
    spreadRate: perHalfLife(DAY),
    shiftBuckets: Math.max(2, Math.round((3 * HOUR) / bucketMs)),
    // An episode lasts a news cycle at least: one notice per story per day.
    cooldownMs: DAY,
    calmMs: 6 * HOUR,
    recentRate: perHalfLife(RECENT_HALF_LIFE),
    dailyAfter: Math.ceil(DAY / bucketMs),
    weeklyAfter: Math.ceil((2 * WEEK) / bucketMs),
  };
}

export function initialSpikeState(): SpikeDetectorState {
  return {
    version: 1,
    buckets: 0,
    lastT: null,
    level: 0,
    spread: PRIOR_SPREAD,
    daily: new Array(24).fill(0),
    weekly: new Array(168).fill(0),
    cusum: 0,
    quietUntil: null,
    run: 0,
    runResiduals: [],
    hourly: [],
    hour: null,
    recent: null,
  };
}

const stabilise = (x: number) => Math.log(Math.max(0, x) + OFFSET);
const destabilise = (u: number) => Math.max(0, Math.exp(u) - OFFSET);
const clamp = (x: number, lo: number, hi: number) => Math.min(hi, Math.max(lo, x));

// Delta method: a Poisson count of mean λ has variance λ/(λ+c)² in log(x + c).
function poissonVariance(forecast: number): number {
  const lambda = destabilise(forecast);
  return lambda / (lambda + OFFSET) ** 2;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  const hi = sorted[mid] ?? 0;
  return sorted.length % 2 ? hi : ((sorted[mid - 1] ?? hi) + hi) / 2;
}

// Median of the daily maxima of hourly means, days counted back from the newest
// hour; null until a full day of hours is known.
function typicalDailyPeak(hourly: readonly number[]): number | null {
  const maxima: number[] = [];
  for (let end = hourly.length; end >= 24 && maxima.length < PEAK_DAYS; end -= 24)
    maxima.push(Math.max(...hourly.slice(end - 24, end)));
  return maxima.length === 0 ? null : median(maxima);
}

function slots(t: number): { hourOfDay: number; hourOfWeek: number } {
  const inWeek = ((t % WEEK) + WEEK) % WEEK;
  return { hourOfDay: Math.floor((inWeek % DAY) / HOUR), hourOfWeek: Math.floor(inWeek / HOUR) };
}

export function createSpikeDetector(
  options: SpikeDetectorOptions = {},
  from: SpikeDetectorState = initialSpikeState(),
): SpikeDetector {
  const k = tuning(options);
  const s = structuredClone(from);
  s.hourly ??= [];
  s.hour ??= null;
  s.recent ??= null;

  // Profiles are learned from the start but only trusted once they have seen
  // enough cycles; half-learned, they would add noise rather than remove it.
  const trust = (after: number) => clamp((s.buckets - after) / (2 * after), 0, 1);

  function sigmaAt(forecast: number): number {
    const extra = (PRIOR_WEIGHT * PRIOR_SPREAD + s.buckets * s.spread) / (PRIOR_WEIGHT + s.buckets);
    return Math.max(MIN_SIGMA, Math.sqrt(extra * extra + poissonVariance(forecast)));
  }

  function update(at: number | Date, value: number): SpikeVerdict {
    const t = typeof at === 'number' ? at : at.getTime();
    if (!Number.isFinite(t) || !Number.isFinite(value)) throw new RangeError('t and value must be finite');
    const u = stabilise(value);
    if (s.buckets === 0) s.level = u;
    const { hourOfDay, hourOfWeek } = slots(t);
    const forecast =
      s.level +
      trust(k.dailyAfter) * (s.daily[hourOfDay] ?? 0) +
      trust(k.weeklyAfter) * (s.weekly[hourOfWeek] ?? 0);
    const sigma = sigmaAt(forecast);
    const residual = u - forecast;
    const z = residual / sigma;

    const expected = destabilise(forecast);
    const recent = trackVolume(t, value);
    s.cusum = clamp(s.cusum + Math.min(z, Z_CAP) - CUSUM_DRIFT, 0, CUSUM_CEILING);
    const surge = z > 0 && s.cusum > CUSUM_FACTOR * k.threshold && aboveDailyPeak(recent);
    const surprising = z > k.threshold || surge;
    const anomalous = surprising && value - expected >= k.floor;
    const alert = anomalous && (s.quietUntil === null || t >= s.quietUntil);
    if (anomalous) {
      const end = t + (alert ? k.cooldownMs : k.calmMs);
      s.quietUntil = Math.max(s.quietUntil ?? end, end);
    }

    const outlier = z > OUTLIER_Z || s.cusum > CUSUM_FACTOR * OUTLIER_Z;
    const levelShift = trackShift(z, residual);
    learn(residual, sigma, forecast, hourOfDay, hourOfWeek, outlier);
    s.buckets += 1;
    s.lastT = t;
    return {
      alert,
      anomalous,
      expected,
      lower: destabilise(forecast - k.threshold * sigma),
      upper: destabilise(forecast + k.threshold * sigma),
      score: z,
      levelShift,
    };
  }

  // Hourly means for the daily peaks (an hour is closed when a later one starts),
  // and the value smoothed over about half an hour, which is returned.
  function trackVolume(t: number, value: number): number {
    const key = Math.floor(t / HOUR);
    const hourly = s.hourly ?? [];
    if (s.hour && s.hour.key !== key) {
      hourly.push(s.hour.sum / s.hour.count);
      if (hourly.length > PEAK_DAYS * 24) hourly.shift();
      s.hour = null;
    }
    s.hourly = hourly;
    s.hour = s.hour
      ? { key, sum: s.hour.sum + value, count: s.hour.count + 1 }
      : { key, sum: value, count: 1 };
    s.recent = s.recent == null ? value : s.recent + k.recentRate * (value - s.recent);
    return s.recent;
  }

  // A sustained surge must be busier than a typical day at its busiest; before
  // a day of history there is nothing to compare with and the surge stands.
  function aboveDailyPeak(recent: number): boolean {
    const peak = typicalDailyPeak(s.hourly ?? []);
    return peak === null || recent > peak;
  }

  // Three hours far on one side of the forecast is a new level: move the level
  // by the run's median residual, and the surge stops being a spike.
  function trackShift(z: number, residual: number): boolean {
    const side = z > SHIFT_Z ? 1 : z < -SHIFT_Z ? -1 : 0;
    if (side === 0 || Math.sign(s.run) !== side) {
      s.run = side;
      s.runResiduals = side === 0 ? [] : [residual];
      return false;
    }
    s.run += side;
    s.runResiduals.push(residual);
    if (Math.abs(s.run) < k.shiftBuckets) return false;
    s.level += median(s.runResiduals);
    s.run = 0;
    s.runResiduals = [];
    s.cusum = 0;
    return true;
  }

  function learn(
    residual: number,
    sigma: number,
    forecast: number,
    hourOfDay: number,
    hourOfWeek: number,
    outlier: boolean,
  ): void {
    const r = clamp(residual, -CLIP * sigma, CLIP * sigma);
    const damp = outlier ? 0.1 : 1;
    s.level += damp * k.levelRate * r;
    // Holt-Winters split: each profile learns what the level did not absorb.
    const d = damp * k.dailyRate * (1 - k.levelRate) * r;
    shift(s.daily, hourOfDay, d);
    s.level += d / s.daily.length;
    const w = damp * k.weeklyRate * ((1 - k.levelRate) * r - d);
    shift(s.weekly, hourOfWeek, w);
    if (s.buckets === 0) return;
    const variance =
      s.spread ** 2 + k.spreadRate * (Math.max(0, r * r - poissonVariance(forecast)) - s.spread ** 2);
    s.spread = Math.sqrt(variance);
  }

  return { update, state: () => structuredClone(s) };
}

// Adds `by` to one slot and takes its mean back off every slot, so a profile
// stays centred on zero and the level keeps meaning "the typical value".
function shift(profile: number[], slot: number, by: number): void {
  const mean = by / profile.length;
  for (let i = 0; i < profile.length; i++) profile[i] = (profile[i] ?? 0) + (i === slot ? by : 0) - mean;
}
