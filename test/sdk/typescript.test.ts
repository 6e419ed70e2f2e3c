import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import {
  ApprovalRequiredError,
  AuthenticationError,
  ConflictError,
  ContentRejectedError,
  KillSwitchError,
  Layers,
  NotFoundError,
  PermissionDeniedError,
  PlatformRuleViolationError,
  RateLimitError,
  ValidationError,
} from '../../sdk/typescript/src/index.js';
import { recordingFetch } from './recording-fetch.js';
import { type DemoServer, ROOT, seedSnippet, startDemoServer } from './server.js';

// The TypeScript SDK against the real `layers serve --demo` process: the seed page's snippet
// as a partner would run it (the built package, plain node), the resources, typed errors from
// real answers, idempotent replays, and the real 429 waited out.

/** The seed's TypeScript tab, verbatim but for the account id (the page's is illustrative). */
const SEED_TS = `const result = await layers.social.revoke({
  socialAccountId: "sa_9c1e42a0-b7f3-4e5d-a2c1-8b4f5e6c7d8e",
});

console.log(\`Canceled \${result.canceledScheduledPosts} queued posts.\`);`;
const SEED_ID = 'sa_9c1e42a0-b7f3-4e5d-a2c1-8b4f5e6c7d8e';

function run(cmd: string, args: string[], opts: { cwd: string; env?: NodeJS.ProcessEnv }): Promise<string> {
  return new Promise((resolve, reject) => {
    execFile(cmd, args, { ...opts, timeout: 120_000 }, (err, stdout, stderr) =>
      err
        ? reject(new Error(`${path.basename(cmd)} ${args.join(' ')}: ${err.message}\n${stdout}\n${stderr}`))
        : resolve(stdout),
    );
  });
}

