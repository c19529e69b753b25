import {
  ALL_NETWORKS,
  type Episode,
  METRIC_DEFINITIONS,
  NETWORK_NAMES,
  type NoticeKind,
} from '@tagpulse/core';
import type { AlertRule } from '@tagpulse/db';
import type { Message } from '@tagpulse/notify';
import type { SpikeDetails } from './explain.js';

export type StoredMessage = Omit<Message, 'idempotencyKey'>;

const round = (x: number | undefined | null) => (x == null ? null : Math.round(x * 10) / 10);

const HEADLINE: Record<NoticeKind, string> = {
  firing: 'Spike',
  repeat: 'Still spiking',
  resolved: 'Resolved',
  stalled: 'Capture stalled',
  recovered: 'Capture back',
};

/** A notice as people and machines read it: one line, a few paragraphs, and the full JSON. */
export function renderNotice(input: {
  alertId: number;
  kind: NoticeKind;
  at: number;
  rule: AlertRule;
  label: string;
  episode: Episode;
  details: Partial<SpikeDetails>;
}): StoredMessage {
  const { rule, label, episode: ep, details, kind } = input;
  const on = rule.network === ALL_NETWORKS ? '' : ` on ${NETWORK_NAMES[rule.network]}`;
  const tag = `${label === 'all' ? 'all tracked hashtags' : `#${label}`}${on}`;
  const per = rule.grain === '5m' ? '5 minutes' : 'hour';
  const b = ep.bucket;
  const lines: string[] = [];
  let subject: string;
  if (ep.kind === 'stalled') {
    subject = `[tagpulse] ${HEADLINE[kind]}: ${tag}`;
    lines.push(
      kind === 'stalled'
        ? `No successful poll for ${tag} since before ${new Date(ep.startedAt).toISOString()}. Spike alerts are held until capture is back; the buckets it misses are recorded as gaps.`
        : `Capture of ${tag} is back (${new Date(input.at).toISOString()}).`,
    );
  } else {
    const figures = b
      ? `${round(b.value)} ${rule.metric} per ${per}, expected ${round(b.expected)} (band ${round(b.lower)} to ${round(b.upper)}, ${round(b.score)}σ)`
      : '';
    subject = `[tagpulse] ${HEADLINE[kind]}: ${tag}${kind === 'resolved' ? '' : ` — ${figures}`}`;
    lines.push(`${rule.name}: ${METRIC_DEFINITIONS[rule.metric]}.`);
    lines.push(`Started ${new Date(ep.startedAt).toISOString()}; ${figures}; peak ${round(ep.peak)}.`);
    if (kind === 'resolved') lines.push(`Back within the band since ${new Date(input.at).toISOString()}.`);
    if (details.top_posts?.length) {
      lines.push(
        'Top posts:',
        ...details.top_posts.map((p) => `- @${p.author ?? '?'}: ${p.text.slice(0, 140)} (${p.url})`),
      );
    }
    if (details.top_authors?.length) {
      lines.push(
        `Top authors: ${details.top_authors.map((a) => `@${a.username ?? '?'} (${a.followers} followers)`).join(', ')}`,
      );
    }
    if (details.cohashtags?.length) {
      lines.push(`Along with: ${details.cohashtags.map((c) => `#${c.tag} (${c.posts})`).join(', ')}`);
    }
    lines.push(
      `Coverage of the hour: ${details.coverage == null ? 'not measured yet' : `${Math.round(details.coverage * 100)} %`}`,
    );
    if (details.link) lines.push(`Chart: ${details.link}`);
  }
  return {
    subject,
    text: lines.join('\n'),
    json: {
      kind,
      alert_id: input.alertId,
      alert_kind: ep.kind,
      rule: { id: rule.id, name: rule.name },
      hashtag: label,
      network: rule.network,
      metric: rule.metric,
      interval: rule.grain,
      at: new Date(input.at).toISOString(),
      started_at: new Date(ep.startedAt).toISOString(),
      fired_at: ep.firedAt === null ? null : new Date(ep.firedAt).toISOString(),
      resolved_at: ep.resolvedAt === null ? null : new Date(ep.resolvedAt).toISOString(),
      observed: b?.value ?? null,
      expected: b?.expected ?? null,
      band: b ? { lower: b.lower, upper: b.upper } : null,
      score: b?.score ?? null,
      peak: ep.peak,
      ...details,
    },
  };
}
