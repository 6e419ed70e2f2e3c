import { sql } from 'kysely';
import type { Queryable } from '../client.js';

// The embedded database's housekeeping (src/worker/db-maintenance.ts): PGlite runs PostgreSQL in
// single-user mode, where autovacuum never runs. PostgreSQL's autovacuum does all of this itself.

export type TableActivity = {
  table: string;
  /** Rows as of the last VACUUM or ANALYZE (pg_class.reltuples); 0 when never counted. */
  rows: number;
  pages: number;
  deadRows: number;
  insertedSinceVacuum: number;
  modifiedSinceAnalyze: number;
  /** Vacuumed / analyzed since the database was opened (PGlite's activity counters start at zero on open). */
  vacuumed: boolean;
  analyzed: boolean;
};

/**
 * Every table of the schema in use with its activity counters. Counters a statement left pending
 * are flushed first (a single-user backend otherwise reports them at most once a second).
 */
export async function tableActivity(db: Queryable): Promise<TableActivity[]> {
  await sql`SELECT pg_stat_force_next_flush()`.execute(db);
  const result = await sql<TableActivity>`
    SELECT s.relname AS "table", greatest(c.reltuples, 0)::float8 AS rows, c.relpages::int AS pages,
      s.n_dead_tup::float8 AS "deadRows", s.n_ins_since_vacuum::float8 AS "insertedSinceVacuum",
      s.n_mod_since_analyze::float8 AS "modifiedSinceAnalyze",
      s.last_vacuum IS NOT NULL AS vacuumed, s.last_analyze IS NOT NULL AS analyzed
    FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
    WHERE s.schemaname = current_schema()`.execute(db);
  return result.rows;
}

/** One table's VACUUM or ANALYZE: a statement of its own, outside any transaction. */
export async function vacuumOrAnalyze(db: Queryable, table: string, action: 'vacuum' | 'analyze') {
  const target = sql.table(table);
  await (action === 'vacuum' ? sql`VACUUM ${target}` : sql`ANALYZE ${target}`).execute(db);
}
