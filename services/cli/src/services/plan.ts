/** What `tagpulse services` knows about one server before it acts. */
export interface ServiceFacts {
  name: 'postgres' | 'redis';
  reachable: boolean;
  /** The URL points at this machine, so tagpulse may start or install the server. */
  local: boolean;
  /** The server's binary is on this machine. */
  installed: boolean;
}

export interface HostFacts {
  isRoot: boolean;
  isDebian: boolean;
}

export type ServiceAction =
  | { kind: 'ready' }
  | { kind: 'start' }
  | { kind: 'install-and-start' }
  | { kind: 'give-up'; reason: string };

// The compose file refuses to start without its three passwords: say so, or the hint fails as given.
export const COMPOSE_HINT =
  'docker compose up -d postgres redis (with POSTGRES_PASSWORD, TAGPULSE_DB_PASSWORD and REDIS_PASSWORD set, see docker-compose.yml)';

/**
 * Decides what to do about one server: use it when it answers; else start it
 * when it is installed here; else install it from Debian's packages when we
 * run as root on Debian; else stop and say what to run.
 */
export function planService(service: ServiceFacts, host: HostFacts): ServiceAction {
  if (service.reachable) return { kind: 'ready' };
  if (!service.local) {
    return {
      kind: 'give-up',
      reason: `${service.name} does not answer at the configured URL, which is not this machine`,
    };
  }
  if (!host.isRoot) {
    return {
      kind: 'give-up',
      reason: `${service.name} does not answer on this machine, and only root may start or install it`,
    };
  }
  if (service.installed) return { kind: 'start' };
  if (host.isDebian) return { kind: 'install-and-start' };
  return {
    kind: 'give-up',
    reason: `${service.name} is not installed, and this is not Debian, so tagpulse cannot install it`,
  };
}

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '::1', '[::1]', '']);

/** True when a service URL points at this machine. */
export function isLocalUrl(url: string): boolean {
  return LOCAL_HOSTS.has(new URL(url).hostname);
}
