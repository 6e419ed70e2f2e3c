/**
 * The environment's schema: every variable the server reads and the shape its value must have
 * (zod), and ENV_VARIABLES, the list the README documents. src/config.ts parses the environment
 * with it (loadConfig) and builds the Config from the result.
 */
import net from 'node:net';
import ipaddr from 'ipaddr.js';
import { z } from 'zod';

const PROXY_KEYWORDS = new Set(['loopback', 'linklocal', 'uniquelocal']); // proxy-addr's names, as fastify takes them
const isProxyEntry = (p: string) =>
  PROXY_KEYWORDS.has(p) || (net.isIP(p.split('/')[0]!) !== 0 && (!p.includes('/') || ipaddr.isValidCIDR(p)));
const isProxyList = (v: string) => v.split(',').every((p) => isProxyEntry(p.trim()));

export const DEFAULT_DATA_DIR = './.layers';
const Url = z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL');

// Environment parsed once at start-up; a bad value stops the process with a clear message.
// Every variable the server reads is here; the environment itself comes in from src/cli/main.ts, the
// only reader of process.env in src.
export const EnvSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  LAYERS_DATA_DIR: z.string().min(1).default(DEFAULT_DATA_DIR),
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
  // Embedded database: how often the worker looks for tables to VACUUM / ANALYZE; 0: never.
  LAYERS_DB_MAINTENANCE_SECONDS: z.coerce.number().int().min(0).max(86_400).default(60),
  LAYERS_ADMIN_TOKEN: z.string().min(24, 'must be at least 24 characters').optional(),
  LAYERS_PUBLIC_URL: z.url({ protocol: /^https?$/ }).optional(),
  REDIS_URL: z
    .string()
    .regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL')
    .optional(),
  RATE_LIMIT_STORE: z.enum(['memory', 'postgres', 'redis']).optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  // pretty: human-readable lines (pino-pretty) for development; refused with NODE_ENV=production.
  LOG_FORMAT: z.enum(['json', 'pretty']).default('json'),
  // The operator's port: /metrics, /healthz, /readyz without credentials (src/metrics-server.ts); unset: none.
  LAYERS_METRICS_PORT: z.coerce.number().int().min(0).max(65535).optional(),
  LAYERS_METRICS_HOST: z.string().min(1).optional(),
  // How long start-up retries an unreachable PostgreSQL before it gives up (exit 1).
  LAYERS_DB_CONNECT_TIMEOUT_MS: z.coerce.number().int().min(0).max(600_000).default(30_000),
  // off: statements go unnamed (a pooler in transaction mode without prepared-statement support in front).
  LAYERS_PG_PREPARED_STATEMENTS: z.enum(['on', 'off'], { message: 'must be on or off' }).default('on'),
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  LAYERS_WEBHOOK_ALLOW_LOOPBACK: z.enum(['0', '1'], { message: 'must be 1 (on) or 0 (off)' }).optional(),
  LAYERS_BANNER: z.enum(['0', '1'], { message: 'must be 1 (on) or 0 (off)' }).optional(),
  LAYERS_AUTH_FAILURES_PER_MINUTE: z.coerce.number().int().min(1).default(30),
  // Never "true": any client could then name its own address in X-Forwarded-For.
  LAYERS_TRUST_PROXY: z
    .string()
    .refine(
      (v) => /^[1-9]\d?$/.test(v) || isProxyList(v),
      'must be a hop count (1-99) or comma-separated proxy addresses/CIDRs (loopback, linklocal, uniquelocal allowed)',
    )
    .optional(),
  // The platforms: production talks to the real hosts and must be given client credentials;
  // development and test talk to the sandbox platform (src/platforms/sandbox) with its built-in ones.
  LAYERS_TIKTOK_BASE_URL: Url.optional(),
  LAYERS_TIKTOK_CLIENT_KEY: z.string().min(1).optional(),
  LAYERS_TIKTOK_CLIENT_SECRET: z.string().min(1).optional(),
  LAYERS_INSTAGRAM_BASE_URL: Url.optional(),
  LAYERS_INSTAGRAM_CLIENT_ID: z.string().min(1).optional(),
  LAYERS_INSTAGRAM_CLIENT_SECRET: z.string().min(1).optional(),
  LAYERS_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  // A sandbox platform running elsewhere (`layers sandbox` on another host): test accounts and,
  // outside production, the default platform hosts go there; this process starts none.
  LAYERS_SANDBOX_URL: Url.optional(),
  LAYERS_PLATFORM_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).optional(),
  // Test-only hooks into a real process (src/test-faults.ts, src/worker/test-pause.ts); refused outside NODE_ENV=test.
  LAYERS_TEST_FAULTS: z.string().optional(),
  LAYERS_TEST_PAUSE: z.string().optional(),
});

/**
 * Every environment variable the code reads: the server's configuration, and LAYERS_URL, which
 * only `layers admin` reads (loadAdminClientConfig). The README's configuration table lists
 * exactly these (test/config-readme.test.ts).
 */
export const ENV_VARIABLES: readonly string[] = [
  ...Object.keys(EnvSchema.shape),
  'LAYERS_URL',
  'LAYERS_MASTER_KEY_FILE', // read by withSecretFiles (src/config.ts), before the schema
  'LAYERS_ADMIN_TOKEN_FILE',
];
