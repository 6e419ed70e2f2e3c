import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { maintainIfDue, runDatabaseMaintenance } from '../../src/worker/db-maintenance.js';
import { describeEachDb, type Tenant } from '../harness.js';

// The worker's VACUUM / ANALYZE of the embedded database (PGlite has no autovacuum); on
// PostgreSQL the job leaves everything to autovacuum.

type Stats = {
  dead: number;
  vacuumed: boolean;
  analyzed: boolean;
  reltuples: number;
};

describeEachDb('worker: embedded database maintenance', (h) => {
  const statsOf = async (table: string): Promise<Stats> => {
    await sql`SELECT pg_stat_force_next_flush()`.execute(h.db);
    const r = await sql<Stats>`
      SELECT s.n_dead_tup::int AS dead, s.last_vacuum IS NOT NULL AS vacuumed,
        s.last_analyze IS NOT NULL AS analyzed, c.reltuples::float8 AS reltuples
      FROM pg_stat_user_tables s JOIN pg_class c ON c.oid = s.relid
      WHERE s.relname = ${table} AND s.schemaname = current_schema()`.execute(h.db);
    return r.rows[0]!;
  };
  /** `n` accounts in the tenant's project, then all but `keep` of them deleted: dead rows. */
  const churn = async (t: Tenant, n: number, keep: number) => {
    await sql`
      INSERT INTO social_accounts (id, organization_id, project_id, env, platform, handle, status, leased,
        created_at, updated_at)
      SELECT ${t.projectId} || '_churn_' || g, ${t.organizationId}, ${t.projectId}, 'test', 'tiktok', 'h' || g,
        'connected', false, now(), now()
      FROM generate_series(1, ${n}::int) g`.execute(h.db);
    await sql`DELETE FROM social_accounts WHERE project_id = ${t.projectId} AND id NOT IN (
      SELECT id FROM social_accounts WHERE project_id = ${t.projectId} ORDER BY id LIMIT ${keep})`.execute(h.db);
  };
  const liveAccounts = async () =>
    Number((await sql<{ n: number }>`SELECT count(*)::int AS n FROM social_accounts`.execute(h.db)).rows[0]!.n);

  it('PGlite: a pass vacuums and analyzes a table that changed; PostgreSQL: it does nothing, autovacuum does', async () => {
    const t = await h.tenant();
    await churn(t, 2_000, 500);
    assert.ok((await statsOf('social_accounts')).dead >= 1_500, 'the deletes left dead rows');
    const pass = await runDatabaseMaintenance({ db: h.db, dbKind: h.kind, budgetMs: Number.POSITIVE_INFINITY });
    const after = await statsOf('social_accounts');
    if (h.kind === 'postgres') {
      assert.deepEqual(pass, { skipped: 'postgresql-autovacuum' });
      // Manual VACUUM / ANALYZE set these; autovacuum sets last_autovacuum / last_autoanalyze instead.
      assert.equal(after.vacuumed, false);
      assert.equal(after.analyzed, false);
      return;
    }
    assert.ok('steps' in pass, JSON.stringify(pass));
    assert.equal(pass.remaining, 0);
    const steps = pass.steps.filter((s) => s.table === 'social_accounts').map((s) => s.action);
    assert.deepEqual(steps, ['vacuum', 'analyze'], 'two statements, each its own step');
    assert.deepEqual(after, { dead: 0, vacuumed: true, analyzed: true, reltuples: await liveAccounts() });

    const again = await runDatabaseMaintenance({ db: h.db, dbKind: h.kind, budgetMs: Number.POSITIVE_INFINITY });
    assert.ok('steps' in again, JSON.stringify(again));
    assert.deepEqual(again, { steps: [], remaining: 0 }, 'nothing changed since: nothing due');
  });

  it('a pass stops starting steps once its budget is spent (one at least); passes come an interval apart, sooner while steps are left', async () => {
    const t = await h.tenant();
    await churn(t, 300, 100);
    await sql`INSERT INTO idempotency_keys (api_key_id, key, fingerprint, status_code, response_body, created_at)
      SELECT ${t.apiKeyId}, 'k' || g, 'f', 201, '{}', now() FROM generate_series(1, 200) g`.execute(h.db);
    await sql`DELETE FROM idempotency_keys WHERE api_key_id = ${t.apiKeyId}`.execute(h.db);
    let now = 0;
    const deps = { db: h.db, dbKind: h.kind, budgetMs: 0, intervalMs: 60_000, now: () => now };
    if (h.kind === 'postgres') {
      assert.deepEqual(await maintainIfDue(deps), { skipped: 'postgresql-autovacuum' });
      return;
    }
    assert.deepEqual(await maintainIfDue(deps), { skipped: 'not-due' }, 'the first pass waits one interval');
    now += 60_000;
    const first = await maintainIfDue(deps);
    assert.ok('steps' in first && first.steps.length === 1 && first.remaining >= 1, JSON.stringify(first));
    const passes = [first];
    while (passes.length < 50) {
      const next = await maintainIfDue(deps); // no time passed: a backlog keeps the job due
      assert.ok('steps' in next, JSON.stringify(next));
      passes.push(next);
      if (next.remaining === 0) break;
    }
    const tables = passes.flatMap((p) => ('steps' in p ? p.steps.map((s) => s.table) : []));
    assert.ok(tables.includes('social_accounts') && tables.includes('idempotency_keys'), tables.join());
    const actions = passes.flatMap((p) => ('steps' in p ? p.steps.map((s) => `${s.action} ${s.table}`) : []));
    assert.equal(new Set(actions).size, actions.length, 'each step once');
    assert.ok(actions.includes('vacuum social_accounts') && actions.includes('analyze social_accounts'));
    assert.deepEqual(await maintainIfDue(deps), { skipped: 'not-due' });
    now += 60_000;
    assert.deepEqual(await maintainIfDue(deps), { steps: [], remaining: 0 }, 'due again, nothing to do');
  });
});
