import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const REPO_ROOT = fileURLToPath(new URL('../../../', import.meta.url));
export const NAB_DIR = path.resolve(REPO_ROOT, 'vendor/nab');
export const NAB_SCORER = path.join(NAB_DIR, 'score.mjs');
export const NAB_LABELS = path.join(NAB_DIR, 'labels/combined_windows.json');
/** The development corpus: every category under data/, and the five dev realTweets files. */
export const NAB_DATA_DIRS = [path.join(NAB_DIR, 'data'), path.join(NAB_DIR, 'realTweets')];

export const PROFILES = ['reward_low_FP_rate', 'standard', 'reward_low_FN_rate'] as const;
export type Profile = (typeof PROFILES)[number];
/** numenta's NAB scores per category of the 53 files, and `all` (how computed: in the file). */
const NUMENTA_SCORES = path.join(NAB_DIR, 'numenta-by-category.json');

export async function loadNumentaScores(): Promise<Record<string, Record<Profile, number>>> {
  const file = JSON.parse(await readFile(NUMENTA_SCORES, 'utf8')) as {
    scores: Record<string, Record<Profile, number>>;
  };
  return file.scores;
}

interface Cost {
  tpWeight: number;
  fpWeight: number;
  fnWeight: number;
}
interface Sweep {
  sweep: Float64Array;
  win: Int32Array;
}
interface FileResult {
  score: number;
  windowsHit: number;
  fp: number;
}
/** The parts of vendor/nab/score.mjs the bench uses, so scores come from the same rules as its CLI. */
interface NabScorer {
  DEFAULT_PROFILES: Record<Profile, Cost>;
  loadDataFile(file: string): { timestamps: number[] };
  windowsToIndices(windows: [string, string][], timestamps: number[], key: string): unknown[];
  sweepScores(n: number, windows: unknown[], cost: Cost): Sweep;
  scoreFile(sw: Sweep, nWindows: number, detected: (i: number) => boolean, cost: Cost): FileResult;
}

export interface NabFile {
  /** `<category>/<file>.csv`, as in the label file. */
  key: string;
  category: string;
  stamps: string[];
  times: number[];
  values: number[];
  windows: number;
  /** Windows with a row past the probationary period: what never alerting misses. */
  scorable: number;
  sweeps: Record<Profile, Sweep>;
}

export interface Tally {
  /** NAB's normalised score: 0 never alerting, 100 every window at its start; null with no window. */
  score: number | null;
  windows: number;
  hit: number;
  falseAlerts: number;
}

export interface NabCorpus {
  files: NabFile[];
  /** Scores alerts (one 0/1 array per file, in `files` order) on the files `include` keeps. */
  tally(alerts: Uint8Array[], profile: Profile, include?: (f: NabFile) => boolean): Tally;
}

async function categoryDirs(): Promise<[string, string][]> {
  const data = NAB_DATA_DIRS[0] as string;
  const categories = (await readdir(data, { withFileTypes: true })).filter((d) => d.isDirectory());
  return [
    ...categories.map((d): [string, string] => [d.name, path.join(data, d.name)]),
    ['realTweets', NAB_DATA_DIRS[1] as string],
  ];
}

/** The 53 files of NAB's development corpus (vendor/nab/README.md), with their windows and sweeps. */
export async function loadNabCorpus(): Promise<NabCorpus> {
  const nab = (await import(pathToFileURL(NAB_SCORER).href)) as NabScorer;
  const labels = JSON.parse(await readFile(NAB_LABELS, 'utf8')) as Record<string, [string, string][]>;
  const files: NabFile[] = [];
  for (const [category, dir] of await categoryDirs()) {
    const names = (await readdir(dir)).filter((f) => f.endsWith('.csv')).sort();
    for (const name of names) {
      const file = path.join(dir, name);
      const key = `${category}/${name}`;
      const windowsOf = labels[key];
      if (!windowsOf) throw new Error(`${key}: not in ${NAB_LABELS}`);
      const { timestamps } = nab.loadDataFile(file);
      const { stamps, values } = await readSeries(file);
      const windows = nab.windowsToIndices(windowsOf, timestamps, key);
      const sweeps = Object.fromEntries(
        PROFILES.map((p) => [p, nab.sweepScores(timestamps.length, windows, nab.DEFAULT_PROFILES[p])]),
      ) as Record<Profile, Sweep>;
      const scorable = new Set(sweeps.standard.win.filter((w) => w >= 0)).size;
      files.push({
        key,
        category,
        stamps,
        times: timestamps,
        values,
        windows: windows.length,
        scorable,
        sweeps,
      });
    }
  }
  files.sort((a, b) => a.key.localeCompare(b.key));

  function tally(
    alerts: Uint8Array[],
    profile: Profile,
    include: (f: NabFile) => boolean = () => true,
  ): Tally {
    const cost = nab.DEFAULT_PROFILES[profile];
    let raw = 0;
    let windows = 0;
    let scorable = 0;
    let hit = 0;
    let falseAlerts = 0;
    for (const [i, f] of files.entries()) {
      if (!include(f)) continue;
      const a = alerts[i] as Uint8Array;
      const r = nab.scoreFile(f.sweeps[profile], f.windows, (row) => a[row] === 1, cost);
      raw += r.score;
      windows += f.windows;
      scorable += f.scorable;
      hit += r.windowsHit;
      falseAlerts += r.fp;
    }
    // NAB's normalisation over the files scored: null = a miss per window, perfect = a hit at each start.
    const nullRaw = -scorable * cost.fnWeight;
    const perfect = windows * cost.tpWeight;
    const score = windows === 0 ? null : (100 * (raw - nullRaw)) / (perfect - nullRaw);
    return { score, windows, hit, falseAlerts };
  }
  return { files, tally };
}

/** A NAB data file: `timestamp,value` rows, in file order (some files repeat timestamps). */
async function readSeries(file: string): Promise<{ stamps: string[]; values: number[] }> {
  const lines = (await readFile(file, 'utf8')).trim().split(/\r?\n/);
  const header = (lines[0] ?? '').split(',');
  const ti = header.indexOf('timestamp');
  const vi = header.indexOf('value');
  if (ti < 0 || vi < 0) throw new Error(`${file}: expected timestamp,value columns`);
  const rows = lines.slice(1).map((line) => line.split(','));
  return { stamps: rows.map((r) => r[ti] ?? ''), values: rows.map((r) => Number(r[vi])) };
}
