import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'kysely';
import { buildApp } from '../../src/app.js';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { MAX_NAMED_PARAMETERS } from '../../src/db/prepared-statements.js';
import { createHarness, DATABASES, json, TEST_DATABASE_URL } from '../harness.js';

// PostgreSQL parses and plans a named statement once per connection (src/db/prepared-statements.ts).
// Each test opens a pool of one connection on the harness's schema, so pg_prepared_statements,
// read through that pool, is the very session the app's queries ran on.

const KEY_LOOKUP = /from "api_keys" as "k" inner join "organizations" as "o"/;

describe('prepared statements [postgres]', { skip: !DATABASES.includes('postgres') }, () => {
  const h = createHarness('postgres');
  before(() => h.start());
  after(() => h.stop());

  async function oneConnection(preparedStatements?: boolean) {
    return openDatabase({ databaseUrl: TEST_DATABASE_URL, searchPath: h.schema, poolSize: 1, preparedStatements });
  }
  const prepared = async (handle: DatabaseHandle) =>
    (
      await sql<{ name: string; statement: string }>`SELECT name, statement FROM pg_prepared_statements`.execute(
        handle.db,
      )
    ).rows;

  it('after one request the key lookup is a prepared statement of the connection, and the next request reuses it', async () => {
    const t = await h.tenant();
    const handle = await oneConnection();
    const app = await buildApp({ ...h.deps, db: handle.db });
    try {
      const first = await app.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth });
      assert.equal(first.statusCode, 200, first.body);
      const lookups = (await prepared(handle)).filter((s) => KEY_LOOKUP.test(s.statement));
      assert.equal(lookups.length, 1, JSON.stringify(await prepared(handle)));
      assert.match(lookups[0]!.name, /^l_[\w-]{20}$/);
      const before = await prepared(handle);
      const second = await app.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth });
      assert.equal(second.statusCode, 200, second.body);
      assert.deepEqual(await prepared(handle), before, 'the same statements: nothing parsed anew');
    } finally {
      await app.close();
      await handle.close();
    }
  });

  it('the key lookup is planned only for its first calls: then the connection runs one plan, whatever the keys', async () => {
    const tenants = [await h.tenant(), await h.tenant(), await h.tenant()];
    const handle = await oneConnection();
    const app = await buildApp({ ...h.deps, db: handle.db });
    try {
      for (let i = 0; i < 12; i++) {
        // One key alone, then two and three at once (one statement each: one connection, the
        // others wait for it): different keys and counts on every call.
        const at = tenants.slice(0, 1 + (i % 3));
        const answers = await Promise.all(
          at.map((t) => app.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth })),
        );
        for (const [j, res] of answers.entries()) {
          assert.equal(res.statusCode, 200, res.body);
          assert.equal(json(res).apiKeyId, at[j]!.apiKeyId, 'each request its own key');
        }
      }
      const plans = await sql<{ statement: string; generic_plans: number; custom_plans: number }>`
        SELECT statement, generic_plans, custom_plans FROM pg_prepared_statements`.execute(handle.db);
      const lookup = plans.rows.filter((s) => KEY_LOOKUP.test(s.statement));
      assert.equal(lookup.length, 1, JSON.stringify(plans.rows));
      // PostgreSQL plans a prepared statement's first five executions for their values, then keeps
      // its one plan when that costs no more: planned per call, custom_plans would keep growing.
      assert.equal(Number(lookup[0]!.custom_plans), 5, JSON.stringify(lookup[0]));
      assert.ok(Number(lookup[0]!.generic_plans) >= 5, JSON.stringify(lookup[0]));
    } finally {
      await app.close();
      await handle.close();
    }
  });

  it('a revoke prepares its statements: the account update and the cancel of its posts among them', async () => {
    const t = await h.tenant();
    const account = await h.account(t);
    const handle = await oneConnection();
    const app = await buildApp({ ...h.deps, db: handle.db });
    try {
      const res = await app.inject({ method: 'DELETE', url: `/v1/social-accounts/${account}`, headers: t.auth });
      assert.equal(res.statusCode, 200, res.body);
      const texts = (await prepared(handle)).map((s) => s.statement);
      for (const step of [
        KEY_LOOKUP,
        /^update "social_accounts"/,
        /UPDATE scheduled_posts/,
        /INSERT INTO outbox_events/,
      ])
        assert.ok(
          texts.some((s) => step.test(s)),
          `${step}: ${texts.join('\n')}`,
        );
    } finally {
      await app.close();
      await handle.close();
    }
  });

  it('LAYERS_PG_PREPARED_STATEMENTS=off prepares nothing', async () => {
    const t = await h.tenant();
    const account = await h.account(t);
    const handle = await oneConnection(false);
    const app = await buildApp({ ...h.deps, db: handle.db });
    try {
      assert.equal((await app.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth })).statusCode, 200);
      const res = await app.inject({ method: 'DELETE', url: `/v1/social-accounts/${account}`, headers: t.auth });
      assert.equal(res.statusCode, 200, res.body);
      assert.deepEqual(await prepared(handle), []);
    } finally {
      await app.close();
      await handle.close();
    }
  });

  it('statements with long parameter lists go unnamed: their texts vary with the list', async () => {
    const handle = await oneConnection();
    try {
      const ids = Array.from({ length: MAX_NAMED_PARAMETERS + 1 }, (_, i) => `org_${i}`);
      await handle.db.selectFrom('organizations').select('id').where('id', 'in', ids).execute();
      await handle.db.selectFrom('organizations').select('id').where('id', 'in', ids.slice(1)).execute();
      const texts = (await prepared(handle)).map((s) => s.statement);
      assert.equal(texts.length, 1, texts.join('\n'));
      assert.equal(texts[0]!.split('$').length - 1, MAX_NAMED_PARAMETERS);
    } finally {
      await handle.close();
    }
  });

  it('a table changed under a prepared `SELECT *`: the statement runs again unnamed, the connection is replaced', async () => {
    const handle = await oneConnection();
    try {
      await sql`CREATE TABLE prepared_scratch (id int PRIMARY KEY, a text)`.execute(handle.db);
      await sql`INSERT INTO prepared_scratch VALUES (1, 'x')`.execute(handle.db);
      const read = async () => (await sql`SELECT * FROM prepared_scratch WHERE id = ${1}`.execute(handle.db)).rows;
      assert.deepEqual(await read(), [{ id: 1, a: 'x' }]);
      const pid = async () =>
        (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(handle.db)).rows[0]!.pid;
      const before = await pid();
      // PostgreSQL refuses to run the prepared statement now (0A000: cached plan must not change result type).
      await sql`ALTER TABLE prepared_scratch ADD COLUMN b text`.execute(handle.db);
      assert.deepEqual(await read(), [{ id: 1, a: 'x', b: null }]);
      assert.notEqual(await pid(), before, 'a fresh connection');
      assert.deepEqual(await read(), [{ id: 1, a: 'x', b: null }]);
      assert.equal((await prepared(handle)).length, 1, 'named again on the new connection');
    } finally {
      await sql`DROP TABLE IF EXISTS prepared_scratch`.execute(handle.db);
      await handle.close();
    }
  });

  it('statements dropped behind the driver’s back (DEALLOCATE ALL, a pooler): run again unnamed, the connection is replaced', async () => {
    const handle = await oneConnection();
    try {
      const read = async () =>
        (await handle.db.selectFrom('settings').select('global_kill_switch').where(sql<boolean>`${1} = 1`).execute())
          .length;
      assert.equal(await read(), 1);
      const pid = async () =>
        (await sql<{ pid: number }>`SELECT pg_backend_pid() AS pid`.execute(handle.db)).rows[0]!.pid;
      const before = await pid();
      await sql`DEALLOCATE ALL`.execute(handle.db);
      assert.equal(await read(), 1, 'answered, though the server no longer knows the name');
      assert.notEqual(await pid(), before, 'a fresh connection');
      assert.equal(await read(), 1);
      assert.equal((await prepared(handle)).length, 1, 'named again on the new connection');
    } finally {
      await handle.close();
    }
  });
});
