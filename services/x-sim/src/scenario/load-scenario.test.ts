import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { stringify } from 'yaml';
import { BUILTIN_SCENARIOS, loadScenario, parseScenario, ScenarioError } from './load-scenario.js';

describe('loadScenario', () => {
  it.each(BUILTIN_SCENARIOS)('loads the built-in %s', (name) => {
    expect(loadScenario(name).name).toBe(name);
  });

  it('gives virtual-ct-week-2020 one 7-day week of New York time with the three hashtags', () => {
    const s = loadScenario('virtual-ct-week-2020');
    expect(Date.parse(s.window.end) - Date.parse(s.window.start)).toBe(7 * 24 * 3_600_000);
    expect(s.window.start).toBe('2020-07-06T00:00:00-04:00');
    expect(s.hashtags.map((h) => h.tag)).toEqual(['VirtualCTWeek', 'UNCCTExpo', 'UNiteToCounterTerrorism']);
    expect(Object.keys(s.languages)).toEqual(expect.arrayContaining(['en', 'fr', 'es', 'ar', 'ru', 'zh']));
  });

  it('reads JSON and YAML files alike', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'x-sim-'));
    const raw = { ...loadScenario('spike'), name: 'copy' };
    writeFileSync(path.join(dir, 's.json'), JSON.stringify(raw));
    writeFileSync(path.join(dir, 's.yml'), stringify(raw));
    expect(loadScenario(path.join(dir, 's.json'))).toEqual(loadScenario(path.join(dir, 's.yml')));
  });

  it('names the path of the bad field', () => {
    const raw = structuredClone(loadScenario('virtual-ct-week-2020')) as { events: { start: string }[] };
    (raw.events[2] as { start: string }).start = 'next tuesday';
    expect(() => parseScenario(raw, 'ct.yaml')).toThrow(
      new ScenarioError('ct.yaml: events[2].start: expected ISO time'),
    );
    expect(() => parseScenario({ ...loadScenario('steady'), timezone: 'Mars/Olympus' })).toThrow(
      /timezone: expected an IANA time zone/,
    );
    expect(() => parseScenario({ ...loadScenario('steady'), hashtags: [{ tag: '#bad tag' }] })).toThrow(
      /hashtags\[0\]\.tag: /,
    );
  });

  it('fails on an unknown name or unreadable file with a hint', () => {
    expect(() => loadScenario('nope')).toThrow(
      /no such scenario \(built-in: virtual-ct-week-2020, steady, spike/,
    );
  });
});
