import type { FastifyReply } from 'fastify';
import type { Redis } from 'ioredis';
import ipaddr from 'ipaddr.js';
import type pg from 'pg';
import { type RateLimiterAbstract, RateLimiterMemory, RateLimiterRedis, RateLimiterRes } from 'rate-limiter-flexible';
import { consumeCounters } from '../../db/queries/rate-limits.js';
import { ApiError } from '../errors.js';

export type EndpointClass = 'read-light' | 'write-light' | 'long-running';
export type RateLimitTier = 'standard' | 'pilot' | 'partner';
type Tier = RateLimitTier;

/** Requests per minute by tier and class, and writes per day (spec §3). */
export const BUDGETS: Record<Tier, Record<EndpointClass, number> & { dailyWrites: number }> = {
  standard: { 'read-light': 120, 'write-light': 60, 'long-running': 20, dailyWrites: 10_000 },
  pilot: { 'read-light': 1_200, 'write-light': 600, 'long-running': 60, dailyWrites: 100_000 },
  partner: { 'read-light': 6_000, 'write-light': 3_000, 'long-running': 300, dailyWrites: 500_000 },
};

export type RateLimitStore =
  | { kind: 'memory' }
  /** preparedStatements false: the counter statement goes unnamed (LAYERS_PG_PREPARED_STATEMENTS=off). */
  | { kind: 'postgres'; pool: pg.Pool; preparedStatements?: boolean }
  | { kind: 'redis'; client: Redis };

export type RateLimiter = ReturnType<typeof createRateLimiter>;

/**
 * Fixed windows per API key: one counter per (tier, class) per minute, one per day for writes.
 * With a shared store (PostgreSQL, Redis) every instance draws on the same counters. If the
 * store fails, a per-process memory limiter stands in (logged), rather than failing requests.
 * On PostgreSQL a request's counters are one statement, shared by the requests that arrive
 * while others are in flight (src/db/queries/rate-limits.ts); Redis and memory go through
 * rate-limiter-flexible, one call per window.
 */
export function createRateLimiter(
  store: RateLimitStore,
  opts: { windowSeconds?: number; prefix?: string; budgets?: typeof BUDGETS; onStoreError?: () => void } = {},
) {
  const window = opts.windowSeconds ?? 60;
  const budgets = opts.budgets ?? BUDGETS;
  const prefix = opts.prefix ?? 'rl';
  const limiters = new Map<string, RateLimiterAbstract>();
  const insurance = new Map<string, RateLimiterMemory>();

  /** The per-process stand-in for a window while the shared store fails: each use is one store error. */
  function standIn(name: string, points: number, duration: number): RateLimiterMemory {
    let l = insurance.get(name);
    if (l) return l;
    l = new RateLimiterMemory({ points, duration, keyPrefix: `${prefix}:${name}` });
    const { onStoreError } = opts;
    if (onStoreError) {
      const consume = l.consume.bind(l);
      l.consume = (...args) => {
        onStoreError();
        return consume(...args);
      };
    }
    insurance.set(name, l);
    return l;
  }

  function limiter(name: string, points: number, duration: number): RateLimiterAbstract {
    let l = limiters.get(name);
    if (l) return l;
    const base = { points, duration, keyPrefix: `${prefix}:${name}` };
    if (store.kind === 'redis') {
      // The library calls its insurance limiter only when the store failed.
      const insuranceLimiter = standIn(name, points, duration);
      l = new RateLimiterRedis({ ...base, storeClient: store.client, insuranceLimiter, rejectIfRedisNotReady: true });
    } else if (store.kind === 'postgres') l = standIn(name, points, duration);
    else l = new RateLimiterMemory(base);
    limiters.set(name, l);
    return l;
  }

  async function take(l: RateLimiterAbstract, key: string): Promise<Taken> {
    try {
      return { res: await l.consume(key, 1), limited: false };
    } catch (err) {
      if (err instanceof RateLimiterRes) return { res: err, limited: true };
      throw err;
    }
  }

  /** The request's windows, minute first; the day only while the minute admits (a refused request is not a write). */
  async function takeAll(windows: Counter[], key: string): Promise<Taken[]> {
    if (store.kind === 'postgres') {
      // rate-limiter-flexible's row keys, so counters carry over from the library's store.
      const [minute, daily] = windows.map((w) => ({
        key: `${prefix}:${w.name}:${key}`,
        durationMs: w.duration * 1000,
      }));
      try {
        const counted = await consumeCounters(store.pool, minute!, windows[0]!.points, daily, store.preparedStatements);
        // Time left in each window from the statement's own clock (a request may wait for its statement).
        const { now } = counted;
        return [counted.minute, counted.daily].flatMap((c, i) => (c ? [result(c, windows[i]!.points, now)] : []));
      } catch {
        // The store failed: the per-process windows stand in, as the library's insurance limiter does.
      }
    }
    const taken: Taken[] = [];
    for (const w of windows) {
      const t = await take(limiter(w.name, w.points, w.duration), key);
      taken.push(t);
      if (t.limited) break;
    }
    return taken;
  }

  return {
    windowSeconds: window,
    /** Counts one request of this class for this key; sets the headers; throws 429 when over. */
    async consume(principal: { apiKeyId: string; rateLimitTier: Tier }, cls: EndpointClass, reply: FastifyReply) {
      const budget = budgets[principal.rateLimitTier];
      const windows: Counter[] = [{ name: `${principal.rateLimitTier}:${cls}`, points: budget[cls], duration: window }];
      if (cls !== 'read-light')
        windows.push({ name: `${principal.rateLimitTier}:daily`, points: budget.dailyWrites, duration: 86_400 });
      const taken = await takeAll(windows, principal.apiKeyId);
      // The minute's answer, unless the day refused.
      const refusing = taken[1]?.limited ? 1 : 0;
      const { res, limited } = taken[refusing]!;
      const limit = windows[refusing]!.points;
      // Whole seconds, rounded up: a client that waits Retry-After is never early.
      const resetSeconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000));
      reply.header('x-ratelimit-endpoint-class', cls);
      reply.header('ratelimit-limit', String(limit));
      reply.header('ratelimit-remaining', String(Math.max(0, res.remainingPoints)));
      reply.header('ratelimit-reset', String(resetSeconds));
      if (limited) {
        reply.header('retry-after', String(resetSeconds));
        throw new ApiError(
          'RATE_LIMITED',
          `Rate limit exceeded for ${cls} requests on this key. Retry after ${resetSeconds} s.`,
          {
            endpointClass: cls,
            limit,
            retryAfterSeconds: resetSeconds,
          },
        );
      }
    },
  };
}

