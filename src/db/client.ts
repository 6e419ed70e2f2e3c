import fs from 'node:fs';
import path from 'node:path';
import { Kysely, PostgresDialect, type Transaction } from 'kysely';
import pg from 'pg';
import { isInsideLockedDataDir, lockDataDir } from '../data-dir-lock.js';
import { PGliteDialect } from './pglite-dialect.js';
import { openPglite } from './pglite-open.js';
import { namingPool } from './prepared-statements.js';
import { COUNTER_STATEMENTS_IN_FLIGHT } from './queries/rate-limits.js';
import type { Database } from './schema.js';

export type Db = Kysely<Database>;
export type Tx = Transaction<Database>;
/** Anything queries can run on: the pool or an open transaction. */
export type Queryable = Kysely<Database>;

export type DatabaseHandle = {
  db: Db;
  kind: 'pglite' | 'postgres';
  /** The node-postgres pool under Kysely (PostgreSQL only). */
  pgPool?: pg.Pool;
  /**
   * PostgreSQL only: the pool for rate-limit counters. Its commits do not wait for the WAL flush
   * (synchronous_commit=off): a crash of the database may lose a counter's last increments, never
   * the API's data, which does not go through this pool.
   */
  counterPool?: pg.Pool;
  close(): Promise<void>;
};

export type OpenOptions = {
  /** postgres:// URL; when absent the embedded PGlite database is used. */
  databaseUrl?: string;
  /** PGlite data directory, inside a data directory this process has locked; undefined means in memory. */
  pgliteDir?: string;
  /** PostgreSQL schema to use (tests isolate themselves in one each). */
  searchPath?: string;
  poolSize?: number;
  /** PostgreSQL: name statements so each is parsed and planned once per connection (default on). */
  preparedStatements?: boolean;
};

// Dates travel to PostgreSQL in UTC. In local time, node-postgres drops the seconds of a
// historic zone offset (New York's was -04:56:02), turning 0001-01-01T00:00:00Z into 1 BC.
pg.defaults.parseInputDatesAsUTC = true;

// PGlite reads timestamptz with `new Date(text)`, which takes year 0001 for 2001: node-postgres's
// parser reads every year 0001–9999 (the API's range, src/clock.ts) as written.
const TIMESTAMPTZ_OID = 1184;
const pgliteParsers = { [TIMESTAMPTZ_OID]: pg.types.getTypeParser(TIMESTAMPTZ_OID, 'text') };

// int8 (counts, identities) as JS numbers on both drivers; PGlite already does this.
const pgTypes = {
  getTypeParser(oid: number, format?: string) {
    if (oid === 20) return (v: string) => Number(v);
    return pg.types.getTypeParser(oid, format as 'text');
  },
};

export async function openDatabase(opts: OpenOptions): Promise<DatabaseHandle> {
  if (opts.databaseUrl) {
    const pool = new pg.Pool({
      connectionString: opts.databaseUrl,
      // 20 connections: enough for 50 concurrent HTTP requests of short transactions.
      max: opts.poolSize ?? 20,
      types: pgTypes as pg.CustomTypesConfig,
      options: opts.searchPath ? `-c search_path=${opts.searchPath}` : undefined,
    });
    // A client whose connection dies (database restart, network cut) must not crash the process:
    // idle ones report to the pool's 'error'; a checked-out one (a query or transaction in flight)
    // emits on itself, with no listener, unless given one. Its queries fail; the pool drops it on release.
    pool.on('error', () => {});
    pool.on('connect', (client) => client.on('error', () => {}));
    // Off behind a pooler that cannot carry named statements (PgBouncer before 1.21: docs/operations.md).
    const named = opts.preparedStatements === false ? pool : namingPool(pool);
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: named }) });
    // At most one counter upsert per request: waiting for a WAL flush on each cost more than the
    // request's own queries (docs/performance.md). As many connections as counter statements
    // may be in flight: concurrent requests share statements (src/db/queries/rate-limits.ts).
    const counterPool = new pg.Pool({
      connectionString: opts.databaseUrl,
      max: COUNTER_STATEMENTS_IN_FLIGHT,
      options: [opts.searchPath && `-c search_path=${opts.searchPath}`, '-c synchronous_commit=off']
        .filter(Boolean)
        .join(' '),
    });
    // As for the main pool: a connection that dies fails its query, never the process.
    counterPool.on('error', () => {});
    counterPool.on('connect', (client) => client.on('error', () => {}));
    const close = async () => {
      await db.destroy();
      await counterPool.end();
    };
    return { db, kind: 'postgres', pgPool: pool, counterPool, close };
  }
  if (opts.pgliteDir && !isInsideLockedDataDir(opts.pgliteDir)) {
    // A second process on one directory loses acknowledged writes: no way around the lock.
    throw new Error(`${opts.pgliteDir}: lock its data directory first (lockDataDir, or use openEmbeddedDatabase)`);
  }
  if (opts.pgliteDir) fs.mkdirSync(opts.pgliteDir, { recursive: true, mode: 0o700 });
  const lite = await openPglite(opts.pgliteDir ? path.resolve(opts.pgliteDir) : undefined, { parsers: pgliteParsers });
  const db = new Kysely<Database>({ dialect: new PGliteDialect(lite) });
  return {
    db,
    kind: 'pglite',
    close: async () => {
      await db.destroy();
      await lite.close();
    },
  };
}

/** Where a data directory keeps its embedded database. */
export const pgliteDirOf = (dataDir: string) => path.join(dataDir, 'pgdata');

/**
 * The embedded database of a data directory, for a process that has not locked it yet (migrate,
 * tests, the bench): takes the lock first (DataDirInUseError while another process holds it),
 * releases it after the database closes.
 */
export async function openEmbeddedDatabase(dataDir: string): Promise<DatabaseHandle> {
  const lock = await lockDataDir(dataDir);
  try {
    const handle = await openDatabase({ pgliteDir: pgliteDirOf(dataDir) });
    return { ...handle, close: () => handle.close().finally(() => lock.release()) };
  } catch (err) {
    await lock.release();
    throw err;
  }
}

/**
 * Runs fn in a transaction; inside one already (an idempotent request's), it joins it, so the
 * request's writes and its stored response commit together.
 */
export function withTransaction<T>(db: Db, fn: (tx: Tx) => Promise<T>): Promise<T> {
  if (db.isTransaction) return fn(db as Tx);
  return db.transaction().execute(fn);
}
