import assert from 'node:assert/strict';
import { it } from 'node:test';
import { reapIdempotencyKeys } from '../../src/db/queries/idempotency-keys.js';
import { IDEMPOTENCY_TTL_MS } from '../../src/http/guards/idempotency.js';
import {
  REAP_BATCH,
  REAP_MAX_STATEMENTS_PER_PASS,
  reapExpiredIdempotencyKeys,
} from '../../src/worker/idempotency-reaper.js';
import { runOnce } from '../../src/worker/index.js';
import { describeEachDb, json, type Tenant } from '../harness.js';
import { useSandbox, workerDeps } from '../support/sandbox.js';

const HOUR = 3600_000;

describeEachDb('worker: Idempotency-Key rows reaped after 24 h', (h) => {
  const fx = useSandbox();
  const keysOf = async (t: Tenant) =>
    (
      await h.db
        .selectFrom('idempotency_keys')
        .select('key')
        .where('api_key_id', '=', t.apiKeyId)
        .orderBy('key')
        .execute()
    ).map((r) => r.key);
  const createProject = (t: Tenant, key: string) =>
    h.inject({
      method: 'POST',
      url: '/v1/projects',
      headers: { ...t.auth, 'idempotency-key': key },
      payload: { name: 'Reaped or replayed', timezone: 'UTC' },
    });

  it('a pass deletes keys older than 24 h and reports the count; a younger key still replays, an old one runs afresh', async () => {
    const t = await h.tenant();
    const start = new Date();
    await h.atTime(start, async () => {
      const old = await createProject(t, 'old');
      assert.equal(old.statusCode, 201, old.body);
      h.clock.set(new Date(start.getTime() + 2 * HOUR));
      const young = await createProject(t, 'young');
      assert.equal(young.statusCode, 201, young.body);

      h.clock.set(new Date(start.getTime() + 25 * HOUR)); // old: 25 h, young: 23 h
      const pass = await runOnce(workerDeps(h, fx));
      assert.deepEqual(pass.idempotencyKeys, { reaped: 1 }, JSON.stringify(pass));
      assert.deepEqual(await keysOf(t), ['young']);

      const replay = await createProject(t, 'young');
      assert.equal(replay.statusCode, 201, replay.body);
      assert.equal(replay.headers['idempotent-replayed'], 'true');
      assert.equal(replay.body, young.body, 'the stored response, byte for byte');
      const afresh = await createProject(t, 'old');
      assert.equal(afresh.statusCode, 201, afresh.body);
      assert.equal(afresh.headers['idempotent-replayed'], undefined);
      assert.notEqual(json(afresh).id, json(old).id, 'a new project: the old key was forgotten');

      const quiet = await runOnce(workerDeps(h, fx));
      assert.deepEqual(quiet.idempotencyKeys, { reaped: 0 }, 'the re-used key is young again');
    });
  });

  it(`a backlog larger than a batch: ${REAP_BATCH} rows a statement, at most ${REAP_MAX_STATEMENTS_PER_PASS} statements a pass, drained over passes`, async () => {
    const t = await h.tenant();
    const now = new Date();
    const backlog = REAP_BATCH * REAP_MAX_STATEMENTS_PER_PASS + REAP_BATCH * 2.5;
    const expired = new Date(now.getTime() - IDEMPOTENCY_TTL_MS - HOUR);
    await h.sql`
      INSERT INTO idempotency_keys (api_key_id, key, fingerprint, status_code, response_body, created_at)
      SELECT ${t.apiKeyId}, 'backlog-' || g, 'fp', 201, '{}', ${expired}::timestamptz - g * interval '1 second'
      FROM generate_series(1, ${backlog}) AS g`.execute(h.db);
    await h.sql`
      INSERT INTO idempotency_keys (api_key_id, key, fingerprint, status_code, response_body, created_at)
      SELECT ${t.apiKeyId}, 'fresh-' || g, 'fp', 201, '{}', ${now}::timestamptz - g * interval '1 minute'
      FROM generate_series(1, 10) AS g`.execute(h.db);

    const expiredBefore = new Date(now.getTime() - IDEMPOTENCY_TTL_MS);
    assert.equal(
      await reapIdempotencyKeys(h.db, expiredBefore, REAP_BATCH),
      REAP_BATCH,
      'one statement deletes one batch, no more',
    );
    await h.atTime(now, async () => {
      const reaped: unknown[] = [];
      for (let pass = 0; pass < 4; pass++) reaped.push((await runOnce(workerDeps(h, fx))).idempotencyKeys);
      assert.deepEqual(reaped, [
        { reaped: REAP_BATCH * REAP_MAX_STATEMENTS_PER_PASS },
        { reaped: REAP_BATCH * 1.5 },
        { reaped: 0 },
        { reaped: 0 },
      ]);
    });
    const left = await keysOf(t);
    assert.equal(left.length, 10, `only the fresh keys are left: ${left.slice(0, 5).join(', ')}…`);
    assert.ok(left.every((k) => k.startsWith('fresh-')));
  });

  // PGlite has one connection: a transaction held open there holds every other query anyway.
  it('a row locked by a request in flight is skipped, not waited on (PostgreSQL)', {
    skip: h.kind !== 'postgres',
  }, async () => {
    const t = await h.tenant();
    const now = new Date();
    const old = new Date(now.getTime() - IDEMPOTENCY_TTL_MS - HOUR);
    await h.db
      .insertInto('idempotency_keys')
      .values(
        ['busy', 'idle-1', 'idle-2'].map((key) => ({
          api_key_id: t.apiKeyId,
          key,
          fingerprint: 'fp',
          status_code: 201,
          response_body: '{}',
          created_at: old,
        })),
      )
      .execute();
    await h.db.transaction().execute(async (tx) => {
      await tx
        .selectFrom('idempotency_keys')
        .select('key')
        .where('api_key_id', '=', t.apiKeyId)
        .where('key', '=', 'busy')
        .forUpdate()
        .execute();
      const summary = await reapExpiredIdempotencyKeys({ db: h.db, clock: { now: () => now } }); // another connection
      assert.deepEqual(summary, { reaped: 2 });
    });
    assert.deepEqual(await keysOf(t), ['busy'], 'left for a later pass');
  });
});