type Counter = { name: string; points: number; duration: number };
type Taken = { res: RateLimiterRes; limited: boolean };

/** A counted window as the library reports it: limited once the count passes the window's points. */
function result(c: { points: number; expire: number }, points: number, now: number): Taken {
  const res = new RateLimiterRes(Math.max(points - c.points, 0), Math.max(c.expire - now, 0), c.points);
  return { res, limited: c.points > points };
}

export function endpointClassOf(method: string, configured: EndpointClass | undefined): EndpointClass {
  return configured ?? (method === 'GET' || method === 'HEAD' ? 'read-light' : 'write-light');
}

/**
 * Failed authentications per client address per minute before the address gets 429 for the
 * rest of the window: no client that stops at a 401 comes near it, and a key-guesser costs at
 * most this many key lookups a minute per address (docs/guards.md).
 */
export const AUTH_FAILURES_PER_MINUTE = 30;

export type FailedAuthLimiter = ReturnType<typeof createFailedAuthLimiter>;

/** IPv4 as is (unmapped from ::ffff:), IPv6 by its /64: one host holds a whole /64 to rotate through. */
export function clientKey(address: string): string {
  if (!ipaddr.isValid(address)) return address;
  const parsed = ipaddr.process(address);
  if (parsed.kind() === 'ipv4') return parsed.toString();
  return `${ipaddr.IPv6.networkAddressFromCIDR(`${parsed.toString()}/64`).toString()}/64`;
}

/**
 * The budget of failed authentications per client address, checked before a request touches the
 * database. In process memory on purpose, whatever the store: counting must cost no database
 * query, and a shared store would add a round trip to every request; with N instances an
 * address gets at most N budgets.
 */
export function createFailedAuthLimiter(opts: { perMinute?: number; windowSeconds?: number } = {}) {
  const points = opts.perMinute ?? AUTH_FAILURES_PER_MINUTE;
  const limiter = new RateLimiterMemory({ points, duration: opts.windowSeconds ?? 60, keyPrefix: 'auth-failures' });
  return {
    /** 429 RATE_LIMITED with Retry-After once the address has spent its budget. */
    async refuseWhenSpent(address: string, reply: FastifyReply) {
      const res = await limiter.get(clientKey(address));
      if (!res || res.consumedPoints < points) return;
      const seconds = Math.max(1, Math.ceil(res.msBeforeNext / 1000)); // rounded up: waiting this long is enough
      reply.header('retry-after', String(seconds));
      throw new ApiError(
        'RATE_LIMITED',
        `Too many failed authentication attempts from this address. Retry after ${seconds} s.`,
        {
          reason: 'authentication_failures',
          limit: points,
          retryAfterSeconds: seconds,
        },
      );
    },
    /** One failed authentication from this address. */
    async count(address: string) {
      await limiter.penalty(clientKey(address), 1);
    },
  };
}
