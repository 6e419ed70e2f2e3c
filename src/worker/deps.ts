import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { FaultHook } from '../context.js';
import type { TokenCrypto } from '../crypto/token-envelope.js';
import type { Db } from '../db/client.js';
import type { AccountEnv } from '../db/schema.js';
import type { Metrics } from '../metrics.js';
import { isPlatformError, type PlatformAdapters } from '../platforms/types.js';
import type { DnsLookup } from '../webhooks/url-safety.js';

/** What the worker's jobs need; built once by the process (or by a test). */
export type WorkerDeps = {
  db: Db;
  clock: Clock;
  tokenCrypto: TokenCrypto;
  /** Accounts with env `live`: the platforms as configured. */
  adapters: PlatformAdapters;
  /** Accounts with env `test` (lp_test_ keys, fixtures): the sandbox platform; `adapters` when unset. */
  testAdapters?: PlatformAdapters;
  log: Logger;
  /** Test-only pause/fault points between a platform call and the write that records it. */
  fault?: FaultHook;
  /** Jitter source, [0, 1); Math.random unless a test pins it. */
  random?: () => number;
  /** Aborted when the process shuts down: jobs finish what they claimed and claim nothing more. */
  signal?: AbortSignal;
  /** Development opt-in (LAYERS_WEBHOOK_ALLOW_LOOPBACK=1): webhooks may also go to loopback receivers. */
  webhookAllowLoopback?: boolean;
  webhookDnsLookup?: DnsLookup;
  /** Rotate the key ring once its current epoch is this old (docs/key-ring.md); unset: never automatically. */
  keyRotationIntervalMs?: number;
  /** Which database `db` is: the embedded one gets VACUUM / ANALYZE from the worker (db-maintenance.ts). */
  dbKind?: 'pglite' | 'postgres';
  /** Embedded database: a maintenance pass this often (LAYERS_DB_MAINTENANCE_SECONDS); unset or 0: never. */
  dbMaintenanceIntervalMs?: number;
  /** Pass and job durations and outcomes go here when set. */
  metrics?: Metrics;
};

/** The adapters an account's calls go through, by its env. */
export function adaptersForEnv(deps: Pick<WorkerDeps, 'adapters' | 'testAdapters'>, env: AccountEnv): PlatformAdapters {
  return env === 'test' ? (deps.testAdapters ?? deps.adapters) : deps.adapters;
}

const MAX_ERROR_CHARS = 300; // a platform code and a sentence; stored in last_error and logs

/**
 * A failure as text fit for a database column or a log line: the PlatformError's own message
 * (never a response body), with every secret we hold for this call cut out in case a platform
 * echoed one back.
 */
export function describeError(err: unknown, secrets: (string | undefined)[]): string {
  let text = isPlatformError(err) ? err.message : `internal error: ${(err as Error)?.name ?? 'unknown'}`;
  for (const s of secrets) if (s && s.length >= 8) text = text.split(s).join('[redacted]');
  return text.slice(0, MAX_ERROR_CHARS);
}
