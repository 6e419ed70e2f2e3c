import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe } from 'node:test';
import type { FastifyInstance, InjectOptions } from 'fastify';
import { sql } from 'kysely';
import pg from 'pg';
import { buildApp } from '../src/app.js';
import { loadConfig } from '../src/config.js';
import type { AppDeps, FaultHook } from '../src/context.js';
import type { PlatformToken } from '../src/crypto/token-envelope.js';
import { insertScheduledPosts } from '../src/db/queries/scheduled-posts.js';
import type { ScheduledPostStatus } from '../src/db/schema.js';
import { newId } from '../src/ids.js';
import { openRuntime, type Runtime } from '../src/runtime.js';
import { appDeps } from '../src/server.js';
import * as admin from '../src/services/admin.js';
import { expandPostCancellations } from '../src/worker/post-cancellations.js';
import { deliveryDns, registrationDns } from './support/dns.js';

export type DbKind = 'pglite' | 'postgres';

/** Which databases the suite runs on: both unless TEST_DATABASES narrows it (CI needs both). */
export const DATABASES = (process.env.TEST_DATABASES ?? 'pglite,postgres').split(',').map((s) => s.trim()) as DbKind[];
export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const UNUSED_SANDBOX_PORT = '9'; // discard port: nothing listens
export const ADMIN_TOKEN = 'lat_test_operator_token_0123456789abcdef';

/** A controllable clock: real time unless a test pins it. */
export class TestClock {
  private fixed: Date | undefined;
  now = () => (this.fixed ? new Date(this.fixed) : new Date());
  /** The pinned instant, or undefined when the clock runs in real time. */
  get pinned() {
    return this.fixed;
  }
  set(d: Date | string | undefined) {
    this.fixed = d === undefined ? undefined : new Date(d);
  }
}

export type Tenant = {
  organizationId: string;
  /** The environment of the tenant's key (test unless asked). */
  env: 'live' | 'test';
  apiKeyId: string;
  key: string;
  projectId: string;
  auth: { authorization: string };
};

export type Harness = ReturnType<typeof createHarness>;

