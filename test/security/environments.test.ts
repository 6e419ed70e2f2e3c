import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createSandboxAdapters } from '../../src/platforms/index.js';
import { startSandboxPlatform } from '../../src/platforms/sandbox/server.js';
import * as admin from '../../src/services/admin.js';
import { runPublisher } from '../../src/worker/publisher.js';
import { assertEnvelope } from '../assertions.js';
import { describeEachDb, type Harness, json } from '../harness.js';
import { useSandbox, workerDeps } from '../support/sandbox.js';

// Environments are walls (spec §2): a key sees and acts only on the accounts, posts, content and
// lease requests of its own environment; the other environment's ids answer 404 exactly like
// another organization's. One organization, one project, a test key and a live key, and in each
// environment an account, a leased account, content, a queued post and a lease request.

type Env = 'live' | 'test';
const ENVS: Env[] = ['test', 'live'];
const LATER = () => new Date(Date.now() + 48 * 3600 * 1000).toISOString().replace(/\.\d{3}Z$/, 'Z');

async function world(h: Harness) {
  const ctx = h.adminCtx();
  const org = await admin.createOrganization(ctx, { name: 'Env walls' });
  const project = await admin.createProject(ctx, {
    organizationId: org.organizationId,
    name: 'Shared project',
    timezone: 'UTC',
  });
  const side = async (env: Env) => {
    const key = await admin.createApiKey(ctx, {
      organizationId: org.organizationId,
      scopes: ['*'],
      tier: 'partner',
      env,
      returnUrls: ['app.partner.test'],
    });
    const auth = { authorization: `Bearer ${key.key}` };
    const call = async (method: 'GET' | 'POST' | 'DELETE' | 'PATCH' | 'PUT', url: string, payload?: unknown) =>
      h.inject({ method, url, headers: auth, ...(payload === undefined ? {} : { payload: payload as object }) });
    const account = (
      await admin.createSocialAccount(ctx, {
        projectId: project.projectId,
        platform: 'tiktok',
        handle: `${env}_a`,
        leased: false,
        env,
      })
    ).socialAccountId;
    const reauth = (
      await admin.createSocialAccount(ctx, {
        projectId: project.projectId,
        platform: 'tiktok',
        handle: `${env}_r`,
        leased: false,
        env,
      })
    ).socialAccountId;
    await h.db.updateTable('social_accounts').set({ status: 'reauth_required' }).where('id', '=', reauth).execute();
    const leased = (
      await admin.createSocialAccount(ctx, {
        projectId: project.projectId,
        platform: 'instagram',
        handle: `${env}_l`,
        leased: true,
        env,
      })
    ).socialAccountId;
    const up = await call('POST', `/v1/projects/${project.projectId}/content/upload`, {
      media: ['https://cdn.example.com/a.mp4'],
    });
    assert.equal(up.statusCode, 201, up.body);
    const content = json(up).id as string;
    const sch = await call('POST', `/v1/content/${content}/schedule`, {
      scheduledFor: LATER(),
      targets: [{ socialAccountId: account, mode: 'publish' }],
    });
    assert.equal(sch.statusCode, 201, sch.body);
    const post = json(sch).scheduledPosts[0].id as string;
    const req = await call('POST', `/v1/projects/${project.projectId}/leased-accounts/request`, {
      count: 1,
      niche: { vertical: env },
    });
    assert.equal(req.statusCode, 201, req.body);
    return { env, call, account, reauth, leased, content, post, leaseRequest: json(req).requestId as string };
  };
  const sides = { test: await side('test'), live: await side('live') };
  return { projectId: project.projectId, ...sides };
}

/** 404 in the full envelope, exactly as for another organization's id. */
function assertNotFound(res: { statusCode: number; body: string; headers: Record<string, unknown> }, what: string) {
  assert.equal(res.statusCode, 404, `${what}: ${res.body}`);
  const body = json(res);
  assert.deepEqual(
    Object.keys(body.error)
      .sort()
      .filter((k) => k !== 'details'),
    ['code', 'message', 'requestId'],
    res.body,
  );
  assert.equal(body.error.code, 'NOT_FOUND', res.body);
  assert.match(
    body.error.message,
    /^No .+ (in this organization|in this project|with a live lease in this organization)\.$/,
    res.body,
  );
  assert.equal(body.error.requestId, res.headers['x-request-id']);
}

