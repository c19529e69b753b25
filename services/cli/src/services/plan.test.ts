import { describe, expect, it } from 'vitest';
import { isLocalUrl, planService, type ServiceFacts } from './plan.js';

const root = { isRoot: true, isDebian: true };
const down: ServiceFacts = { name: 'postgres', reachable: false, local: true, installed: true };

describe('planService', () => {
  it('uses a server that answers, wherever it is', () => {
    expect(
      planService({ ...down, reachable: true, local: false }, { isRoot: false, isDebian: false }),
    ).toEqual({
      kind: 'ready',
    });
  });

  it('starts an installed local server as root', () => {
    expect(planService(down, root)).toEqual({ kind: 'start' });
  });

  it('installs a missing server on Debian as root', () => {
    expect(planService({ ...down, installed: false }, root)).toEqual({ kind: 'install-and-start' });
  });

  it('never touches a remote server', () => {
    const action = planService({ ...down, local: false }, root);
    expect(action.kind).toBe('give-up');
    expect(action.kind === 'give-up' && action.reason).toMatch(/not this machine/);
  });

  it('gives up without root, and off Debian when nothing is installed', () => {
    expect(planService(down, { isRoot: false, isDebian: true }).kind).toBe('give-up');
    expect(
      planService({ ...down, name: 'redis', installed: false }, { isRoot: true, isDebian: false }),
    ).toEqual({
      kind: 'give-up',
      reason: 'redis is not installed, and this is not Debian, so tagpulse cannot install it',
    });
  });
});

describe('isLocalUrl', () => {
  it('recognises loopback hosts only', () => {
    expect(isLocalUrl('postgres://postgres@127.0.0.1:5432/tagpulse')).toBe(true);
    expect(isLocalUrl('redis://localhost:6379')).toBe(true);
    expect(isLocalUrl('redis://[::1]:6379')).toBe(true);
    expect(isLocalUrl('postgres://db.internal:5432/tagpulse')).toBe(false);
  });
});
