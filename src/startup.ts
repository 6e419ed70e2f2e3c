import net from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import { backoffMs } from './backoff.js';
import type { Db } from './db/client.js';

/** A start-up that cannot go on (database unreachable, port taken): the CLI prints the message alone, exit 1. */
export class StartupError extends Error {
  override name = 'StartupError';
}

/** The URL with its password (if any) masked: fit for a log line or an error message. */
export function maskUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return url.replace(/\/\/([^:/@]*):[^@]*@/, '//$1:***@');
  }
}

/**
 * PostgreSQL may come up after us (compose, a restarted host): retry `SELECT 1` with back-off
 * (0.25 s doubling to 5 s) until `deadlineMs` has passed, then a StartupError naming the URL,
 * its password masked, and the last error.
 */
export async function waitForDatabase(db: Db, opts: { url: string; deadlineMs: number; log: Logger }) {
  const started = Date.now();
  for (let attempt = 1; ; attempt++) {
    try {
      await sql`SELECT 1`.execute(db);
      if (attempt > 1) opts.log.info({ attempts: attempt }, 'database reachable');
      return;
    } catch (err) {
      const left = opts.deadlineMs - (Date.now() - started);
      const reason = (err as Error)?.message || (err as { code?: string })?.code || String(err);
      if (left <= 0) {
        throw new StartupError(
          `Database ${maskUrl(opts.url)} is unreachable after ${Math.round((Date.now() - started) / 1000)} s ` +
            `(LAYERS_DB_CONNECT_TIMEOUT_MS=${opts.deadlineMs}): ${reason}`,
        );
      }
      const wait = Math.min(left, backoffMs(attempt, { baseMs: 250, capMs: 5_000, random: Math.random }));
      opts.log.warn({ attempt, retryInMs: wait, reason }, 'database unreachable; retrying');
      await sleep(wait);
    }
  }
}

/**
 * Whether `port` can be bound on `host`, tried before anything is opened or created so that a
 * taken port stops the start-up with one line and an untouched data directory.
 */
export async function requireFreePort(port: number, host: string, what = 'Port') {
  if (port === 0) return;
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err: NodeJS.ErrnoException) => reject(portError(err, port, host, what)));
    probe.listen({ port, host, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** EADDRINUSE / EACCES / EADDRNOTAVAIL as one sentence; anything else as it is. */
export function portError(err: NodeJS.ErrnoException, port: number, host: string, what = 'Port'): Error {
  if (err.code === 'EADDRINUSE')
    return new StartupError(`${what} ${port} is in use on ${host}: stop the other process or choose another port.`);
  if (err.code === 'EACCES') return new StartupError(`${what} ${port} on ${host}: permission denied.`);
  if (err.code === 'EADDRNOTAVAIL') return new StartupError(`${what} ${port}: address ${host} is not on this machine.`);
  return err;
}
