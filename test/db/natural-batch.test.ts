import assert from 'node:assert/strict';
import { it } from 'node:test';
import type { KyselyPlugin } from 'kysely';
import { naturalBatcher } from '../../src/db/natural-batch.js';
import { findKeyWithSwitches } from '../../src/db/queries/api-keys.js';
import { describeEachDb, json } from '../harness.js';

// src/db/natural-batch.ts and the key lookup that uses it: items that arrive while runs are in
// flight go together in the next run, each answered with its own result.

it('natural batching: the first runs go at once, later items wait and go together, each gets its own answer', async () => {
  const runs: number[][] = [];
  const gates: (() => void)[] = [];
  const double = naturalBatcher(
    async (items: number[]) => {
      runs.push(items);
      await new Promise<void>((resolve) => gates.push(resolve));
      return items.map((n) => n * 2);
    },
    { inFlight: 2, max: 3 },
  );
  const answers = [1, 2, 3, 4, 5, 6, 7].map((n) => double(n));
  assert.deepEqual(runs, [[1], [2]], 'two in flight, the rest waiting');
  gates.shift()!();
  await new Promise((resolve) => setImmediate(resolve));
  assert.deepEqual(runs, [[1], [2], [3, 4, 5]], 'a run done: the next takes up to max of the waiting');
  while (runs.flat().length < 7 || gates.length > 0) {
    gates.shift()?.();
    await new Promise((resolve) => setImmediate(resolve));
  }
  assert.deepEqual(await Promise.all(answers), [2, 4, 6, 8, 10, 12, 14]);
  assert.deepEqual(runs, [[1], [2], [3, 4, 5], [6, 7]]);
});

it('natural batching: a run that fails fails each of its items, and the next run goes on', async () => {
  let calls = 0;
  const echo = naturalBatcher(
    async (items: string[]) => {
      calls++;
      if (calls === 1) throw new Error('store down');
      return items;
    },
    { inFlight: 1, max: 10 },
  );
  const [a, b, c] = [echo('a'), echo('b'), echo('c')];
  await assert.rejects(a, /store down/);
  assert.deepEqual(await Promise.all([b, c]), ['b', 'c']);
  assert.equal(calls, 2);
});

describeEachDb('key lookups batched', (h) => {
  it('concurrent lookups share statements; each gets its own key, an unknown one nothing, a revoked one as stored', async () => {
    const [t1, t2, t3] = [await h.tenant(), await h.tenant(), await h.tenant()];
    await h.db.updateTable('api_keys').set({ revoked_at: new Date() }).where('id', '=', t3.apiKeyId).execute();
    let statements = 0;
    const counting: KyselyPlugin = {
      transformQuery: ({ node }) => {
        statements++;
        return node;
      },
      transformResult: async ({ result }) => result,
    };
    const db = h.db.withPlugin(counting);
    const ids = [t1.apiKeyId, t2.apiKeyId, 'ak_unknown', t3.apiKeyId, t1.apiKeyId, t2.apiKeyId];
    const rows = await Promise.all(ids.map((id) => findKeyWithSwitches(db, id)));
    assert.equal(statements, 3, 'two alone, then the four that waited in one');
    assert.deepEqual(
      rows.map((r) => r && [r.id, r.organization_id, r.revoked_at !== null]),
      [
        [t1.apiKeyId, t1.organizationId, false],
        [t2.apiKeyId, t2.organizationId, false],
        undefined,
        [t3.apiKeyId, t3.organizationId, true],
        [t1.apiKeyId, t1.organizationId, false],
        [t2.apiKeyId, t2.organizationId, false],
      ],
    );
  });

  it('inside a transaction the lookup runs on it: it sees the transaction’s own change', async () => {
    const t = await h.tenant();
    await h.db
      .transaction()
      .execute(async (tx) => {
        await tx.updateTable('api_keys').set({ kill_switch: true }).where('id', '=', t.apiKeyId).execute();
        assert.equal((await findKeyWithSwitches(tx, t.apiKeyId))?.key_kill_switch, true);
        throw new Error('roll back');
      })
      .catch((err: Error) => assert.equal(err.message, 'roll back'));
    assert.equal((await findKeyWithSwitches(h.db, t.apiKeyId))?.key_kill_switch, false);
  });

  it('concurrent requests with different keys: each is its own organization, a killed key is refused', async () => {
    const tenants = await Promise.all(Array.from({ length: 6 }, () => h.tenant()));
    const killed = tenants[5]!;
    await h.db.updateTable('api_keys').set({ kill_switch: true }).where('id', '=', killed.apiKeyId).execute();
    const results = await Promise.all(
      Array.from({ length: 30 }, (_, i) => tenants[i % 6]!).map(async (t) => ({
        t,
        res: await h.inject({ method: 'GET', url: '/v1/whoami', headers: t.auth }),
      })),
    );
    for (const { t, res } of results) {
      if (t === killed) {
        assert.equal(res.statusCode, 503, res.body);
        continue;
      }
      assert.equal(res.statusCode, 200, res.body);
      assert.equal(json(res).organizationId, t.organizationId);
      assert.equal(json(res).apiKeyId, t.apiKeyId);
    }
  });
});
