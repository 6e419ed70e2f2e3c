import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { sql } from 'kysely';
import pg from 'pg';
import { openDatabase } from '../../src/db/client.js';
import { DATABASES, TEST_DATABASE_URL } from '../harness.js';

// Rate-limit counters commit without waiting for the WAL flush; the API's own pool still waits.
test('PostgreSQL: the counter pool skips the commit flush, the main pool does not, close ends both', {
  skip: !DATABASES.includes('postgres'),
}, async () => {
  const schema = `t_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  try {
    const handle = await openDatabase({ databaseUrl: TEST_DATABASE_URL, searchPath: schema });
    const query = "SELECT current_setting('synchronous_commit') AS v, current_schema() AS s";
    assert.deepEqual((await handle.counterPool!.query(query)).rows[0], { v: 'off', s: schema });
    assert.deepEqual((await sql.raw(query).execute(handle.db)).rows[0], { v: 'on', s: schema });
    await handle.close();
    assert.equal(handle.counterPool!.ended, true);
    assert.equal(handle.pgPool!.ended, true);
  } finally {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
});
