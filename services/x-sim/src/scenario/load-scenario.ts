import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import type { z } from 'zod';
import { type Scenario, scenarioSchema } from './scenario-schema.js';

/** The scenarios shipped with x-sim, by name. */
export const BUILTIN_SCENARIOS = ['virtual-ct-week-2020', 'steady', 'spike'] as const;
export type BuiltinScenario = (typeof BUILTIN_SCENARIOS)[number];

const SCENARIO_DIR = fileURLToPath(new URL('../../scenarios/', import.meta.url));

/** A scenario file that does not parse or validate; the message names the file and the bad field. */
export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/**
 * Loads a scenario by built-in name or by path (`.json`, `.yaml` or `.yml`) and
 * validates it, failing with the path of the first bad field.
 */
export function loadScenario(nameOrPath: string): Scenario {
  const file = (BUILTIN_SCENARIOS as readonly string[]).includes(nameOrPath)
    ? path.join(SCENARIO_DIR, `${nameOrPath}.yaml`)
    : path.resolve(nameOrPath);
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    throw new ScenarioError(
      `${nameOrPath}: no such scenario (built-in: ${BUILTIN_SCENARIOS.join(', ')}; or a .yaml/.json path)`,
    );
  }
  let raw: unknown;
  try {
    raw = file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ScenarioError(
      `${file}: not valid ${file.endsWith('.json') ? 'JSON' : 'YAML'}: ${(err as Error).message}`,
    );
  }
  return parseScenario(raw, file);
}

/** Validates an already-parsed scenario object; `source` names it in errors. */
export function parseScenario(raw: unknown, source = 'scenario'): Scenario {
  const result = scenarioSchema.safeParse(raw);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  throw new ScenarioError(`${source}: ${formatIssue(issue)}`);
}

function formatIssue(issue: z.core.$ZodIssue | undefined): string {
  if (!issue) return 'invalid scenario';
  const where = issue.path.reduce<string>((acc, key) => {
    if (typeof key === 'number') return `${acc}[${key}]`;
    return acc ? `${acc}.${String(key)}` : String(key);
  }, '');
  return `${where || '(root)'}: ${issue.message}`;
}
