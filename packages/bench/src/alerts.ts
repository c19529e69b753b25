import { execFile } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { createSpikeDetector, DEFAULT_SENSITIVITY, PROFILE_SENSITIVITY } from '@tagpulse/core';
import {
  loadNabCorpus,
  loadNumentaScores,
  NAB_DATA_DIRS,
  NAB_LABELS,
  NAB_SCORER,
  type NabCorpus,
  type NabFile,
  PROFILES,
  type Tally,
} from './nab-corpus.js';
import type { Figure } from './report.js';

const run = promisify(execFile);

/** SCOREBOARD.md "Development corpus": the best published detector, standard profile, 53 files. */
export const ARTIME_SCORE = 73.97;
/** SCOREBOARD.md: ARTime on the five dev realTweets files, standard profile. */
export const ARTIME_TWEETS = 83.77;
const SENSITIVITIES = [1, 2, 3, 4, 5, 6, 7, 8, 9, 10];

export interface AlertsBench {
  categories: Record<string, Figure>[];
  sensitivities: Record<string, Figure>[];
  figures: Record<string, Figure>;
}

/** The production detector, one fresh instance per series, bucket by bucket; 1 where it alerts. */
function detect(f: NabFile, sensitivity: number): Uint8Array {
  const detector = createSpikeDetector({ sensitivity });
  return Uint8Array.from(f.values, (v, i) => (detector.update(f.times[i] as number, v).alert ? 1 : 0));
}

/** Writes `timestamp,is_alert`, one row per data row in data order, as score.mjs wants. */
async function writeAlerts(corpus: NabCorpus, alerts: Uint8Array[], outDir: string): Promise<void> {
  for (const [i, f] of corpus.files.entries()) {
    const lines = ['timestamp,is_alert', ...f.stamps.map((s, row) => `${s},${alerts[i]?.[row] ?? 0}`)];
    await mkdir(path.join(outDir, f.category), { recursive: true });
    await writeFile(path.join(outDir, f.key), `${lines.join('\n')}\n`);
  }
}

/** vendor/nab/score.mjs's own CLI on the files written: the figure the bench's in-process scores must match. */
async function scoreWithCli(outDir: string): Promise<number> {
  const json = path.join(outDir, 'score.json');
  await run(process.execPath, [
    NAB_SCORER,
    ...['--subset', 'all', '--present-only', '--profile', 'standard', '--quiet', '--json', json],
    ...NAB_DATA_DIRS.flatMap((d) => ['--data', d]),
    ...['--labels', NAB_LABELS, '--results', outDir],
  ]);
  const report = JSON.parse(await readFile(json, 'utf8')) as {
    profiles: { standard: { normalized: number } };
  };
  return report.profiles.standard.normalized;
}

const fixed = (x: number | null, digits = 2): string => (x === null ? 'n/a' : x.toFixed(digits));

