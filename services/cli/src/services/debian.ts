import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

/** Runs a command with its output shown; throws with the command line when it fails. */
function run(command: string, args: string[], env: NodeJS.ProcessEnv = process.env): void {
  const result = spawnSync(command, args, { stdio: 'inherit', env });
  if (result.status !== 0) {
    throw new Error(
      `\`${[command, ...args].join(' ')}\` failed (${result.error?.message ?? `exit ${result.status}`})`,
    );
  }
}

function onPath(binary: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${binary}`], { stdio: 'ignore' }).status === 0;
}

export function hostFacts() {
  return { isRoot: process.getuid?.() === 0, isDebian: existsSync('/etc/debian_version') };
}

function postgresVersions(): string[] {
  return existsSync('/etc/postgresql') ? readdirSync('/etc/postgresql').sort() : [];
}

export const installed = {
  postgres: () => onPath('pg_ctlcluster') && postgresVersions().length > 0,
  redis: () => onPath('redis-server'),
};

const DEBIAN_PACKAGES = { postgres: 'postgresql', redis: 'redis-server' } as const;

/** Installs Debian's package for the server (non-interactive). */
export function installPackage(name: keyof typeof DEBIAN_PACKAGES): void {
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  run('apt-get', ['update', '-q'], env);
  run('apt-get', ['install', '-y', '-q', '--no-install-recommends', DEBIAN_PACKAGES[name]], env);
}

/** Starts the newest installed PostgreSQL cluster, without systemd (containers and CI have none). */
export function startPostgres(): void {
  const version = postgresVersions().at(-1);
  if (!version) throw new Error('no PostgreSQL cluster under /etc/postgresql');
  run('pg_ctlcluster', ['--skip-systemctl-redirect', version, 'main', 'start']);
}

/**
 * Starts redis-server as a daemon on the URL's port with `noeviction`: BullMQ's
 * keys must never be evicted (BullMQ "going to production").
 */
export function startRedis(redisUrl: string): void {
  const port = new URL(redisUrl).port || '6379';
  const config = existsSync('/etc/redis/redis.conf') ? ['/etc/redis/redis.conf'] : [];
  // Debian's config names one pid and dump file; a server on another port needs its own.
  const ownFiles =
    port === '6379' ? [] : ['--pidfile', `/tmp/redis-${port}.pid`, '--dbfilename', `dump-${port}.rdb`];
  run('redis-server', [
    ...config,
    ...['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', port, '--supervised', 'no'],
    ...['--maxmemory-policy', 'noeviction'],
    ...ownFiles,
  ]);
}

/**
 * Gives the URL's role the URL's password on a local server we just installed,
 * whose only access is peer authentication for the `postgres` system user.
 */
export function grantLocalRole(databaseUrl: string): void {
  const url = new URL(databaseUrl);
  const role = decodeURIComponent(url.username || 'postgres');
  const password = decodeURIComponent(url.password);
  const literal = (text: string) => `'${text.replaceAll("'", "''")}'`;
  const ident = `"${role.replaceAll('"', '""')}"`;
  const statement = [
    'do $$ begin',
    `  if not exists (select from pg_roles where rolname = ${literal(role)}) then create role ${ident} login createdb; end if;`,
    password ? `  alter role ${ident} password ${literal(password)};` : '',
    'end $$;',
  ].join('\n');
  run('runuser', ['-u', 'postgres', '--', 'psql', '-v', 'ON_ERROR_STOP=1', '-q', '-c', statement]);
}