describe('TypeScript SDK against the real server (serve --demo)', { timeout: 300_000 }, () => {
  let server: DemoServer;
  let layers: Layers;
  const work = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-sdk-ts-'));

  before(async () => {
    server = await startDemoServer();
    layers = new Layers({ apiKey: server.apiKey, baseUrl: server.baseUrl });
  });
  after(async () => {
    await server?.stop();
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('the seed’s snippet, compiled against the built package and run with plain node, prints "Canceled 4 queued posts."', async () => {
    const seed = seedSnippet('ts');
    if (seed !== undefined) assert.equal(SEED_TS, seed, 'the embedded snippet is the seed page’s');
    const pkg = path.join(work, 'node_modules/@layers/sdk');
    const tsc = path.join(ROOT, 'node_modules/typescript/bin/tsc');
    await run(
      process.execPath,
      [tsc, '-p', path.join(ROOT, 'sdk/typescript/tsconfig.json'), '--outDir', path.join(pkg, 'dist')],
      { cwd: ROOT },
    );
    fs.copyFileSync(path.join(ROOT, 'sdk/typescript/package.json'), path.join(pkg, 'package.json'));
    fs.writeFileSync(path.join(work, 'package.json'), '{ "type": "module" }\n');
    fs.writeFileSync(
      path.join(work, 'tsconfig.json'),
      JSON.stringify({
        compilerOptions: {
          module: 'nodenext',
          target: 'es2022',
          strict: true,
          lib: ['es2022', 'dom'],
          types: [],
          outDir: 'out',
        },
        files: ['seed.ts'],
      }),
    );
    const program = `import { Layers } from '@layers/sdk';\n\nconst layers = new Layers(); // LAYERS_API_KEY, LAYERS_BASE_URL\n\n${SEED_TS.replace(SEED_ID, server.socialAccountId)}\n`;
    fs.writeFileSync(path.join(work, 'seed.ts'), program);
    await run(process.execPath, [tsc, '-p', work], { cwd: work }); // type-checks the snippet against the package's .d.ts
    const env = { PATH: process.env.PATH, LAYERS_API_KEY: server.apiKey, LAYERS_BASE_URL: server.baseUrl };
    const stdout = await run(process.execPath, ['out/seed.js'], { cwd: work, env });
    assert.equal(stdout, 'Canceled 4 queued posts.\n');
  });

  it('typed errors from real answers: 404 after the revoke, 400 bad id, 401, 403 with requiredScope, 422 issues', async () => {
    const again = await layers.social.revoke({ socialAccountId: server.socialAccountId }).catch((e) => e);
    assert.ok(again instanceof NotFoundError, String(again));
    assert.deepEqual([again.status, again.code], [404, 'NOT_FOUND']);
    assert.match(again.requestId ?? '', /^req_[0-9A-Z]{26}$/);

    const bad = await layers.social.revoke({ socialAccountId: 'sa_nope' }).catch((e) => e);
    assert.ok(
      bad instanceof ValidationError && bad.status === 400 && bad.issues[0]?.path === 'socialAccountId',
      String(bad),
    );

    const anon = await new Layers({ apiKey: 'lp_test_wrong', baseUrl: server.baseUrl }).whoami().catch((e) => e);
    assert.ok(anon instanceof AuthenticationError && anon.status === 401, String(anon));

    const readOnly = await server.admin('POST', '/api-keys', {
      organizationId: server.organizationId,
      scopes: ['social:read'],
      tier: 'partner',
    });
    const denied = await new Layers({ apiKey: readOnly.key, baseUrl: server.baseUrl }).social
      .revoke({ socialAccountId: server.leasedSocialAccountId })
      .catch((e) => e);
    assert.ok(denied instanceof PermissionDeniedError && denied.requiredScope === 'social:write', String(denied));

    const invalid = await layers.projects.create({ name: 'x', timezone: 'Mars/Olympus' }).catch((e) => e);
    assert.ok(
      invalid instanceof ValidationError && invalid.status === 422 && invalid.issues[0]?.path === 'timezone',
      String(invalid),
    );
  });

  it('the resources: whoami, projects, social accounts, content → schedule → scheduled posts', async () => {
    const me = await layers.whoami();
    assert.deepEqual([me.organizationId, me.env], [server.organizationId, 'test']);

    const project = await layers.projects.create({
      name: 'SDK customer',
      timezone: 'Europe/Paris',
      metadata: { crm: '42' },
    });
    assert.match(project.id, /^prj_/);
    assert.equal((await layers.projects.get({ projectId: project.id })).name, 'SDK customer');
    assert.equal((await layers.projects.update({ projectId: project.id, name: 'Renamed' })).name, 'Renamed');
    assert.ok((await layers.projects.list({ limit: 200 })).items.some((p) => p.id === project.id));
    assert.equal((await layers.projects.archive({ projectId: project.id })).status, 'archived');

    const accounts = await layers.social.list({ projectId: server.projectId, leased: true });
    assert.deepEqual(
      accounts.items.map((a) => a.socialAccountId),
      [server.leasedSocialAccountId],
    );
    const quota = await layers.social.getQuota({ socialAccountId: server.socialAccountId });
    assert.deepEqual([quota.platform, quota.source, quota.limit, quota.upcoming.length], ['tiktok', 'default', 15, 7]);
    const revoked = await layers.social.get({ socialAccountId: server.socialAccountId });
    assert.deepEqual(
      [revoked.status, revoked.disconnectedReason, revoked.queuedScheduledPosts],
      ['disconnected', 'revoked_by_partner', 0],
    );

    const target = await server.accountWithPosts(0);
    const container = await layers.content.upload({
      projectId: server.projectId,
      media: ['https://cdn.example.com/a.mp4'],
      caption: 'hello',
    });
    const scheduledFor = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const scheduled = await layers.content.schedule({
      containerId: container.id,
      scheduledFor,
      targets: [{ socialAccountId: target, mode: 'publish' }],
    });
    assert.ok('scheduledPosts' in scheduled, 'content needing no approval is queued at once');
    const { scheduledPosts } = scheduled;
    assert.equal(scheduledPosts.length, 1);
    const listed = await layers.scheduledPosts.list({
      projectId: server.projectId,
      status: ['queued'],
      socialAccountId: target,
    });
    assert.deepEqual(
      listed.items.map((p) => p.id),
      [scheduledPosts[0]!.id],
    );
    assert.equal(
      (await layers.scheduledPosts.cancel({ id: scheduledPosts[0]!.id, reason: 'changed our mind' })).status,
      'canceled',
    );
    assert.equal((await layers.scheduledPosts.get({ id: scheduledPosts[0]!.id })).status, 'canceled');
  });

  it('platform rules: media metadata, content.validate, dryRun, PlatformRuleViolationError', async () => {
    const target = await server.accountWithPosts(0);
    const longCut = { url: 'https://cdn.example.com/long.mp4', contentType: 'video/mp4', durationMs: 600_001 };
    const container = await layers.content.upload({ projectId: server.projectId, media: [longCut] });
    assert.deepEqual([container.media, container.mediaDetails[0]!.durationMs], [[longCut.url], 600_001]);
    const targets = [{ socialAccountId: target, mode: 'publish' as const }];
    const checked = await layers.content.validate({ containerId: container.id, targets });
    assert.deepEqual([checked.valid, checked.targets[0]!.issues.map((i) => i.code)], [false, ['MEDIA_TOO_LONG']]);
    const scheduledFor = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
    const dry = await layers.content.schedule({ containerId: container.id, scheduledFor, targets, dryRun: true });
    assert.ok('dryRun' in dry && dry.wouldAnswer === 422, JSON.stringify(dry));
    assert.equal(dry.lastResponse.status, 200);
    const refused = await layers.content.publish({ containerId: container.id, targets }).catch((e) => e);
    assert.ok(refused instanceof PlatformRuleViolationError && refused.status === 422, String(refused));
    assert.equal(refused.targets[0]?.issues[0]?.code, 'MEDIA_TOO_LONG');
  });

  it('API keys: create (shown once), list masked, rotate (an idempotent replay, the same key), revoke', async () => {
    const orgId = server.organizationId;
    const created = await layers.apiKeys.create({ orgId, name: 'SDK key', scopes: ['projects:read'], env: 'test' });
    const mine = new Layers({ apiKey: created.key, baseUrl: server.baseUrl });
    assert.equal((await mine.whoami()).apiKeyId, created.apiKeyId);
    const listed = await layers.apiKeys.list({ orgId, limit: 200 });
    const shown = listed.items.find((k) => k.apiKeyId === created.apiKeyId);
    assert.equal(shown?.masked, `lp_test_${created.apiKeyId}_…${created.key.slice(-4)}`);
    const idempotencyKey = `sdk-rotate-${created.apiKeyId}`;
    const rotated = await mine.apiKeys.rotate({ keyId: created.apiKeyId, graceSeconds: 60 }, { idempotencyKey });
    const replayed = await mine.apiKeys.rotate({ keyId: created.apiKeyId, graceSeconds: 60 }, { idempotencyKey });
    assert.equal(replayed.key, rotated.key, 'a replay returns the same new key');
    assert.equal(replayed.previousApiKeyId, created.apiKeyId);
    const again = await layers.apiKeys
      .rotate({ keyId: created.apiKeyId }, { idempotencyKey: 'sdk-rotate-again' })
      .catch((e) => e);
    assert.ok(again instanceof ConflictError && again.details?.reason === 'superseded', String(again));
    const revoked = await layers.apiKeys.revoke({ orgId, keyId: rotated.apiKeyId });
    assert.equal(revoked.status, 'revoked');
    const denied = await new Layers({ apiKey: rotated.key, baseUrl: server.baseUrl }).whoami().catch((e) => e);
    assert.ok(denied instanceof AuthenticationError, String(denied));
  });

  it('approval: policy, 202 blocked_on_approval, ApprovalRequiredError, approve promotes, ContentRejectedError', async () => {
    const projectId = server.projectId;
    const policy = await layers.projects.updateApprovalPolicy({ projectId, requiresApproval: true });
    try {
      assert.equal((await layers.projects.getApprovalPolicy({ projectId })).requiresApproval, policy.requiresApproval);
      const target = await server.accountWithPosts(0);
      const media = ['https://cdn.example.com/approval.mp4'];
      const pending = await layers.content.upload({ projectId, media });
      assert.equal(pending.approvalStatus, 'pending');
      const scheduledFor = new Date(Date.now() + 3600_000).toISOString().replace(/\.\d+Z$/, 'Z');
      const targets = [{ socialAccountId: target, mode: 'publish' as const }];
      const stashed = await layers.content.schedule({ containerId: pending.id, scheduledFor, targets });
      assert.ok('gateStatus' in stashed && stashed.gateStatus === 'blocked_on_approval', JSON.stringify(stashed));
      assert.equal(stashed.lastResponse.status, 202);
      const refused = await layers.content.publish({ containerId: pending.id, targets }).catch((e) => e);
      assert.ok(refused instanceof ApprovalRequiredError && refused.status === 403, String(refused));
      const approved = await layers.content.approve({ containerId: pending.id, note: 'yes' });
      assert.deepEqual(
        approved.pendingSchedulePromotion.scheduledPosts.map((p) => [p.socialAccountId, p.scheduleIntentId]),
        [[target, stashed.scheduleIntentId]],
      );
      const other = await layers.content.upload({ projectId, media });
      assert.equal((await layers.content.reject({ containerId: other.id, reason: 'no' })).approvalStatus, 'rejected');
      const rejected = await layers.content.schedule({ containerId: other.id, scheduledFor, targets }).catch((e) => e);
      assert.ok(rejected instanceof ContentRejectedError && rejected.code === 'CONTENT_REJECTED', String(rejected));
    } finally {
      await layers.projects.updateApprovalPolicy({ projectId, requiresApproval: false });
    }
  });

  it('child organizations: create, update (metadata merged), get, list, suspend (503), resume, archive (401)', async () => {
    const child = await layers.organizations.create({ name: 'SDK child', metadata: { a: '1', b: '2' } });
    assert.equal(child.parentOrganizationId, server.organizationId);
    const updated = await layers.organizations.update({ orgId: child.id, metadata: { a: null, c: '3' } });
    assert.deepEqual(updated.metadata, { b: '2', c: '3' });
    assert.equal((await layers.organizations.get({ orgId: child.id })).name, 'SDK child');
    const listed = await layers.organizations.list({ status: 'active', limit: 200 });
    assert.ok(listed.items.some((o) => o.id === child.id));
    const key = await layers.apiKeys.create({ orgId: child.id, name: 'child', scopes: ['projects:read'], env: 'test' });
    const asChild = new Layers({ apiKey: key.key, baseUrl: server.baseUrl });
    assert.equal((await asChild.whoami()).parentOrganizationId, server.organizationId);
    assert.equal((await layers.organizations.suspend({ orgId: child.id })).status, 'suspended');
    const held = await asChild.whoami().catch((e) => e); // KILL_SWITCH is never retried
    assert.ok(held instanceof KillSwitchError && held.details?.scope === 'organization', String(held));
    assert.equal((await layers.organizations.resume({ orgId: child.id })).status, 'active');
    assert.equal((await asChild.whoami()).organizationId, child.id);
    const archived = await layers.organizations.archive({ orgId: child.id });
    assert.deepEqual([archived.status, archived.revokedApiKeys, archived.canceledScheduledPosts], ['archived', 1, 0]);
    assert.ok((await asChild.whoami().catch((e) => e)) instanceof AuthenticationError);
    const again = await layers.organizations.suspend({ orgId: child.id }).catch((e) => e);
    assert.ok(again instanceof ConflictError && again.details?.reason === 'organization_archived', String(again));
  });

  it('webhook endpoints: `events` in and out (create, get, list, update); the old `eventTypes` is refused', async () => {
    const created = await layers.webhooks.create({
      url: 'http://127.0.0.1:9/sdk-ts',
      events: ['lease_request.assigned'],
    });
    assert.deepEqual(created.events, ['lease_request.assigned']);
    assert.match(created.secret, /^whsec_/);
    assert.deepEqual((await layers.webhooks.get({ webhookEndpointId: created.id })).events, ['lease_request.assigned']);
    const updated = await layers.webhooks.update({
      webhookEndpointId: created.id,
      events: ['post.published', 'post.failed'],
    });
    assert.deepEqual(updated.events, ['post.published', 'post.failed']);
    const listed = (await layers.webhooks.list({ limit: 200 })).items.find((e) => e.id === created.id);
    assert.deepEqual(listed?.events, ['post.published', 'post.failed']);
    const old = await layers.webhooks
      .create({ url: 'http://127.0.0.1:9/sdk-ts', eventTypes: ['*'] } as never)
      .catch((e) => e);
    assert.ok(old instanceof ValidationError && old.status === 422, String(old));
    assert.ok(
      old.issues.some((i) => i.path === 'eventTypes' && /not a known field/.test(i.message)),
      JSON.stringify(old.issues),
    );
    assert.equal((await layers.webhooks.delete({ webhookEndpointId: created.id })).deleted, true);
  });

  it('idempotency: a caller’s key replays the first result verbatim; each call otherwise gets its own key', async () => {
    const rec = recordingFetch();
    const client = new Layers({ apiKey: server.apiKey, baseUrl: server.baseUrl, fetch: rec.fetch });
    const account = await server.accountWithPosts(2);
    const first = await client.social.revoke({ socialAccountId: account }, { idempotencyKey: `sdk-${account}` });
    const replay = await client.social.revoke({ socialAccountId: account }, { idempotencyKey: `sdk-${account}` });
    assert.deepEqual(replay, first);
    assert.equal(first.canceledScheduledPosts, 2);
    assert.deepEqual(
      rec.exchanges.map((x) => [x.status, x.headers['idempotent-replayed']]),
      [
        [200, undefined],
        [200, 'true'],
      ],
    );

    rec.exchanges.length = 0;
    await client.social.revoke({ socialAccountId: account }).catch((e) => e);
    await client.social.revoke({ socialAccountId: account }).catch((e) => e);
    const [a, b] = rec.exchanges.map((x) => x.requestHeaders['idempotency-key']);
    assert.ok(a && b && a !== b, `fresh keys per call: ${a} ${b}`);
    assert.deepEqual(
      rec.exchanges.map((x) => x.status),
      [404, 404],
    );
  });

  it('the real 429 (standard tier, 60 writes spent): RateLimitError without retries; with them, waits Retry-After and succeeds', async () => {
    const key = await server.cli([
      'admin',
      'key',
      'create',
      '--org',
      server.organizationId,
      '--scopes',
      'social:write',
      '--tier',
      'standard',
    ]);
    assert.equal(key.rateLimitTier, 'standard');
    const account = await server.accountWithPosts(3);
    const rec = recordingFetch();
    const client = new Layers({ apiKey: key.key, baseUrl: server.baseUrl, fetch: rec.fetch });
    const spent = await Promise.all(
      Array.from({ length: 60 }, () =>
        client.social
          .revoke({ socialAccountId: `sa_${crypto.randomUUID()}` }, { maxRetries: 0 })
          .catch((e) => e.status),
      ),
    );
    assert.deepEqual([...new Set(spent)], [404], 'the budget spent on 404s (they cost the same as a 200)');

    const limited = await client.social.revoke({ socialAccountId: account }, { maxRetries: 0 }).catch((e) => e);
    assert.ok(limited instanceof RateLimitError && limited.status === 429, String(limited));
    assert.ok(limited.retryAfter! >= 1 && limited.retryAfter! <= 60, `retryAfter ${limited.retryAfter}`);

    rec.exchanges.length = 0;
    const result = await client.social.revoke({ socialAccountId: account });
    assert.equal(result.canceledScheduledPosts, 3);
    const [refused, retried] = rec.exchanges;
    assert.equal(rec.exchanges.length, 2, rec.exchanges.map((x) => x.status).join(','));
    assert.equal(refused!.status, 429);
    assert.equal(retried!.status, 200);
    const retryAfter = Number(refused!.headers['retry-after']);
    assert.ok(
      retried!.sentAt - refused!.receivedAt >= retryAfter * 1000,
      `waited ${retried!.sentAt - refused!.receivedAt} ms for Retry-After ${retryAfter}`,
    );
    assert.equal(
      retried!.requestHeaders['idempotency-key'],
      refused!.requestHeaders['idempotency-key'],
      'the retry reuses the key',
    );
  });
});
