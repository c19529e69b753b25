import { readdir } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { migrations } from './index.js';

describe('the migration list', () => {
  it('names every migration file in this folder, in file-name order', async () => {
    const folder = fileURLToPath(new URL('.', import.meta.url));
    const files = (await readdir(folder))
      .filter((f) => /^\d{4}_\d{2}_\d{2}_\d{4}_.+\.ts$/.test(f) && !f.endsWith('.test.ts'))
      .map((f) => f.replace(/\.ts$/, ''))
      .sort();
    expect(Object.keys(migrations)).toEqual(files);
    expect(files.length).toBeGreaterThan(0);
  });
});
