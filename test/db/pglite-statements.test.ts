import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { PGlite } from '@electric-sql/pglite';
import { CompiledQuery, sql } from 'kysely';
import { type DatabaseHandle, openDatabase } from '../../src/db/client.js';
import { PGliteStatements } from '../../src/db/pglite-statements.js';
import { MAX_NAMED_PARAMETERS, MAX_NAMED_PER_CONNECTION } from '../../src/db/prepared-statements.js';
import { createHarness, DATABASES } from '../harness.js';

const KEY_LOOKUP = /from "api_keys" as "k" inner join "organizations" as "o"/;

// PGlite runs parameterized statements as named prepared statements (src/db/pglite-statements.ts):
// parsed and described once, each call one Bind/Execute/Sync buffer. These tests read PGlite's own
// pg_prepared_statements (its one session is the app's), and compare answers with PGlite's query().

describe('prepared statements [pglite]', { skip: !DATABASES.includes('pglite') }, () => {
  let handle: DatabaseHandle;
  before(async () => {
    handle = await openDatabase({});
    await sql`CREATE TABLE scratch (id int PRIMARY KEY, a text)`.execute(handle.db);
    await sql`INSERT INTO scratch VALUES (1, 'x')`.execute(handle.db);
  });
  after(() => handle.close());

  const prepared = async () =>
    (
      await sql<{ name: string; statement: string; generic_plans: number; custom_plans: number }>`
        SELECT name, statement, generic_plans, custom_plans FROM pg_prepared_statements ORDER BY name`.execute(
        handle.db,
      )
    ).rows;

  it('a statement is parsed once, then planned once: after five custom plans, one generic plan', async () => {
    const read = (id: number) => sql<{ a: string }>`SELECT a FROM scratch WHERE id = ${id} AND a <> ${'marker-1'}`;
    for (let i = 0; i < 8; i++) assert.deepEqual((await read(1).execute(handle.db)).rows, [{ a: 'x' }]);
    const mine = (await prepared()).filter((s) => s.statement.includes('AND a <> $2'));
    assert.equal(mine.length, 1, JSON.stringify(await prepared()));
    assert.match(mine[0]!.name, /^l_\d+$/);
    assert.equal(Number(mine[0]!.custom_plans), 5, JSON.stringify(mine[0]));
    assert.equal(Number(mine[0]!.generic_plans), 3, JSON.stringify(mine[0]));
  });

  it('answers as PGlite’s query() did: each parameter and column type the schema uses, and NULL', async () => {
    const at = new Date('2001-02-03T04:05:06.789Z');
    const values = [
      at,
      'text',
      7,
      true,
      null,
      JSON.stringify({ a: [1, 'b'] }),
      ['x', 'y'],
      Buffer.from([0, 1, 255]),
      2 ** 40,
    ];
    const statement = `SELECT $1::timestamptz AS at, $2::text AS t, $3::int AS i, $4::boolean AS b, $5::text AS n,
      $6::jsonb AS j, $7::text[] AS arr, $8::bytea AS bin, $9::bigint AS big,
      '0001-01-01T00:00:00Z'::timestamptz AS first_year`;
    for (let i = 0; i < 2; i++) {
      // The first call prepares the statement, the second runs the prepared one: the same answer.
      const { rows } = await handle.db.executeQuery(CompiledQuery.raw(statement, values));
      assert.deepEqual(rows, [
        {
          at,
          t: 'text',
          i: 7,
          b: true,
          n: null,
          j: { a: [1, 'b'] },
          arr: ['x', 'y'],
          bin: new Uint8Array([0, 1, 255]),
          big: 2 ** 40,
          first_year: new Date('0001-01-01T00:00:00Z'),
        },
      ]);
    }
  });

  it('a refused statement keeps its SQLSTATE and constraint, and its transaction rolls back whole', async () => {
    const insert = (id: number, tx = handle.db) =>
      sql`INSERT INTO scratch (id, a) VALUES (${id}, ${'dup'})`.execute(tx);
    await insert(10);
    await assert.rejects(insert(10), { code: '23505', constraint: 'scratch_pkey' });
    await assert.rejects(
      handle.db.transaction().execute(async (tx) => {
        await insert(11, tx);
        await insert(10, tx);
      }),
      { code: '23505' },
    );
    const ids = await sql<{ id: number }>`SELECT id FROM scratch WHERE id >= ${10} ORDER BY id`.execute(handle.db);
    assert.deepEqual(ids.rows, [{ id: 10 }], 'the transaction’s first insert rolled back with it');
    const affected = await sql`UPDATE scratch SET a = ${'y'} WHERE id >= ${10}`.execute(handle.db);
    assert.equal(affected.numAffectedRows, 1n);
  });

  it('a table changed under a prepared `SELECT *`: answered with the new columns; inside a transaction, refused', async () => {
    await sql`CREATE TABLE scratch_star (id int PRIMARY KEY, a text)`.execute(handle.db);
    await sql`INSERT INTO scratch_star VALUES (1, 'x')`.execute(handle.db);
    const read = async (db = handle.db) => (await sql`SELECT * FROM scratch_star WHERE id = ${1}`.execute(db)).rows;
    assert.deepEqual(await read(), [{ id: 1, a: 'x' }]);
    // PostgreSQL refuses the prepared statement now (0A000: cached plan must not change result type).
    await sql`ALTER TABLE scratch_star ADD COLUMN b text`.execute(handle.db);
    assert.deepEqual(await read(), [{ id: 1, a: 'x', b: null }]);
    assert.deepEqual(await read(), [{ id: 1, a: 'x', b: null }], 'named again');
    assert.ok((await prepared()).some((s) => s.statement.includes('scratch_star')));
    await sql`ALTER TABLE scratch_star ADD COLUMN c text`.execute(handle.db);
    await assert.rejects(
      handle.db.transaction().execute((tx) => read(tx)),
      { code: '0A000' },
      'a transaction that ran it has failed: its caller must know',
    );
    assert.deepEqual(await read(), [{ id: 1, a: 'x', b: null, c: null }]);
  });

  it('statements dropped behind the driver’s back (DEALLOCATE ALL): answered, then named again', async () => {
    const read = async () => (await sql<{ a: string }>`SELECT a FROM scratch WHERE id = ${1}`.execute(handle.db)).rows;
    assert.deepEqual(await read(), [{ a: 'x' }]);
    await sql`DEALLOCATE ALL`.execute(handle.db);
    assert.deepEqual(await prepared(), []);
    assert.deepEqual(await read(), [{ a: 'x' }]);
    assert.deepEqual(await read(), [{ a: 'x' }]);
    assert.equal((await prepared()).filter((s) => s.statement.includes('FROM scratch WHERE')).length, 1);
  });

  it('at most MAX_NAMED_PER_CONNECTION names: texts past the cap run unnamed, and still answer', async () => {
    const lite = await PGlite.create();
    try {
      const statements = new PGliteStatements(lite);
      for (let i = 0; i < MAX_NAMED_PER_CONNECTION + 5; i++) {
        const { rows } = await statements.query<{ n: number }>(`SELECT $1::int + ${i} AS n`, [1]);
        assert.deepEqual(rows, [{ n: 1 + i }]);
      }
      // Past the cap itself: this one runs unnamed too.
      const { rows } = await statements.query<{ names: number }>(
        'SELECT count(*)::int AS names FROM pg_prepared_statements WHERE statement LIKE $1',
        ['SELECT $1::int +%'],
      );
      assert.deepEqual(rows, [{ names: MAX_NAMED_PER_CONNECTION }]);
    } finally {
      await lite.close();
    }
  });

  it('statements with long parameter lists go unnamed: their texts vary with the list', async () => {
    await sql`DEALLOCATE ALL`.execute(handle.db);
    await sql`SELECT 1`.execute(handle.db); // a plain statement: nothing to name
    const ids = Array.from({ length: MAX_NAMED_PARAMETERS + 1 }, (_, i) => i);
    const many = await sql<{ id: number }>`SELECT id FROM scratch WHERE id IN (${sql.join(ids)}) ORDER BY id`.execute(
      handle.db,
    );
    assert.deepEqual(many.rows, [{ id: 1 }, { id: 10 }]);
    await sql`SELECT id FROM scratch WHERE id IN (${sql.join(ids.slice(1))})`.execute(handle.db);
    const texts = (await prepared()).map((s) => s.statement);
    assert.equal(texts.length, 1, texts.join('\n'));
    assert.equal(texts[0]!.split('$').length - 1, MAX_NAMED_PARAMETERS);
  });
});

describe('prepared statements [pglite]: the app', { skip: !DATABASES.includes('pglite') }, () => {
  const h = createHarness('pglite');
  before(() => h.start());
  after(() => h.stop());

  it('a revoke runs its statements prepared: the key lookup, the account update and the cancel of its posts', async () => {
    const t = await h.tenant();
    const account = await h.account(t);
    const res = await h.app.inject({ method: 'DELETE', url: `/v1/social-accounts/${account}`, headers: t.auth });
    assert.equal(res.statusCode, 200, res.body);
    const texts = (
      await sql<{ statement: string }>`SELECT statement FROM pg_prepared_statements`.execute(h.deps.db)
    ).rows.map((s) => s.statement);
    for (const step of [KEY_LOOKUP, /^update "social_accounts"/, /UPDATE scheduled_posts/, /INSERT INTO outbox_events/])
      assert.ok(
        texts.some((s) => step.test(s)),
        `${step}: ${texts.join('\n')}`,
      );
  });
});
