import type { FastifyBaseLogger } from 'fastify';
import type { Clock } from './clock.js';
import type { TokenCrypto } from './crypto/token-envelope.js';
import type { Db } from './db/client.js';
import type { Owner } from './db/queries/owner.js';
import type { FailedAuthLimiter, RateLimiter, RateLimitTier } from './http/guards/rate-limit.js';
import type { Metrics } from './metrics.js';
import type { FixtureTokenIssuer } from './platforms/runtime.js';
import type { PlatformAdapters } from './platforms/types.js';
import type { FaultHook } from './test-faults.js';
import type { DnsLookup } from './webhooks/url-safety.js';

export type { FaultHook };

export type Principal = {
  apiKeyId: string;
  organizationId: string;
  organizationName: string;
  /** The organization that created this one; null for a top-level organization. */
  parentOrganizationId: string | null;
  scopes: string[];
  rateLimitTier: RateLimitTier;
  env: 'live' | 'test';
  returnUrlAllowlist: string[];
};

/** What the process hands every request: built once by appDeps (src/server.ts), the test harness and the bench too. */
export type AppDeps = {
  db: Db;
  dbKind: 'pglite' | 'postgres';
  clock: Clock;
  tokenCrypto: TokenCrypto;
  adminToken: string;
  /** Set when this process runs the sandbox platform: admin fixtures get grants it issued. */
  issueFixtureToken?: FixtureTokenIssuer;
  rateLimiter: RateLimiter;
  /** Failed authentications per client address (429 before any lookup); the default budget when unset. */
  failedAuthLimiter?: FailedAuthLimiter;
  /** How long a duplicate idempotent request waits for the first (PostgreSQL lock_timeout). */
  idempotencyWaitMs: number;
  fault?: FaultHook;
  /**
   * Development opt-in (LAYERS_WEBHOOK_ALLOW_LOOPBACK=1): webhook URLs may also name loopback
   * receivers (src/webhooks/url-safety.ts).
   */
  webhookAllowLoopback?: boolean;
  /** Test-only: the resolver webhook URL checks use (dns.lookup unless set). */
  webhookDnsLookup?: DnsLookup;
  /** Test-only: the resolver media URL probes use (the webhook one unless set; docs/platform-rules.md). */
  mediaDnsLookup?: DnsLookup;
  /** Test-only: the certificates media probes trust instead of the system's (a local HTTPS media host). */
  mediaProbeCa?: string;
  /** Platform adapters by key env: `lp_test_` keys talk to the sandbox platform. */
  platforms?: Record<'live' | 'test', PlatformAdapters>;
  /** This server's public base URL: OAuth redirect URIs are built on it. */
  publicUrl?: string;
  /** The console's session cookie is Secure (all but NODE_ENV=development, which serves plain HTTP); default true. */
  consoleSecureCookie?: boolean;
  /** The process's metrics (src/metrics.ts): each request is observed there. */
  metrics?: Metrics;
};

/** What a service receives: who asks, where to write, what time it is. */
export type Ctx = {
  db: Db;
  clock: Clock;
  log: FastifyBaseLogger;
  requestId: string;
  principal: Principal;
  tokenCrypto: TokenCrypto;
  fault?: FaultHook;
};

/**
 * What a service that the operator may also run needs: the organization (and env) it acts in and
 * the acting key — null when the operator acts (the console's revoke and replay call the partner
 * services with this, so both paths are one).
 */
export type ActingCtx = Pick<Ctx, 'db' | 'clock' | 'fault'> & {
  requestId: string | null;
  principal: Owner & { apiKeyId: string | null };
};