describeEachDb('environments are walls', (h) => {
  const fx = useSandbox();

  for (const keyEnv of ENVS) {
    for (const resEnv of ENVS) {
      const within = keyEnv === resEnv;
      describe(`a ${keyEnv} key on ${resEnv} resources`, () => {
        it(`every route that names an account, a post, content or a lease request → ${within ? '2xx' : '404'}`, async () => {
          const w = await world(h);
          const k = w[keyEnv];
          const r = w[resEnv];
          const expect = async (
            label: string,
            res: Promise<{ statusCode: number; body: string; headers: Record<string, unknown> }>,
            ok: number,
          ) => {
            const got = await res;
            if (within) assert.equal(got.statusCode, ok, `${label}: ${got.body}`);
            else assertNotFound(got, label);
          };
          await expect('GET account', k.call('GET', `/v1/social-accounts/${r.account}`), 200);
          await expect('GET content', k.call('GET', `/v1/content/${r.content}`), 200);
          await expect('GET post', k.call('GET', `/v1/scheduled-posts/${r.post}`), 200);
          await expect(
            'GET lease request',
            k.call('GET', `/v1/projects/${w.projectId}/leased-accounts/requests/${r.leaseRequest}`),
            200,
          );
          await expect(
            'schedule the content',
            k.call('POST', `/v1/content/${r.content}/schedule`, {
              scheduledFor: LATER(),
              targets: [{ socialAccountId: r.account, mode: 'publish' }],
            }),
            201,
          );
          await expect(
            'own content onto the account',
            k.call('POST', `/v1/content/${k.content}/publish`, {
              targets: [{ socialAccountId: r.account, mode: 'draft' }],
            }),
            201,
          );
          await expect(
            'reauth-url',
            k.call('POST', `/v1/projects/${w.projectId}/social/reauth-url`, {
              socialAccountId: r.reauth,
              returnUrl: 'https://app.partner.test/back',
            }),
            200,
          );
          await expect(
            'reschedule',
            k.call('POST', `/v1/scheduled-posts/${r.post}/reschedule`, { scheduledFor: LATER() }),
            200,
          );
          await expect('cancel post', k.call('DELETE', `/v1/scheduled-posts/${r.post}`), 200);
          await expect('release', k.call('DELETE', `/v1/leased-accounts/${r.leased}`), 200);
          // Rehearsed faults: test mode only — a live key is refused outright (403), a test key is walled (404).
          const faults = k.call('PUT', `/v1/social-accounts/${r.account}/test-faults`, {
            faults: [{ fault: 'server_error' }],
          });
          if (keyEnv === 'test') await expect('test-faults', faults, 200);
          else assertEnvelope(await faults, 403, 'TEST_MODE_ONLY');
          await expect('revoke', k.call('DELETE', `/v1/social-accounts/${r.account}`), 200);

          // Whatever was refused changed nothing on the other side.
          const untouched = await w[resEnv].call('GET', `/v1/social-accounts/${r.account}`);
          assert.equal(json(untouched).status, within ? 'disconnected' : 'connected', untouched.body);
        });
      });
    }

    it(`lists show a ${keyEnv} key its own environment only; archiving cancels only its own queued posts`, async () => {
      const w = await world(h);
      const k = w[keyEnv];
      const other = w[keyEnv === 'test' ? 'live' : 'test'];
      const ids = async (url: string, pick: (i: Record<string, string>) => string) => {
        const res = await k.call('GET', url);
        assert.equal(res.statusCode, 200, res.body);
        return (json(res).items as Record<string, string>[]).map(pick).sort();
      };
      assert.deepEqual(
        await ids(`/v1/projects/${w.projectId}/social-accounts`, (i) => i.socialAccountId!),
        [k.account, k.reauth, k.leased].sort(),
      );
      assert.deepEqual(await ids(`/v1/projects/${w.projectId}/content`, (i) => i.id!), [k.content]);
      assert.deepEqual(await ids(`/v1/projects/${w.projectId}/scheduled-posts`, (i) => i.id!), [k.post]);
      assert.deepEqual(await ids(`/v1/projects/${w.projectId}/leased-accounts`, (i) => i.socialAccountId!), [k.leased]);

      const archived = await k.call('DELETE', `/v1/projects/${w.projectId}`);
      assert.equal(archived.statusCode, 200, archived.body);
      assert.equal(json(archived).canceledScheduledPosts, 1, archived.body);
      assert.equal(json(await k.call('GET', `/v1/scheduled-posts/${k.post}`)).status, 'canceled');
      assert.equal(
        json(await other.call('GET', `/v1/scheduled-posts/${other.post}`)).status,
        'queued',
        'the other environment’s post is untouched',
      );
    });
  }

  it('a test key’s post goes to the sandbox only: the live platform sees nothing of it', async () => {
    const w = await world(h);
    const grant = fx.sandbox.issueToken('tiktok');
    await h.setAccountToken(w.test.account, grant.token, new Date(Date.now() + 86_400_000));
    await h.db
      .updateTable('social_accounts')
      .set({ external_account_id: grant.externalAccountId })
      .where('id', '=', w.test.account)
      .execute();
    const pub = await w.test.call('POST', `/v1/content/${w.test.content}/publish`, {
      targets: [{ socialAccountId: w.test.account, mode: 'publish' }],
    });
    assert.equal(pub.statusCode, 201, pub.body);
    const id = json(pub).scheduledPosts[0].id as string;
    const live = await startSandboxPlatform({ port: 0 });
    try {
      await runPublisher(workerDeps(h, fx, { adapters: createSandboxAdapters(live.url), testAdapters: fx.adapters }));
      assert.equal(json(await w.test.call('GET', `/v1/scheduled-posts/${id}`)).status, 'published');
      assert.deepEqual(
        live.log.filter((c) => c.idempotencyKey === id),
        [],
        'the live platform never saw the test post',
      );
      assert.equal(fx.sandbox.log.filter((c) => c.endpoint === 'tiktok.publish' && c.idempotencyKey === id).length, 1);
    } finally {
      await live.close();
    }
  });
});
