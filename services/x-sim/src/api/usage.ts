import { type UsageMeter, utcDay } from '../server/access.js';
import { tokenFingerprint } from '../server/billing.js';
import { ParamReader } from './params.js';
import { type ApiResult, NO_READS } from './search.js';

const USAGE_FIELDS = [
  'cap_reset_day',
  'daily_client_app_usage',
  'daily_project_usage',
  'project_cap',
  'project_id',
  'project_usage',
] as const;
const DAY_MS = 86_400_000;

export interface UsageProject {
  meter: UsageMeter;
  /** The project's id, digits. */
  projectId: string;
}

/**
 * `GET /2/usage/tweets`: Posts consumed per UTC day over the last `days` days
 * (1–90, default 7; today included), per app (token) and for the project, the
 * monthly cap, what the month has used and the days left until it resets, in
 * the shape of the spec's `Usage` schema. Every field is sent whatever
 * `usage.fields` asks (its values are still checked).
 */
export function usageTweets(project: UsageProject, query: URLSearchParams, now: number): ApiResult {
  const params = new ParamReader(query, ['days', 'usage.fields']);
  const days = params.int('days', 1, 90, 7);
  params.list('usage.fields', USAGE_FIELDS);
  params.check();
  const today = Math.floor(now / DAY_MS) * DAY_MS;
  const perApp = new Map<string, { date: string; usage: number }[]>();
  const projectDays: { date: string; usage: number }[] = [];
  for (let i = days - 1; i >= 0; i--) {
    const dayMs = today - i * DAY_MS;
    const date = new Date(dayMs).toISOString();
    let total = 0;
    for (const [token, posts] of project.meter.daily(utcDay(dayMs))) {
      const app = tokenFingerprint(token);
      let list = perApp.get(app);
      if (!list) {
        list = [];
        perApp.set(app, list);
      }
      list.push({ date, usage: posts });
      total += posts;
    }
    projectDays.push({ date, usage: total });
  }
  const next = new Date(now);
  const resetMs = Date.UTC(next.getUTCFullYear(), next.getUTCMonth() + 1, 1);
  const cap = project.meter.cap;
  const data = {
    cap_reset_day: Math.ceil((resetMs - now) / DAY_MS),
    daily_client_app_usage: [...perApp].map(([app, usage]) => ({
      // The spec wants digits: the fingerprint's first 15 hex digits, read as a number.
      client_app_id: BigInt(`0x${app.slice(0, 15)}`).toString(),
      usage,
      usage_result_count: usage.length,
    })),
    daily_project_usage: { project_id: Number(project.projectId), usage: projectDays },
    project_cap: Number.isFinite(cap) ? cap : 0,
    project_id: project.projectId,
    project_usage: project.meter.monthTotal(undefined, now),
  };
  if (data.daily_client_app_usage.length === 0) delete (data as Partial<typeof data>).daily_client_app_usage;
  return { json: JSON.stringify({ data }), postsRead: 0, reads: NO_READS };
}
