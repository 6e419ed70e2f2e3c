import net from 'node:net';
import path from 'node:path';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

const PROXY_KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']); // proxy-addr's names, as fastify takes them
const isProxyEntry = (p: string) =>
  PROXY_KEYWORDS.has(p) || (net.isIP(p.split('/')[0]!) !== 0 && (!p.includes('/') || ipaddr.isValidCIDR(p)));
const isProxyList = (v: string) => v.split(',').every((p) => isProxyEntry(p.trim()));

// Environment parsed once at start-up; a bad value stops the process with a clear message.
const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  LAYERS_DATA_DIR: z.string().min(1).default('./.layers'),
  DATABASE_URL: z
    .string()
    .regex(/^postgres(ql)?:\/\//, 'must be a postgres:// or postgresql:// URL')
    .optional(),
  LAYERS_MASTER_KEY: z
    .string()
    .refine((v) => Buffer.from(v, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
    .optional(),
  LAYERS_KEYRING_DIR: z.string().min(1).optional(),
  LAYERS_KEY_ROTATION_HOURS: z.coerce
    .number()
    .positive()
    .max(24 * 365)
    .default(24),
  LAYERS_ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  LAYERS_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  RATE_LIMIT_STORE: z.enum(['memory', 'postgres', 'redis']).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LAYERS_WEBHOOK_ALLOW_LOOPBACK: z.enum(['0', '1'], { message: 'must be 1 (on) or 0 (off)' }).optional(),
  LAYERS_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  // Never "true": any client could then name its own address in X-Forwarded-For.
  LAYERS_TRUST_PROXY: z
    .string()
    .refine(
      (v) => /^[1-9]\d?$/.test(v) || isProxyList(v),
      'must be a hop count (1-99) or comma-separated proxy addresses/CIDRs (loopback, linklocal, uniquelocal allowed)',
    )
    .optional(),
});

export type Config = {
  port: number;
  host: string;
  dataDir: string;
  databaseUrl: string | undefined;
  masterKey: Buffer | undefined;
  /** The key ring's directory (docs/key-ring.md); every process of one installation shares it. */
  keyRingDir: string;
  keyRotationIntervalMs: number;
  adminToken: string | undefined;
  /** Base URL the platforms redirect users back to (OAuth callback); defaults to where we listen. */
  publicUrl: string | undefined;
  redisUrl: string | undefined;
  rateLimitStore: 'memory' | 'postgres' | 'redis';
  logLevel: z.infer<typeof EnvSchema>['LOG_LEVEL'];
  nodeEnv: z.infer<typeof EnvSchema>['NODE_ENV'];
  /** Development opt-in: webhooks may go to loopback receivers (http too); never in production. */
  webhookAllowLoopback: boolean;
  /** Failed authentications per client address per minute before 429 (docs/guards.md). */
  authFailuresPerMinute: number;
  /** Proxies whose X-Forwarded-For names the client address: a hop count or addresses; none when unset. */
  trustProxy: string | number | undefined;
};

export class ConfigError extends Error {
  override name = 'ConfigError'; // the CLI keys on it: exit 2 with the message, no stack trace
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env, overrides: Partial<Config> = {}): Config {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  // Rate limits default to the most shared store configured: Redis, else PostgreSQL, else memory.
  const rateLimitStore = e.RATE_LIMIT_STORE ?? (e.REDIS_URL ? 'redis' : e.DATABASE_URL ? 'postgres' : 'memory');
  if (rateLimitStore === 'redis' && !e.REDIS_URL)
    throw new ConfigError('Invalid configuration:\n  RATE_LIMIT_STORE=redis needs REDIS_URL');
  if (rateLimitStore === 'postgres' && !e.DATABASE_URL)
    throw new ConfigError('Invalid configuration:\n  RATE_LIMIT_STORE=postgres needs DATABASE_URL');
  const webhookAllowLoopback = e.LAYERS_WEBHOOK_ALLOW_LOOPBACK === '1';
  if (webhookAllowLoopback && e.NODE_ENV === 'production') {
    throw new ConfigError(
      'Invalid configuration: LAYERS_WEBHOOK_ALLOW_LOOPBACK=1 (loopback webhook receivers, for local ' +
        'development) is refused when NODE_ENV=production',
    );
  }
  return {
    port: e.PORT,
    host: e.HOST,
    dataDir: path.resolve(e.LAYERS_DATA_DIR),
    databaseUrl: e.DATABASE_URL,
    masterKey: e.LAYERS_MASTER_KEY ? Buffer.from(e.LAYERS_MASTER_KEY, 'base64') : undefined,
    keyRingDir: path.resolve(e.LAYERS_KEYRING_DIR ?? path.join(e.LAYERS_DATA_DIR, 'keyring')),
    keyRotationIntervalMs: Math.round(e.LAYERS_KEY_ROTATION_HOURS * 3600 * 1000),
    adminToken: e.LAYERS_ADMIN_TOKEN,
    publicUrl: e.LAYERS_PUBLIC_URL,
    redisUrl: e.REDIS_URL,
    rateLimitStore,
    logLevel: e.LOG_LEVEL,
    nodeEnv: e.NODE_ENV,
    webhookAllowLoopback,
    authFailuresPerMinute: e.LAYERS_AUTH_FAILURES_PER_MINUTE,
    trustProxy:
      e.LAYERS_TRUST_PROXY === undefined
        ? undefined
        : /^\d+$/.test(e.LAYERS_TRUST_PROXY)
          ? Number(e.LAYERS_TRUST_PROXY)
          : e.LAYERS_TRUST_PROXY,
    ...overrides,
  };
}
