import { EventEmitter } from 'node:events';
import { pino } from 'pino';
import { describe, expect, it, vi } from 'vitest';
import { createShutdown } from './shutdown.js';

const log = pino({ level: 'silent' });

function setup(timeoutMs = 1_000) {
  const signals = new EventEmitter();
  const exit = vi.fn<(code: number) => void>();
  const shutdown = createShutdown({ log, timeoutMs, exit, signals: signals as unknown as NodeJS.Process });
  shutdown.listen();
  return { signals, exit, shutdown };
}

describe('createShutdown', () => {
  it('runs the steps in registration order, then exits 0', async () => {
    const { signals, exit, shutdown } = setup();
    const order: string[] = [];
    shutdown.register('http', async () => void order.push('http'));
    shutdown.register('workers', () => void order.push('workers'));
    shutdown.register('db', async () => void order.push('db'));
    signals.emit('SIGTERM', 'SIGTERM');
    await shutdown.run('test');
    expect(order).toEqual(['http', 'workers', 'db']);
    expect(exit).toHaveBeenCalledExactlyOnceWith(0);
  });

  it('ignores a second signal while shutting down', async () => {
    const { signals, exit, shutdown } = setup();
    let release!: () => void;
    const step = vi.fn(() => new Promise<void>((resolve) => (release = resolve)));
    shutdown.register('slow', step);
    signals.emit('SIGINT', 'SIGINT');
    signals.emit('SIGINT', 'SIGINT');
    signals.emit('SIGTERM', 'SIGTERM');
    expect(shutdown.started).toBe(true);
    release();
    await shutdown.run('again');
    expect(step).toHaveBeenCalledTimes(1);
    expect(exit).toHaveBeenCalledExactlyOnceWith(0);
  });

  it('keeps going after a failing step and exits 1', async () => {
    const { exit, shutdown } = setup();
    const after = vi.fn();
    shutdown.register('broken', () => {
      throw new Error('boom');
    });
    shutdown.register('after', after);
    await shutdown.run('test');
    expect(after).toHaveBeenCalled();
    expect(exit).toHaveBeenCalledExactlyOnceWith(1);
  });

  it('exits 1 at the hard deadline when a step never returns', async () => {
    vi.useFakeTimers();
    try {
      const { exit, shutdown } = setup(5_000);
      shutdown.register('stuck', () => new Promise<void>(() => {}));
      void shutdown.run('test');
      await vi.advanceTimersByTimeAsync(4_999);
      expect(exit).not.toHaveBeenCalled();
      await vi.advanceTimersByTimeAsync(1);
      expect(exit).toHaveBeenCalledExactlyOnceWith(1);
    } finally {
      vi.useRealTimers();
    }
  });

  it('shuts down with exit code 1 after an uncaught error', async () => {
    const { signals, exit, shutdown } = setup();
    signals.emit('uncaughtException', new Error('kaput'));
    await shutdown.run('ignored');
    expect(exit).toHaveBeenCalledExactlyOnceWith(1);
  });

  it('refuses two steps with one name', () => {
    const { shutdown } = setup();
    shutdown.register('db', () => {});
    expect(() => shutdown.register('db', () => {})).toThrow(/already registered/);
  });
});
