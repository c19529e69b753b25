import {
  ALERT_GRAINS,
  ALL_NETWORKS,
  DEFAULT_RULE,
  isTimeZone,
  missingMetrics,
  NETWORK_FILTERS,
  NETWORK_NAMES,
  parseLocalInstant,
  STORED_METRICS,
  WEEKDAYS,
} from '@tagpulse/core';
import {
  type AlertRule,
  alertRulesRepository,
  alertsRepository,
  type Database,
  hashtagsRepository,
  type NewAlertRule,
  rollupsRepository,
} from '@tagpulse/db';
import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { ApiDeps } from '../deps.js';
import { hashtagParam, instantParam, resolveScope } from '../params.js';
import { ApiProblem, badParam, problems } from '../problem.js';

const clock = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'expected HH:MM (24-hour)');
const channel = z.discriminatedUnion('type', [
  z.object({ type: z.literal('webhook'), url: z.url({ protocol: /^https?$/ }) }).strict(),
  z.object({ type: z.literal('email'), to: z.array(z.email()).min(1).max(20) }).strict(),
]);

/** A rule as sent and returned; every field but `hashtag` has the default rule's value when left out. */
const ruleFields = {
  name: z.string().min(1).max(200),
  hashtag: hashtagParam,
  network: z
    .enum(NETWORK_FILTERS, { error: `unknown network; one of ${NETWORK_FILTERS.join(', ')}` })
    .describe('the network whose series the rule watches, or all of them summed (all, the default)'),
  metric: z.enum(STORED_METRICS, { error: `unknown metric; one of ${STORED_METRICS.join(', ')}` }),
  interval: z.enum(ALERT_GRAINS, { error: `expected one of ${ALERT_GRAINS.join(', ')}` }),
  sensitivity: z.number().int().min(1).max(10).describe('1 (only huge spikes) to 10 (anything unusual)'),
  min_volume: z.number().min(0).describe('smallest bucket value that may fire'),
  min_coverage: z
    .number()
    .min(0)
    .max(1)
    .describe('captured/X-counted share below which a bucket never fires'),
  pending_minutes: z.number().int().min(0).max(1_440).describe('how long a spike must last before it fires'),
  recovery_buckets: z.number().int().min(1).max(288).describe('calm buckets in a row that resolve it'),
  repeat_minutes: z.number().int().min(1).nullable().describe('reminder interval while firing; null: never'),
  tz: z.string().max(64).describe('IANA zone of quiet hours and expected-event windows'),
  quiet_hours: z
    .array(z.object({ start: clock, end: clock, days: z.array(z.enum(WEEKDAYS)).optional() }).strict())
    .max(20),
  silences: z
    .array(
      z
        .object({
          from: instantParam,
          to: instantParam,
          reason: z.string().max(500).optional(),
          series: z.string().max(120).optional(),
        })
        .strict(),
    )
    .max(100),
  expected_windows: z
    .array(
      z
        .object({
          name: z.string().min(1).max(200),
          start: z.string().max(40).describe('YYYY-MM-DDTHH:MM in tz, or an ISO instant'),
          end: z.string().max(40),
        })
        .strict(),
    )
    .max(200),
  channels: z.array(channel).max(20),
  enabled: z.boolean(),
};
const ruleBody = z.object(ruleFields).partial().required({ hashtag: true }).strict();
const rulePatch = z.object(ruleFields).partial().strict();
const ruleView = z.object({
  id: z.string(),
  ...ruleFields,
  is_default: z.boolean(),
  states: z.array(z.object({ series: z.string(), state: z.string(), since: z.string() })),
  created_at: z.string(),
  updated_at: z.string(),
});
type RuleInput = z.infer<typeof rulePatch>;

function label(rule: AlertRule, labels: Map<string, string>): string {
  return rule.scope === rollupsRepository.ALL_SCOPE ? 'all' : (labels.get(rule.scope) ?? rule.scope);
}

function view(
  rule: AlertRule,
  hashtag: string,
  states: { series: string; state: string; state_since: Date }[],
) {
  return {
    id: rule.id,
    name: rule.name,
    hashtag,
    network: rule.network,
    metric: rule.metric,
    interval: rule.grain,
    sensitivity: rule.sensitivity,
    min_volume: rule.minVolume,
    min_coverage: rule.minCoverage,
    pending_minutes: rule.pendingMinutes,
    recovery_buckets: rule.recoveryBuckets,
    repeat_minutes: rule.repeatMinutes,
    tz: rule.tz,
    quiet_hours: rule.quietHours,
    silences: rule.silences,
    expected_windows: rule.expectedWindows,
    channels: rule.channels,
    enabled: rule.enabled,
    is_default: rule.isDefault,
    states: states.map((s) => ({ series: s.series, state: s.state, since: s.state_since.toISOString() })),
    created_at: rule.createdAt.toISOString(),
    updated_at: rule.updatedAt.toISOString(),
  };
}

/**
 * What zod cannot check alone: the zone, a metric the network publishes, and windows that are real
 * instants in it, in order. `rule` is what the rule will be: the input over the stored rule or the defaults.
 */
