import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { sql } from 'kysely';
import { seal, unseal } from '../../src/crypto/aead.js';
import { openKeyRing } from '../../src/crypto/key-ring.js';
import { prepareKeyRing, rotateKeyRing } from '../../src/crypto/key-ring-rotation.js';
import { createTokenCrypto, wrappedKeyEpoch } from '../../src/crypto/token-envelope.js';
import { runOnce } from '../../src/worker/index.js';
import { runUpstreamRevocations } from '../../src/worker/upstream-revocation.js';
import { ADMIN_TOKEN, describeEachDb, json } from '../harness.js';
import { sandboxAccount, useSandbox, workerDeps } from '../support/sandbox.js';

const DAY = 24 * 3600 * 1000;

describeEachDb('key ring: rotation and crypto-shred', (h) => {
  const fx = useSandbox();
  const ring = () => h.deps.tokenCrypto.ring;
  const wrapped = async (id: string) =>
    await h.db
      .selectFrom('social_accounts')
      .select(['token_ciphertext', 'token_wrapped_key', 'token_version'])
      .where('id', '=', id)
      .executeTakeFirstOrThrow();
  const opens = (
    id: string,
    row: { token_ciphertext: Uint8Array | null; token_wrapped_key: Uint8Array | null; token_version: number },
  ) => {
    try {
      return h.deps.tokenCrypto.open(id, row.token_version, {
        ciphertext: row.token_ciphertext!,
        wrappedKey: row.token_wrapped_key!,
      }).accessToken;
    } catch {
      return undefined;
    }
  };
  const rotate = () => rotateKeyRing({ db: h.db, tokenCrypto: h.deps.tokenCrypto, clock: h.clock });
  const epochRows = async () =>
    (await h.db.selectFrom('key_epochs').select('id').orderBy('id').execute()).map((r) => r.id);

  it('a rotation re-wraps every live key under a new epoch and destroys the old one: a revoked token’s old bytes open with no key left', async () => {
    const t = await h.tenant();
    const live = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const doomed = await sandboxAccount(h, t, fx, 'instagram', new Date(Date.now() + DAY));
    const before = ring().current().epoch;
    const doomedBytes = await wrapped(doomed.id); // what a dead tuple / WAL record keeps of it
    assert.equal(wrappedKeyEpoch(doomedBytes.token_wrapped_key!), before);
    assert.equal(
      opens(doomed.id, doomedBytes),
      doomed.token.accessToken,
      'control: the old bytes open while their epoch exists',
    );

    const res = await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${doomed.id}`, headers: t.auth });
    assert.equal(res.statusCode, 200, res.body);
    await runUpstreamRevocations(workerDeps(h, fx)); // Instagram: unsupported, the job's copy is erased
    const job = await h.db
      .selectFrom('upstream_revocations')
      .select(['status', 'token_wrapped_key'])
      .where('social_account_id', '=', doomed.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(job, { status: 'unsupported', token_wrapped_key: null });
    assert.equal(
      opens(doomed.id, doomedBytes),
      doomed.token.accessToken,
      'before the rotation the revoked token is still recoverable from old bytes',
    );

    const rotation = await rotate();
    assert.equal(rotation.rotated, true);
    assert.equal(rotation.currentEpoch, before + 1);
    assert.ok(rotation.destroyedEpochs.includes(before), JSON.stringify(rotation));
    assert.deepEqual(rotation.retainedEpochs, []);
    assert.deepEqual(
      ring()
        .epochs()
        .map((e) => e.epoch),
      [before + 1],
    );
    assert.deepEqual(
      fs.readdirSync(ring().dir),
      [`epoch-${String(before + 1).padStart(8, '0')}.json`],
      'the old epoch file is gone',
    );
    assert.deepEqual(await epochRows(), [before + 1]);

    assert.equal(
      opens(doomed.id, doomedBytes),
      undefined,
      'the revoked token’s old bytes open with no key the system has',
    );
    const liveNow = await wrapped(live.id);
    assert.equal(wrappedKeyEpoch(liveNow.token_wrapped_key!), before + 1);
    assert.equal(opens(live.id, liveNow), live.token.accessToken, 'the live account’s token still opens');
  });

  it('a pending upstream revocation keeps a re-wrapped copy through two rotations, then revokes the grant and drops it', async () => {
    const t = await h.tenant();
    const acc = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const res = await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${acc.id}`, headers: t.auth });
    assert.equal(res.statusCode, 200, res.body);
    await rotate();
    const second = await rotate();
    const job = await h.db
      .selectFrom('upstream_revocations')
      .select(['status', 'token_wrapped_key'])
      .where('social_account_id', '=', acc.id)
      .executeTakeFirstOrThrow();
    assert.equal(job.status, 'pending');
    assert.equal(
      wrappedKeyEpoch(job.token_wrapped_key!),
      second.currentEpoch,
      'the job’s copy moved to the current epoch',
    );

    const summary = await runUpstreamRevocations(workerDeps(h, fx));
    assert.equal(summary.revoked, 1, JSON.stringify(summary));
    assert.ok(
      fx.sandbox.log.some((c) => c.endpoint === 'tiktok.revoke' && c.status === 200),
      'the platform saw the revocation',
    );
    const done = await h.db
      .selectFrom('upstream_revocations')
      .select(['status', 'token_wrapped_key'])
      .where('social_account_id', '=', acc.id)
      .executeTakeFirstOrThrow();
    assert.deepEqual(done, { status: 'revoked', token_wrapped_key: null });
  });

  it('a key written under the old epoch while the rotation runs is re-wrapped before that epoch is destroyed (the foreign key refuses the early delete)', async () => {
    const t = await h.tenant();
    const acc = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const old = await wrapped(acc.id);
    const oldEpoch = wrappedKeyEpoch(old.token_wrapped_key!);
    let wroteBack = false;
    const rotation = await rotateKeyRing({
      db: h.db,
      tokenCrypto: h.deps.tokenCrypto,
      clock: h.clock,
      // A writer that sealed before the new epoch appeared, committing after the re-wrap pass.
      fault: async (point) => {
        if (point !== 'key-rotation:after-rewrap' || wroteBack) return;
        wroteBack = true;
        await h.db
          .updateTable('social_accounts')
          .set({ token_wrapped_key: old.token_wrapped_key })
          .where('id', '=', acc.id)
          .execute();
      },
    });
    assert.ok(wroteBack);
    assert.ok(rotation.destroyedEpochs.includes(oldEpoch), JSON.stringify(rotation));
    assert.deepEqual(rotation.retainedEpochs, []);
    const now = await wrapped(acc.id);
    assert.equal(
      wrappedKeyEpoch(now.token_wrapped_key!),
      rotation.currentEpoch,
      'the late row was re-wrapped in the next round',
    );
    assert.equal(opens(acc.id, now), acc.token.accessToken);
  });

  it('two rotations at once: each epoch is created once, every live key opens, nothing is left on an old epoch', async () => {
    const t = await h.tenant();
    const accounts = await Promise.all(
      [1, 2, 3].map(() => sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY))),
    );
    const [a, b] = await Promise.all([rotate(), rotate()]);
    const current = ring().current().epoch;
    assert.ok(a.rotated || b.rotated, JSON.stringify({ a, b }));
    assert.deepEqual(
      ring()
        .epochs()
        .map((e) => e.epoch),
      [current],
      JSON.stringify({ a, b }),
    );
    assert.deepEqual(await epochRows(), [current]);
    for (const acc of accounts) {
      const row = await wrapped(acc.id);
      assert.equal(wrappedKeyEpoch(row.token_wrapped_key!), current);
      assert.equal(opens(acc.id, row), acc.token.accessToken);
    }
  });

  it('a key wrapped by the master key before the ring (epoch 0) still opens, and the next rotation moves it onto the ring', async () => {
    const t = await h.tenant();
    const acc = await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    // What 0.1.0 wrote: the data key sealed under the master key, 60 bytes, no header. The data
    // key is recovered through a re-wrap to a throw-away epoch the test holds.
    const probe = { epoch: 999_999, createdAt: new Date(), key: randomBytes(32) };
    const probeWrapped = h.deps.tokenCrypto.rewrap(acc.id, (await wrapped(acc.id)).token_wrapped_key!, probe);
    const dataKey = unseal(probe.key, probeWrapped.subarray(5), `dek:${acc.id}:e${probe.epoch}`);
    const legacy = seal(h.masterKey, dataKey, `dek:${acc.id}`);
    assert.equal(legacy.length, 60);
    if (!(await epochRows()).includes(0))
      await h.db.insertInto('key_epochs').values({ id: 0, check_value: null, created_at: new Date() }).execute();
    await h.db.updateTable('social_accounts').set({ token_wrapped_key: legacy }).where('id', '=', acc.id).execute();
    const epochOf = async () =>
      (await sql<{ e: number }>`SELECT token_key_epoch AS e FROM social_accounts WHERE id = ${acc.id}`.execute(h.db))
        .rows[0]!.e;
    assert.equal(await epochOf(), 0, 'the database derives epoch 0 from a headerless key');
    assert.equal(opens(acc.id, await wrapped(acc.id)), acc.token.accessToken, 'a legacy key opens');

    const rotation = await rotate();
    assert.ok(rotation.destroyedEpochs.includes(0), JSON.stringify(rotation));
    assert.equal(await epochOf(), rotation.currentEpoch);
    assert.equal(opens(acc.id, await wrapped(acc.id)), acc.token.accessToken);
  });

  it('the worker rotates once the current epoch is older than the interval (pinned clock)', async () => {
    const start = ring().current();
    const deps = workerDeps(h, fx, { keyRotationIntervalMs: DAY });
    await h.atTime(new Date(start.createdAt.getTime() + DAY - 60_000), async () => {
      assert.deepEqual((await runOnce(deps)).keyRotation, { due: false });
      h.clock.set(new Date(start.createdAt.getTime() + DAY));
      const pass = await runOnce(deps);
      assert.equal((pass.keyRotation as { rotated: boolean }).rotated, true, JSON.stringify(pass.keyRotation));
      assert.equal(ring().current().epoch, start.epoch + 1);
    });
  });

  it('operator API: GET /admin/v1/key-ring shows the epochs and what they wrap; POST …/rotate rotates', async () => {
    const t = await h.tenant();
    await sandboxAccount(h, t, fx, 'tiktok', new Date(Date.now() + DAY));
    const auth = { authorization: `Bearer ${ADMIN_TOKEN}` };
    const rotated = await h.inject({ method: 'POST', url: '/admin/v1/key-ring/rotate', headers: auth });
    assert.equal(rotated.statusCode, 200, rotated.body);
    const r = json(rotated);
    assert.deepEqual(Object.keys(r).sort(), [
      'currentEpoch',
      'destroyedEpochs',
      'retainedEpochs',
      'rewrapped',
      'rotated',
    ]);
    assert.equal(r.rotated, true);
    assert.ok(r.rewrapped >= 1, rotated.body);
    const shown = await h.inject({ method: 'GET', url: '/admin/v1/key-ring', headers: auth });
    assert.equal(shown.statusCode, 200, shown.body);
    const s = json(shown);
    assert.equal(s.currentEpoch, r.currentEpoch);
    assert.equal(s.epochs.length, 1, shown.body);
    assert.equal(s.epochs[0].epoch, r.currentEpoch);
    assert.match(s.epochs[0].createdAt, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    assert.ok(s.epochs[0].wrappedKeys >= 1, shown.body);
    assert.equal(s.unreadableWrappedKeys, 0);
    const denied = await h.inject({ method: 'POST', url: '/admin/v1/key-ring/rotate' });
    assert.equal(denied.statusCode, 401, denied.body);
    assert.equal(json(denied).error.code, 'UNAUTHENTICATED');
  });

  it('start-up refuses a ring that is not this database’s: another master key, another installation, or empty while keys use it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-ring-other-'));
    try {
      // A ring written under another master key does not open.
      const otherKey = randomBytes(32);
      openKeyRing(dir, otherKey).create(1, new Date(), randomBytes(32));
      assert.throws(() => openKeyRing(dir, h.masterKey), /does not open with this master key \(LAYERS_MASTER_KEY\)/);
      fs.rmSync(dir, { recursive: true, force: true });

      // Same master key, but another installation's epoch under a number this database knows.
      const foreign = openKeyRing(dir, h.masterKey);
      foreign.create(ring().current().epoch, new Date(), randomBytes(32));
      await assert.rejects(
        prepareKeyRing({ db: h.db, clock: h.clock, tokenCrypto: createTokenCrypto(h.masterKey, foreign) }),
        /is not this database's \(epoch \d+ differs\): every process must share one LAYERS_KEYRING_DIR/,
      );
      fs.rmSync(dir, { recursive: true, force: true });

      // An empty ring on a database that knows epochs: another process's ring, not shared.
      await assert.rejects(
        prepareKeyRing({
          db: h.db,
          clock: h.clock,
          tokenCrypto: createTokenCrypto(h.masterKey, openKeyRing(dir, h.masterKey)),
        }),
        /The database knows key epoch\(s\) [\d, ]+, but the key ring at .* is empty: point LAYERS_KEYRING_DIR at the ring this database's other processes use\./,
      );
      assert.deepEqual(fs.readdirSync(dir), [], 'nothing was created in the wrong directory');
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
