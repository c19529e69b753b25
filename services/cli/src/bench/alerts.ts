import { execFile } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { createSpikeDetector } from '@tagpulse/core';
import type { Figure } from './report.js';

const run = promisify(execFile);

const REPO_ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const NAB_DIR = path.resolve(REPO_ROOT, 'vendor/nab');
/** The best detector on SCOREBOARD.md (NAB standard profile, these five files). */
export const ARTIME_SCORE = 83.77;

interface FileScore {
  file: string;
  windowsScored: number;
  windowsHit: number;
  fp: number;
  score: number;
}

interface Scored {
  normalized: number;
  files: FileScore[];
}

/** A NAB data file: `timestamp,value` rows, timestamps without a zone (read as UTC). */
async function readSeries(file: string): Promise<{ stamps: string[]; values: number[] }> {
  const lines = (await readFile(file, 'utf8')).trim().split(/\r?\n/);
  const header = (lines[0] ?? '').split(',');
  const ti = header.indexOf('timestamp');
  const vi = header.indexOf('value');
  if (ti < 0 || vi < 0) throw new Error(`${file}: expected timestamp,value columns`);
  const rows = lines.slice(1).map((line) => line.split(','));
  return { stamps: rows.map((r) => r[ti] ?? ''), values: rows.map((r) => Number(r[vi])) };
}

const epochMs = (stamp: string) => Date.parse(`${stamp.replace(' ', 'T')}Z`);

/** Runs the detector, default settings, bucket by bucket; writes `timestamp,is_alert`. */
async function detectAll(dataDir: string, outDir: string): Promise<{ files: string[]; alerts: number }> {
  const files = (await readdir(dataDir)).filter((f) => f.endsWith('.csv')).sort();
  if (files.length === 0) throw new Error(`no CSV files in ${dataDir}`);
  await mkdir(outDir, { recursive: true });
  let alerts = 0;
  for (const name of files) {
    const { stamps, values } = await readSeries(path.join(dataDir, name));
    const detector = createSpikeDetector();
    const lines = ['timestamp,is_alert'];
    for (const [i, stamp] of stamps.entries()) {
      const { alert } = detector.update(epochMs(stamp), values[i] ?? 0);
      if (alert) alerts++;
      lines.push(`${stamp},${alert ? 1 : 0}`);
    }
    await writeFile(path.join(outDir, name), `${lines.join('\n')}\n`);
  }
  return { files, alerts };
}

async function score(dataDir: string, resultsDir: string): Promise<Scored> {
  const json = path.join(resultsDir, 'score.json');
  await run(process.execPath, [
    path.join(NAB_DIR, 'score.mjs'),
    ...['--data', dataDir, '--labels', path.join(NAB_DIR, 'labels/combined_windows.json')],
    ...['--results', resultsDir, '--present-only', '--profile', 'standard', '--quiet', '--json', json],
  ]);
  const report = JSON.parse(await readFile(json, 'utf8')) as {
    profiles: { standard: { normalized: number; files: FileScore[] } };
  };
  return report.profiles.standard;
}

/** One file's score on the overall scale: a miss per window is 0, a hit per window at its start 100. */
const perFile = (f: FileScore) => (100 * (f.score + f.windowsScored)) / (2 * f.windowsScored);

export async function benchAlerts(options: { dataDir: string; outDir: string }): Promise<{
  rows: Record<string, Figure>[];
  figures: Record<string, Figure>;
}> {
  const { dataDir, outDir } = options;
  const baselineDir = path.join(outDir, 'baseline-zscore');
  const { files, alerts } = await detectAll(dataDir, outDir);
  // The scoreboard's floor, measured in the same run on the same files.
  await run(process.execPath, [
    path.join(NAB_DIR, 'baseline-zscore.mjs'),
    '--data',
    dataDir,
    '--out',
    baselineDir,
  ]);
  const [ours, baseline] = [await score(dataDir, outDir), await score(dataDir, baselineDir)];
  const baselineByFile = new Map(baseline.files.map((f) => [f.file, f]));
  const rows: Record<string, Figure>[] = ours.files.map((f) => {
    const base = baselineByFile.get(f.file);
    return {
      file: path.basename(f.file),
      windows: f.windowsScored,
      hit: f.windowsHit,
      false_alerts: f.fp,
      score: fixed(perFile(f)),
      baseline: base ? fixed(perFile(base)) : '',
    };
  });
  rows.push({
    file: 'overall',
    windows: sum(ours.files, (f) => f.windowsScored),
    hit: sum(ours.files, (f) => f.windowsHit),
    false_alerts: sum(ours.files, (f) => f.fp),
    score: fixed(ours.normalized),
    baseline: fixed(baseline.normalized),
    artime: fixed(ARTIME_SCORE),
  });
  return {
    rows,
    figures: {
      score: fixed(ours.normalized),
      artime: fixed(ARTIME_SCORE),
      ratio_vs_artime: fixed(ours.normalized / ARTIME_SCORE, 3),
      baseline: fixed(baseline.normalized),
      files: files.length,
      alerts,
      out: outDir,
    },
  };
}

const sum = <T>(items: T[], of: (item: T) => number) => items.reduce((total, item) => total + of(item), 0);
// Strings, so the table and the key=value line show scores the way SCOREBOARD.md does.
const fixed = (x: number, digits = 2) => x.toFixed(digits);