function checkRule(input: RuleInput, rule: Pick<AlertRule, 'tz' | 'network' | 'metric'>): void {
  const { tz, network, metric } = rule;
  if (network !== ALL_NETWORKS && missingMetrics(network).includes(metric)) {
    throw badParam(
      input.metric === undefined ? 'network' : 'metric',
      `${metric} is not available on ${NETWORK_NAMES[network]}`,
    );
  }
  if (input.tz !== undefined && !isTimeZone(input.tz)) {
    throw badParam('tz', `unknown IANA time zone ${JSON.stringify(input.tz)}`);
  }
  for (const [i, w] of (input.expected_windows ?? []).entries()) {
    const start = parseLocalInstant(w.start, tz);
    const end = parseLocalInstant(w.end, tz);
    if (!start || !end)
      throw badParam(
        'expected_windows',
        `window ${i}: start and end must be YYYY-MM-DDTHH:MM or ISO instants`,
      );
    if (end <= start)
      throw badParam('expected_windows', `window ${i}: end must be after start (a negative window)`);
  }
  for (const [i, s] of (input.silences ?? []).entries()) {
    if (!(Date.parse(s.to) > Date.parse(s.from)))
      throw badParam('silences', `silence ${i}: to must be after from`);
  }
}

function toRule(input: RuleInput): Partial<NewAlertRule> {
  const out: Partial<NewAlertRule> = {
    name: input.name,
    network: input.network,
    metric: input.metric,
    grain: input.interval,
    sensitivity: input.sensitivity,
    minVolume: input.min_volume,
    minCoverage: input.min_coverage,
    pendingMinutes: input.pending_minutes,
    recoveryBuckets: input.recovery_buckets,
    repeatMinutes: input.repeat_minutes,
    tz: input.tz,
    quietHours: input.quiet_hours,
    silences: input.silences,
    expectedWindows: input.expected_windows,
    channels: input.channels,
    enabled: input.enabled,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

/** The rule with this id, or a 404: read from `db`, the primary when a write follows. */
export async function ruleOr404(db: Kysely<Database>, id: string): Promise<AlertRule> {
  const rule = await alertRulesRepository.getRule(db, id);
  if (!rule) throw new ApiProblem(404, `no alert rule ${id}`);
  return rule;
}

export function alertRulesRoutes(app: FastifyInstance, deps: ApiDeps): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const doc = { tags: ['alerts'], security: [{ bearer: [] }] };
  const idParams = z.object({ id: z.uuid({ error: 'expected a rule id (uuid)' }) });

  async function labels(): Promise<Map<string, string>> {
    const { value } = await deps.cache.get('hashtags', (db) => hashtagsRepository.listHashtags(db));
    return new Map(value.map((h) => [h.tag_key, h.display]));
  }
  async function present(rules: AlertRule[]) {
    const [names, states] = await Promise.all([
      labels(),
      alertsRepository.seriesStates(
        deps.pools.read,
        rules.map((r) => r.id),
      ),
    ]);
    return rules.map((r) =>
      view(
        r,
        label(r, names),
        states.filter((s) => s.rule_id === r.id),
      ),
    );
  }

  api.get(
    '/v1/alert-rules',
    {
      config: { scope: 'admin' },
      schema: {
        ...doc,
        summary: 'alert rules, with the state of each watched series',
        response: { 200: z.object({ rules: z.array(ruleView) }), ...problems(401, 403, 429) },
      },
    },
    async () => ({ rules: await present(await alertRulesRepository.listRules(deps.pools.read)) }),
  );

  api.get(
    '/v1/alert-rules/:id',
    {
      config: { scope: 'admin' },
      schema: {
        ...doc,
        summary: 'one alert rule',
        params: idParams,
        response: { 200: ruleView, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) => (await present([await ruleOr404(deps.pools.read, request.params.id)]))[0]!,
  );

  api.post(
    '/v1/alert-rules',
    {
      config: { scope: 'admin' },
      schema: {
        ...doc,
        summary: 'create an alert rule; fields left out take the default rule’s values',
        body: ruleBody,
        response: { 201: ruleView, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      const body = request.body;
      checkRule(body, { ...DEFAULT_RULE, ...toRule(body) });
      const scope = await resolveScope(deps, body.hashtag);
      const rule = await alertRulesRepository.createRule(deps.db, {
        ...DEFAULT_RULE,
        name:
          body.name ??
          `Spikes in ${scope.label === 'all' ? 'all hashtags' : `#${scope.label}`}${
            body.network === undefined || body.network === ALL_NETWORKS
              ? ''
              : ` on ${NETWORK_NAMES[body.network]}`
          }`,
        scope: scope.scope,
        channels: [],
        enabled: true,
        ...toRule(body),
      });
      return reply.status(201).send((await present([rule]))[0]!);
    },
  );

  api.patch(
    '/v1/alert-rules/:id',
    {
      config: { scope: 'admin' },
      schema: {
        ...doc,
        summary: 'change an alert rule (the fields sent); a changed detector setting starts its series over',
        params: idParams,
        body: rulePatch,
        response: { 200: ruleView, ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request) => {
      const current = await ruleOr404(deps.db, request.params.id);
      const body = request.body;
      checkRule(body, { ...current, ...toRule(body) });
      const patch = toRule(body);
      if (body.hashtag !== undefined) patch.scope = (await resolveScope(deps, body.hashtag)).scope;
      const rule = await alertRulesRepository.updateRule(deps.db, current.id, patch);
      if (!rule) throw new ApiProblem(404, `no alert rule ${current.id}`);
      return (await present([rule]))[0]!;
    },
  );

  api.delete(
    '/v1/alert-rules/:id',
    {
      config: { scope: 'admin' },
      schema: {
        ...doc,
        summary: 'delete an alert rule and its history',
        params: idParams,
        response: { 204: z.null(), ...problems(400, 401, 403, 404, 429) },
      },
    },
    async (request, reply) => {
      if (!(await alertRulesRepository.deleteRule(deps.db, request.params.id))) {
        throw new ApiProblem(404, `no alert rule ${request.params.id}`);
      }
      return reply.status(204).send(null);
    },
  );
}