/** One app on one fresh database (an in-memory PGlite, or a PostgreSQL schema of its own). */
export function createHarness(kind: DbKind) {
  let rt: Runtime | undefined;
  let app: FastifyInstance | undefined;
  let schema: string | undefined;
  const clock = new TestClock();
  const masterKey = randomBytes(32);
  // The harness's own key ring (docs/key-ring.md); another process under test opens tokens with it too.
  const keyRingDir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-test-ring-'));
  const deps = {} as AppDeps;

  const h = {
    kind,
    /** The token master key: another process (a worker under test) opens the same tokens with it. */
    masterKey,
    keyRingDir,
    /** The PostgreSQL schema of this harness (its search_path), once started. */
    get schema() {
      return schema;
    },
    clock,
    /**
     * Runs fn with the clock pinned at `at` and returns its value; the clock is restored to what it
     * was (real time, usually) however fn ends. fn may move the pinned clock on with h.clock.set.
     */
    async atTime<T>(at: Date | string, fn: () => Promise<T>): Promise<T> {
      const before = clock.pinned;
      clock.set(at);
      try {
        return await fn();
      } finally {
        clock.set(before);
      }
    },
    get app() {
      if (!app) throw new Error('harness not started');
      return app;
    },
    get db() {
      return deps.db;
    },
    /** The app's dependencies; tests may tune them (e.g. idempotencyWaitMs). */
    deps,
    adminCtx: () => ({ db: deps.db, clock, tokenCrypto: deps.tokenCrypto }),
    /** Makes every service's fault point call `hook` (undefined removes it). */
    setFault(hook: FaultHook | undefined) {
      deps.fault = hook;
    },

    async start() {
      if (kind === 'postgres') {
        schema = `t_${randomBytes(6).toString('hex')}`;
        const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await c.connect();
        await c.query(`CREATE SCHEMA ${schema}`);
        await c.end();
      }
      // The process runtime `layers serve` runs on (src/runtime.ts), configured through the
      // environment it reads; in memory (PGlite) or in this harness's schema, on the test clock.
      const config = loadConfig({
        NODE_ENV: 'test',
        LOG_LEVEL: 'silent',
        DATABASE_URL: kind === 'postgres' ? TEST_DATABASE_URL : undefined,
        LAYERS_MASTER_KEY: masterKey.toString('base64'),
        LAYERS_ADMIN_TOKEN: ADMIN_TOKEN,
        LAYERS_KEYRING_DIR: keyRingDir,
        RATE_LIMIT_STORE: 'memory',
        // Every injected request comes from 127.0.0.1, and suites send hundreds without a valid key
        // (the guard matrix alone ~80 a minute): a budget no suite reaches. The production budget
        // and its 429 are tested in test/http/failed-auth-budget.test.ts.
        LAYERS_AUTH_FAILURES_PER_MINUTE: '1000000',
        // Authorize URLs need no live platform; OAuth tests swap in a running sandbox's adapters.
        LAYERS_SANDBOX_PORT: UNUSED_SANDBOX_PORT,
        LAYERS_PUBLIC_URL: 'http://layers.test',
        // Receivers in tests listen on http://127.0.0.1: the explicit development opt-in; the
        // default policy is tested in test/webhooks/ssrf.test.ts.
        LAYERS_WEBHOOK_ALLOW_LOOPBACK: '1',
      });
      rt = await openRuntime(config, {
        migrate: true,
        api: true,
        runSandbox: false,
        clock,
        database: kind === 'postgres' ? { searchPath: schema } : { inMemory: true },
      });
      Object.assign(deps, appDeps(rt), {
        webhookDnsLookup: registrationDns, // no real DNS: names are public, localhost is loopback
        mediaDnsLookup: deliveryDns, // media probes: only localhost resolves, nothing leaves the machine
      } satisfies Partial<AppDeps>);
      app = await buildApp(deps);
      await app.ready();
    },

    async stop() {
      await app?.close();
      await rt?.close();
      fs.rmSync(keyRingDir, { recursive: true, force: true });
      if (schema) {
        const c = new pg.Client({ connectionString: TEST_DATABASE_URL });
        await c.connect();
        await c.query(`DROP SCHEMA ${schema} CASCADE`);
        await c.end();
      }
    },

    inject(opts: InjectOptions) {
      return h.app.inject(opts);
    },

    /** A fresh organization with one key (all scopes unless given) and one project. */
    async tenant(
      opts: { scopes?: string[]; tier?: 'standard' | 'pilot' | 'partner'; env?: 'live' | 'test' } = {},
    ): Promise<Tenant> {
      const ctx = h.adminCtx();
      const org = await admin.createOrganization(ctx, { name: `Test org ${randomBytes(3).toString('hex')}` });
      const env = opts.env ?? 'test';
      const key = await admin.createApiKey(ctx, {
        organizationId: org.organizationId,
        scopes: opts.scopes ?? ['*'],
        tier: opts.tier ?? 'partner',
        env,
        returnUrls: [],
      });
      const project = await admin.createProject(ctx, {
        organizationId: org.organizationId,
        name: 'Test project',
        timezone: 'UTC',
      });
      return {
        organizationId: org.organizationId,
        env,
        apiKeyId: key.apiKeyId,
        key: key.key,
        projectId: project.projectId,
        auth: { authorization: `Bearer ${key.key}` },
      };
    },

    /** Another key of the same organization. */
    async key(t: Tenant, scopes: string[]) {
      const k = await admin.createApiKey(h.adminCtx(), {
        organizationId: t.organizationId,
        scopes,
        tier: 'partner',
        env: 'test',
        returnUrls: [],
      });
      return { apiKeyId: k.apiKeyId, key: k.key, auth: { authorization: `Bearer ${k.key}` } };
    },

    /** A connected fixture account in t's project, in t's environment unless `env` says otherwise. */
    async account(
      t: Tenant,
      opts: { leased?: boolean; platform?: 'tiktok' | 'instagram'; env?: 'live' | 'test' } = {},
    ) {
      const a = await admin.createSocialAccount(h.adminCtx(), {
        projectId: t.projectId,
        platform: opts.platform ?? 'tiktok',
        handle: `h_${randomBytes(3).toString('hex')}`,
        leased: opts.leased ?? false,
        env: opts.env ?? t.env,
      });
      return a.socialAccountId;
    },

    async queuedPosts(socialAccountId: string, count: number) {
      return (await admin.createQueuedPosts(h.adminCtx(), { socialAccountId, count })).scheduledPostIds;
    },

    /** Posts in any status (publishing, published, failed, …) for tests that need them. */
    async postsWithStatus(t: Tenant, socialAccountId: string, status: ScheduledPostStatus, count: number) {
      const [first] = await h.queuedPosts(socialAccountId, 1);
      const container = await deps.db
        .selectFrom('scheduled_posts')
        .select('container_id')
        .where('id', '=', first!)
        .executeTakeFirstOrThrow();
      await deps.db.deleteFrom('scheduled_posts').where('id', '=', first!).execute();
      const now = clock.now();
      const rows = Array.from({ length: count }, () => ({
        id: newId('sp'),
        organization_id: t.organizationId,
        env: t.env,
        project_id: t.projectId,
        container_id: container.container_id,
        social_account_id: socialAccountId,
        mode: 'publish' as const,
        status,
        caption_override: null,
        scheduled_for: now,
        external_id: status === 'published' ? 'ext_1' : null,
        external_url: null,
        attempted_at: null,
        published_at: status === 'published' ? now : null,
        canceled_at: status === 'canceled' ? now : null,
        cancel_reason: null,
        last_error: null,
        claimed_token_version: null,
        created_at: now,
        updated_at: now,
      }));
      return (await insertScheduledPosts(deps.db, rows)).map((r) => r.id);
    },

    /** The account's plaintext platform token (opened as the worker would), or null when none is stored. */
    async accountToken(socialAccountId: string): Promise<PlatformToken | null> {
      const a = await deps.db
        .selectFrom('social_accounts')
        .select(['token_ciphertext', 'token_wrapped_key', 'token_version'])
        .where('id', '=', socialAccountId)
        .executeTakeFirstOrThrow();
      if (!a.token_ciphertext || !a.token_wrapped_key) return null;
      return deps.tokenCrypto.open(socialAccountId, a.token_version, {
        ciphertext: a.token_ciphertext,
        wrappedKey: a.token_wrapped_key,
      });
    },

    /** Stores `token` on the account, sealed under its current version (e.g. one the sandbox platform issued). */
    async setAccountToken(socialAccountId: string, token: PlatformToken, expiresAt: Date | null) {
      const a = await deps.db
        .selectFrom('social_accounts')
        .select('token_version')
        .where('id', '=', socialAccountId)
        .executeTakeFirstOrThrow();
      const sealed = deps.tokenCrypto.seal(socialAccountId, a.token_version, token);
      await deps.db
        .updateTable('social_accounts')
        .set({ token_ciphertext: sealed.ciphertext, token_wrapped_key: sealed.wrappedKey, token_expires_at: expiresAt })
        .where('id', '=', socialAccountId)
        .execute();
    },

    /**
     * What the worker's next passes do for bulk cancels (revoke, release, archive): write every
     * canceled post's audit row and `post.canceled` event. Returns how many posts were expanded.
     */
    async expandCancellations() {
      let posts = 0;
      for (;;) {
        const pass = await expandPostCancellations({ db: deps.db, clock });
        if (pass.batches === 0) return posts;
        posts += pass.posts;
      }
    },

    async postStatuses(socialAccountId: string) {
      const rows = await deps.db
        .selectFrom('scheduled_posts')
        .select(['status', (eb) => eb.fn.countAll<number>().as('n')])
        .where('social_account_id', '=', socialAccountId)
        .groupBy('status')
        .execute();
      return Object.fromEntries(rows.map((r) => [r.status, Number(r.n)]));
    },

    sql,
  };
  return h;
}

/** Runs a suite once per database in DATABASES, each on its own fresh database. */
export function describeEachDb(name: string, fn: (h: Harness) => void) {
  for (const kind of DATABASES) {
    describe(`${name} [${kind}]`, () => {
      const h = createHarness(kind);
      before(() => h.start());
      after(() => h.stop());
      fn(h);
    });
  }
}

/** JSON body of a response, with the raw text in the error if it is not JSON. */
export function json(res: { body: string }): any {
  try {
    return JSON.parse(res.body);
  } catch {
    throw new Error(`response is not JSON: ${res.body.slice(0, 500)}`);
  }
}

export const REQUEST_ID = /^req_[0-9A-HJKMNP-TV-Z]{26}$/;
