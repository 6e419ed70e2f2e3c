import assert from 'node:assert/strict';
import { it } from 'node:test';
import { type KyselyPlugin, NoResultError, sql } from 'kysely';
import { compiledOnce } from '../../src/db/compiled.js';
import { describeEachDb } from '../harness.js';

// src/db/compiled.ts: a query built once with stand-ins, run with each call's own arguments.

describeEachDb('queries compiled once', (h) => {
  const pick = compiledOnce((db, a: { id: string; org: string }) =>
    db
      .selectFrom('projects')
      .select(['id', 'organization_id'])
      .where('id', '=', a.id)
      .where('organization_id', '=', a.org)
      .where('name', '!=', '(a constant of the query)'),
  );
  const echo = compiledOnce(
    (_db, a: { text: string; n: number; at: Date | null }) =>
      sql<{
        text: string;
        n: number;
        at: Date | null;
        fixed: string;
      }>`SELECT ${a.text}::text AS text, ${a.n}::int + ${1}::int AS n, ${a.at}::timestamptz AS at, ${'fixed'}::text AS fixed`,
  );

  it('each call runs with its own arguments; the query’s own constants stay', async () => {
    const [t1, t2] = [await h.tenant(), await h.tenant()];
    const [p1, p2] = [t1.projectId, t2.projectId];
    assert.deepEqual(await pick.first(h.db, { id: p1, org: t1.organizationId }), {
      id: p1,
      organization_id: t1.organizationId,
    });
    assert.deepEqual(await pick.rows(h.db, { id: p2, org: t2.organizationId }), [
      { id: p2, organization_id: t2.organizationId },
    ]);
    // Another organization's project: no row, as the built query answers.
    assert.equal(await pick.first(h.db, { id: p1, org: t2.organizationId }), undefined);
    await assert.rejects(pick.firstOrThrow(h.db, { id: p1, org: t2.organizationId }), NoResultError);
    const at = new Date('2030-01-02T03:04:05.678Z');
    assert.deepEqual(await echo.first(h.db, { text: 'a', n: 1, at }), { text: 'a', n: 2, at, fixed: 'fixed' });
    assert.deepEqual(await echo.first(h.db, { text: 'b', n: 41, at: null }), {
      text: 'b',
      n: 42,
      at: null,
      fixed: 'fixed',
    });
  });

  it('inside a transaction it runs on the transaction; with a plugin it is built per call, and the plugin sees it', async () => {
    await h.db.transaction().execute(async (tx) => {
      assert.deepEqual(await echo.first(tx, { text: 'tx', n: 0, at: null }), {
        text: 'tx',
        n: 1,
        at: null,
        fixed: 'fixed',
      });
    });
    const seen: string[] = [];
    const plugin: KyselyPlugin = {
      transformQuery: (args) => {
        seen.push(args.node.kind);
        return args.node;
      },
      transformResult: async (args) => args.result,
    };
    const t = await h.tenant();
    const p = t.projectId;
    assert.deepEqual(await pick.first(h.db.withPlugin(plugin), { id: p, org: t.organizationId }), {
      id: p,
      organization_id: t.organizationId,
    });
    assert.deepEqual(seen, ['SelectQueryNode']);
  });
});
