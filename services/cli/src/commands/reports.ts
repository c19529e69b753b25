import { CALENDAR_PERIODS } from '@tagpulse/core';
import { createDb, reportSchedulesRepository, reportsRepository } from '@tagpulse/db';
import { closeQueues, createQueues, createRedis, jobCatalog, type Queues } from '@tagpulse/queue';
import {
  checkSchedule,
  createSchedule,
  deleteSchedule,
  REPORT_CHANNELS,
  REPORT_FORMATS,
  type ReportChannel,
  type ReportFormat,
} from '@tagpulse/reports';
import { loadSharedEnv } from '@tagpulse/runtime';
import { Command, Option } from 'commander';
import { runCommand } from './run-command.js';

type Db = ReturnType<typeof createDb>;

/** The database and the report queue's producer: a schedule's row and its job scheduler change together. */
async function withReports<T>(body: (db: Db, queues: Queues) => Promise<T>): Promise<T> {
  const env = loadSharedEnv();
  const db = createDb({ url: env.DATABASE_URL, max: 1, applicationName: 'tagpulse-reports' });
  const redis = createRedis(env.REDIS_URL, 'producer', () => {}, { cluster: env.REDIS_CLUSTER });
  const queues = createQueues(redis, env.QUEUE_PREFIX, () => {});
  try {
    return await body(db, queues);
  } finally {
    await closeQueues(queues);
    redis.disconnect();
    await db.destroy();
  }
}

const list = (value: string, previous: string[] = []) => [
  ...previous,
  ...value
    .split(',')
    .map((v) => v.trim())
    .filter((v) => v.length > 0),
];

/** The option a schedule field came from, as people typed it: `recipients.1` is `--to`. */
function optionOf(field: string): string {
  const name = field.split('.')[0] ?? field;
  const options: Record<string, string> = {
    hashtags: '--hashtag',
    recipients: '--to',
    webhooks: '--webhook',
    formats: '--format',
    channels: '--channel',
  };
  return options[name] ?? `--${name.replace(/_/g, '-')}`;
}

interface AddOptions {
  period: string;
  hashtag: string[];
  tz: string;
  sendAt?: string;
  to: string[];
  webhook: string[];
  format: string[];
  channel?: string[];
  name?: string;
  sendWhenEmpty?: boolean;
}

export function reportsCommand(): Command {
  const reports = new Command('reports').description(
    'scheduled reports: schedules (run by the workers as job schedulers) and the reports they built',
  );
  reports
    .command('add')
    .description('schedule a report; the workers pick it up without a restart')
    .requiredOption('--period <period>', `${CALENDAR_PERIODS.join(', ')} or a cron expression`)
    .option(
      '--hashtag <hashtags>',
      'tracked hashtags reported on together (comma-separated, repeatable); default all',
      list,
      [],
    )
    .option('--tz <zone>', 'IANA time zone of the period and the printed times', 'UTC')
    .option('--send-at <cron>', 'for calendar periods: when to send (default 07:00 local after the period)')
    .option('--to <addresses>', 'e-mail recipients (comma-separated, repeatable)', list, [])
    .option('--webhook <url>', 'webhook receiving the report as JSON (repeatable)', list, [])
    .option('--format <formats>', `of ${REPORT_FORMATS.join(', ')} (comma-separated)`, list, [])
    .addOption(
      new Option(
        '--channel <channels>',
        `of ${REPORT_CHANNELS.join(', ')} (default: where it has destinations)`,
      ).argParser(list),
    )
    .option('--name <name>', 'the report title')
    .option('--send-when-empty', 'send even when nothing was posted in the period')
    .action((o: AddOptions) =>
      runCommand(() =>
        withReports(async (db, queues) => {
          const result = await checkSchedule(db, {
            name: o.name,
            hashtags: o.hashtag.length > 0 ? o.hashtag : ['all'],
            period: o.period,
            send_at: o.sendAt,
            tz: o.tz,
            recipients: o.to,
            webhooks: o.webhook,
            formats: (o.format.length > 0 ? o.format : ['html']) as ReportFormat[],
            channels: o.channel as ReportChannel[] | undefined,
            send_when_empty: o.sendWhenEmpty ?? false,
            enabled: true,
          });
          if (!result.ok) throw new Error(`${optionOf(result.problem.field)}: ${result.problem.reason}`);
          const row = await createSchedule({ db, queues }, result.row);
          console.log(row.id);
          console.error(`scheduled "${row.name}" (${row.period}, ${row.tz})`);
        }),
      ),
    );
  reports
    .command('list')
    .description('the report schedules')
    .action(() =>
      runCommand(() =>
        withReports(async (db) => {
          for (const s of await reportSchedulesRepository.listSchedules(db)) {
            const to = [...s.recipients, ...s.webhooks].join(',') || '-';
            console.log(
              [
                s.id,
                s.enabled ? 'on' : 'off',
                s.period,
                s.send_at ?? '-',
                s.tz,
                s.hashtags.join(',') || 'all',
                to,
                s.name,
              ].join('\t'),
            );
          }
        }),
      ),
    );
  reports
    .command('remove')
    .argument('<id>', 'schedule id')
    .description('delete a schedule and its job scheduler; its reports stay')
    .action((id: string) =>
      runCommand(() =>
        withReports(async (db, queues) => {
          if (!/^[0-9a-f-]{36}$/i.test(id) || !(await deleteSchedule({ db, queues }, id))) {
            throw new Error(`no report schedule ${id}`);
          }
          console.log(`removed ${id}`);
        }),
      ),
    );
  reports
    .command('run')
    .argument('<id>', 'schedule id')
    .option(
      '--at <instant>',
      'build the report due at this instant (ISO 8601), e.g. a missed one; default now',
    )
    .description('build and send the report a schedule would at an instant (once per period, as scheduled)')
    .action((id: string, o: { at?: string }) =>
      runCommand(() =>
        withReports(async (db, queues) => {
          const schedule = /^[0-9a-f-]{36}$/i.test(id)
            ? await reportSchedulesRepository.getSchedule(db, id)
            : undefined;
          if (!schedule) throw new Error(`no report schedule ${id}`);
          const at = o.at === undefined ? new Date() : new Date(o.at);
          if (Number.isNaN(at.getTime())) throw new Error(`--at: expected an ISO 8601 instant, got ${o.at}`);
          const def = jobCatalog['build-report'];
          await queues[def.queue].add(
            'build-report',
            { scheduleId: id, firedAt: at.toISOString() },
            def.opts,
          );
          console.log(`queued the report of ${id} due at ${at.toISOString()}`);
        }),
      ),
    );
  reports
    .command('history')
    .description('the latest reports and their deliveries')
    .option('--limit <n>', 'how many', '20')
    .action((o: { limit: string }) =>
      runCommand(() =>
        withReports(async (db) => {
          const rows = await reportsRepository.listReports(db, { limit: Math.max(1, Number(o.limit) || 20) });
          const deliveries = await reportsRepository.deliveriesOf(
            db,
            rows.map((r) => r.id),
          );
          for (const r of rows) {
            const own = deliveries.filter((d) => d.report_id === r.id);
            const status = r.skipped_reason
              ? `skipped: ${r.skipped_reason}`
              : own
                  .map((d) => `${d.channel} ${d.status}${d.last_error ? ` (${d.last_error})` : ''}`)
                  .join('; ') || 'stored';
            console.log(
              [r.id, r.period_start.toISOString(), r.period_end.toISOString(), r.tz, status].join('\t'),
            );
          }
        }),
      ),
    );
  return reports;
}
