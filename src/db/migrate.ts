import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import type { Db } from './client.js';

const MIGRATIONS_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');
// Any fixed number: several instances starting at once take turns applying migrations.
const MIGRATION_LOCK_ID = 7_209_114;

export function listMigrations(): { name: string; sql: string }[] {
  return fs
    .readdirSync(MIGRATIONS_DIR)
    .filter((f) => /^\d{4}_.+\.sql$/.test(f))
    .sort()
    .map((name) => ({ name, sql: fs.readFileSync(path.join(MIGRATIONS_DIR, name), 'utf8') }));
}

/** Applies pending migrations in order, each in the same transaction as its bookkeeping. */
export async function migrate(db: Db): Promise<string[]> {
  return db.transaction().execute(async (tx) => {
    await sql`SELECT pg_advisory_xact_lock(${MIGRATION_LOCK_ID})`.execute(tx);
    await sql`CREATE TABLE IF NOT EXISTS schema_migrations (
      name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`.execute(tx);
    const done = await sql<{ name: string }>`SELECT name FROM schema_migrations`.execute(tx);
    const applied = new Set(done.rows.map((r) => r.name));
    const ran: string[] = [];
    for (const m of listMigrations()) {
      if (applied.has(m.name)) continue;
      await sql.raw(m.sql).execute(tx);
      await sql`INSERT INTO schema_migrations (name) VALUES (${m.name})`.execute(tx);
      ran.push(m.name);
    }
    return ran;
  });
}
