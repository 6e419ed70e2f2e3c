import assert from 'node:assert/strict';
import { it } from 'node:test';
import { sql } from 'kysely';
import { parseApiKey } from '../../src/crypto/api-key.js';
import type { PlatformToken } from '../../src/crypto/token-envelope.js';
import { describeEachDb, type Harness, json } from '../harness.js';

/** Every row of every table in the schema the app uses, each as PostgreSQL's text of the row. */
async function dumpDatabase(h: Harness): Promise<{ table: string; row: string }[]> {
  const tables = await sql<{ table_name: string }>`
    SELECT table_name FROM information_schema.tables
    WHERE table_schema = current_schema() AND table_type = 'BASE TABLE' ORDER BY table_name`.execute(h.db);
  assert.ok(
    tables.rows.length >= 10,
    `expected the migrated tables, found ${tables.rows.map((t) => t.table_name).join(',')}`,
  );
  const rows: { table: string; row: string }[] = [];
  for (const { table_name } of tables.rows) {
    const res = await sql<{ row: string }>`SELECT t::text AS row FROM ${sql.table(table_name)} t`.execute(h.db);
    rows.push(...res.rows.map((r) => ({ table: table_name, row: r.row })));
  }
  return rows;
}

/** A secret as it could land in a row: as text, or as bytes that `::text` renders in hex (bytea). */
function forms(secret: string): string[] {
  const out = [secret, Buffer.from(secret, 'utf8').toString('hex')];
  // The API key secret is base64url of 32 random bytes: its raw bytes would show as hex too.
  if (/^[A-Za-z0-9_-]{43}$/.test(secret)) out.push(Buffer.from(secret, 'base64url').toString('hex'));
  return out;
}

function assertAbsent(dump: { table: string; row: string }[], label: string, secret: string) {
  assert.ok(secret.length >= 20, `${label} is a real secret (${secret.length} chars)`);
  for (const form of forms(secret)) {
    const hit = dump.find((d) => d.row.toLowerCase().includes(form.toLowerCase()));
    assert.equal(hit, undefined, `${label} found in ${hit?.table}: ${hit?.row.slice(0, 500)}`);
  }
}

describeEachDb('no plaintext secret is ever stored', (h) => {
  it('API key secrets and platform tokens appear nowhere in the database, before or after a revoke', async () => {
    const t = await h.tenant();
    const second = await h.key(t, ['social:read']);
    const revoked = await h.account(t);
    const kept = await h.account(t, { platform: 'instagram' });
    const leased = await h.account(t, { leased: true });
    await h.queuedPosts(revoked, 3);
    await h.queuedPosts(kept, 2);

    // The fixture seals random sandbox tokens; open each envelope to learn the plaintext.
    const tokens: Record<string, PlatformToken> = {};
    for (const id of [revoked, kept, leased]) {
      const row = await h.db
        .selectFrom('social_accounts')
        .select(['token_ciphertext', 'token_wrapped_key', 'token_version'])
        .where('id', '=', id)
        .executeTakeFirstOrThrow();
      assert.ok(row.token_ciphertext && row.token_wrapped_key, `account ${id} holds a sealed token`);
      tokens[id] = h.adminCtx().tokenCrypto.open(id, row.token_version, {
        ciphertext: row.token_ciphertext,
        wrappedKey: row.token_wrapped_key,
      });
    }

    for (const id of [revoked, leased]) {
      const res = await h.inject({ method: 'DELETE', url: `/v1/social-accounts/${id}`, headers: t.auth });
      assert.equal(res.statusCode, 200, res.body.slice(0, 500));
    }
    assert.equal(
      json(await h.inject({ method: 'GET', url: `/v1/social-accounts/${kept}`, headers: second.auth })).status,
      'connected',
    );

    // The revoked account's token moved to upstream_revocations for the worker, still sealed.
    // (Whether a leased account's grant is revoked upstream is the lease policy's business;
    // wherever its token went, the dump below covers it.)
    const jobs = await h.db
      .selectFrom('upstream_revocations')
      .select(['social_account_id', 'token_ciphertext'])
      .where('social_account_id', '=', revoked)
      .execute();
    assert.equal(jobs.length, 1, JSON.stringify(jobs).slice(0, 500));
    assert.ok(jobs[0]!.token_ciphertext && jobs[0]!.token_ciphertext.length > 0, 'the worker gets a sealed token');

    // Self-service keys, created and rotated with Idempotency-Key: the stored responses hold them sealed.
    const idem = (k: string) => ({ ...t.auth, 'idempotency-key': k });
    const created = await h.inject({
      method: 'POST',
      url: `/v1/organizations/${t.organizationId}/api-keys`,
      headers: idem('secret-scan-create'),
      payload: { name: 'scan', scopes: ['social:read'], env: 'test' },
    });
    assert.equal(created.statusCode, 201, created.body.slice(0, 500));
    const rotated = await h.inject({
      method: 'POST',
      url: `/v1/api-keys/${json(created).apiKeyId}/rotate`,
      headers: idem('secret-scan-rotate'),
    });
    assert.equal(rotated.statusCode, 200, rotated.body.slice(0, 500));

    const dump = await dumpDatabase(h);
    assert.ok(
      dump.some((d) => d.table === 'api_keys' && d.row.includes(t.apiKeyId)),
      'the dump sees this test’s rows',
    );
    for (const [label, key] of [
      ['first key', t.key],
      ['second key', second.key],
      ['self-service key', json(created).key as string],
      ['rotated key', json(rotated).key as string],
    ] as const) {
      const parsed = parseApiKey(key);
      assert.ok(parsed, `${label} parses: ${key.slice(0, 20)}…`);
      // The secret is base64url and may itself contain "_": take it from the fixed-shape parse.
      assert.ok(
        key.endsWith(`_${parsed.secret}`) && parsed.secret.length === 43,
        `${label} ends in its 43-char secret`,
      );
      assertAbsent(dump, `${label} (full)`, key);
      assertAbsent(dump, `${label} secret`, parsed.secret);
      const tail = key.slice(key.lastIndexOf('_') + 1);
      if (tail.length >= 20) assertAbsent(dump, `${label} text after its last "_"`, tail);
    }
    for (const [id, token] of Object.entries(tokens)) {
      assert.match(token.accessToken, /^sbx_at_/);
      assert.match(token.refreshToken ?? '', /^sbx_rt_/);
      assertAbsent(dump, `access token of ${id}`, token.accessToken);
      assertAbsent(dump, `refresh token of ${id}`, token.refreshToken!);
    }
  });

  it('api_keys.secret_hash is a digest, not the secret', async () => {
    const t = await h.tenant();
    const secret = parseApiKey(t.key)!.secret;
    const row = await h.db
      .selectFrom('api_keys')
      .select('secret_hash')
      .where('id', '=', t.apiKeyId)
      .executeTakeFirstOrThrow();
    const stored = Buffer.from(row.secret_hash);
    assert.equal(stored.length, 32, `a 32-byte digest, got ${stored.length} bytes`);
    assert.notDeepEqual(stored, Buffer.from(secret, 'utf8'));
    assert.notDeepEqual(stored, Buffer.from(secret, 'base64url'), 'not the raw secret bytes');
    assert.ok(!stored.toString('utf8').includes(secret));
    assert.ok(!stored.toString('base64url').includes(secret));
  });
});