export async function benchAlerts(options: { outDir: string }): Promise<AlertsBench> {
  const corpus = await loadNabCorpus();
  const { files } = corpus;
  const updates = files.reduce((n, f) => n + f.values.length, 0);

  const bySensitivity = new Map<number, Uint8Array[]>();
  let defaultMs = 0;
  for (const s of SENSITIVITIES) {
    const started = performance.now();
    bySensitivity.set(
      s,
      files.map((f) => detect(f, s)),
    );
    if (s === DEFAULT_SENSITIVITY) defaultMs = performance.now() - started;
  }
  const at = (s: number) => bySensitivity.get(s) as Uint8Array[];
  const defaults = at(DEFAULT_SENSITIVITY);
  const overall = corpus.tally(defaults, 'standard');

  await writeAlerts(corpus, defaults, options.outDir);
  const cli = await scoreWithCli(options.outDir);
  if (overall.score === null || Math.abs(cli - overall.score) > 1e-9)
    throw new Error(`in-process score ${overall.score} disagrees with score.mjs ${cli}`);

  // Leave one category out: the sensitivity is the one free parameter; choose it on the other
  // categories' files (standard profile), then score the left-out category at that setting.
  const categories = [...new Set(files.map((f) => f.category))].sort();
  const chosen = new Map<string, number>();
  for (const c of categories) {
    let best = DEFAULT_SENSITIVITY;
    let bestScore = -Infinity;
    for (const s of SENSITIVITIES) {
      const score = corpus.tally(at(s), 'standard', (f) => f.category !== c).score ?? -Infinity;
      if (score > bestScore) [best, bestScore] = [s, score];
    }
    chosen.set(c, best);
  }
  const loco = files.map((f, i) => at(chosen.get(f.category) as number)[i] as Uint8Array);
  const numenta = await loadNumentaScores();
  let belowNumenta = 0;
  const categoryRows: Record<string, Figure>[] = categories.map((c) => {
    const inCategory = (f: NabFile) => f.category === c;
    const left = corpus.tally(loco, 'standard', inCategory);
    const plain = corpus.tally(defaults, 'standard', inCategory);
    const theirs = numenta[c]?.standard ?? null;
    if (left.score !== null && theirs !== null && left.score <= theirs) belowNumenta += 1;
    return {
      category: c,
      files: files.filter(inCategory).length,
      windows: left.windows,
      chosen_sensitivity: chosen.get(c) as number,
      loco: fixed(left.score),
      loco_hit: left.hit,
      loco_false: left.falseAlerts,
      default: fixed(plain.score),
      numenta: fixed(theirs),
      loco_vs_numenta: left.score === null || theirs === null ? 'n/a' : fixed(left.score - theirs),
    };
  });
  const locoScores = categories.flatMap(
    (c) => corpus.tally(loco, 'standard', (f) => f.category === c).score ?? [],
  );
  const pooled = corpus.tally(loco, 'standard');
  categoryRows.push({
    category: 'all 53 files',
    files: files.length,
    windows: pooled.windows,
    chosen_sensitivity: '',
    loco: fixed(pooled.score),
    loco_hit: pooled.hit,
    loco_false: pooled.falseAlerts,
    default: fixed(overall.score),
    numenta: fixed(numenta.all?.standard ?? null),
    loco_vs_numenta: '',
  });

  const numentaAll = numenta.all;
  const sensitivityRows: Record<string, Figure>[] = SENSITIVITIES.map((s) => {
    const [lowFp, standard, lowFn] = PROFILES.map((p) => corpus.tally(at(s), p)) as [Tally, Tally, Tally];
    const stands = Object.entries(PROFILE_SENSITIVITY).find(([, v]) => v === s)?.[0] ?? '';
    return {
      sensitivity: s,
      profile: stands,
      low_fp: fixed(lowFp.score),
      standard: fixed(standard.score),
      low_fn: fixed(lowFn.score),
      windows_hit: standard.hit,
      false_alerts: standard.falseAlerts,
    };
  });
  const profileScore = (p: (typeof PROFILES)[number]) => corpus.tally(at(PROFILE_SENSITIVITY[p]), p).score;
  const tweets = corpus.tally(defaults, 'standard', (f) => f.category === 'realTweets');

  // numenta's row in the same table: its three profiles at its stored thresholds, on these 53 files.
  sensitivityRows.push({
    sensitivity: 'numenta',
    profile: '',
    low_fp: fixed(numentaAll?.reward_low_FP_rate ?? null),
    standard: fixed(numentaAll?.standard ?? null),
    low_fn: fixed(numentaAll?.reward_low_FN_rate ?? null),
    windows_hit: '',
    false_alerts: '',
  });

  return {
    categories: categoryRows,
    sensitivities: sensitivityRows,
    figures: {
      tweets: fixed(tweets.score),
      tweets_artime: fixed(ARTIME_TWEETS),
      low_fp: fixed(profileScore('reward_low_FP_rate')),
      low_fn: fixed(profileScore('reward_low_FN_rate')),
      score_mjs: fixed(cli),
      loco: fixed(pooled.score),
      loco_below_numenta: belowNumenta,
      numenta: fixed(numentaAll?.standard ?? null),
      score: fixed(overall.score),
      artime: fixed(ARTIME_SCORE),
      ratio_vs_artime: fixed((overall.score ?? 0) / ARTIME_SCORE, 3),
      loco_min: fixed(Math.min(...locoScores)),
      windows_hit: `${overall.hit}/${overall.windows}`,
      false_alerts: overall.falseAlerts,
      us_per_update: fixed((1000 * defaultMs) / updates, 1),
    },
  };
}
