import { z } from 'zod';
import { ConfigError } from '../config.js';
import { SANDBOX_CLIENTS } from './sandbox/clients.js';

// Platform settings, parsed once at start-up beside the adapters they configure. Production
// talks to the real hosts and must be given client credentials; development and test talk
// to the sandbox platform (src/platforms/sandbox) with its built-in credentials.
const Url = z.string().regex(/^https?:\/\/[^\s]+$/, 'must be an http(s) URL');
const EnvSchema = z.object({
  LAYERS_TIKTOK_BASE_URL: Url.optional(),
  LAYERS_TIKTOK_CLIENT_KEY: z.string().min(1).optional(),
  LAYERS_TIKTOK_CLIENT_SECRET: z.string().min(1).optional(),
  LAYERS_INSTAGRAM_BASE_URL: Url.optional(),
  LAYERS_INSTAGRAM_CLIENT_ID: z.string().min(1).optional(),
  LAYERS_INSTAGRAM_CLIENT_SECRET: z.string().min(1).optional(),
  LAYERS_SANDBOX_PORT: z.coerce.number().int().min(0).max(65535).default(8090),
  LAYERS_PLATFORM_TIMEOUT_MS: z.coerce.number().int().min(100).max(120_000).optional(),
});

export type PlatformSettings = {
  /** baseUrl undefined → the platform's real hosts. */
  tiktok: { baseUrl: string | undefined; clientKey: string; clientSecret: string };
  instagram: { baseUrl: string | undefined; clientId: string; clientSecret: string };
  /** Whether this process should start the sandbox platform (development/test, not overridden). */
  sandbox: { start: boolean; port: number };
  timeoutMs: number | undefined;
};

export function loadPlatformSettings(
  env: NodeJS.ProcessEnv,
  nodeEnv: 'development' | 'production' | 'test',
): PlatformSettings {
  const parsed = EnvSchema.safeParse(env);
  if (!parsed.success) {
    const lines = parsed.error.issues.map((i) => `  ${i.path.join('.')}: ${i.message}`);
    throw new ConfigError(`Invalid configuration:\n${lines.join('\n')}`);
  }
  const e = parsed.data;
  const production = nodeEnv === 'production';
  if (production) {
    const missing = (
      [
        'LAYERS_TIKTOK_CLIENT_KEY',
        'LAYERS_TIKTOK_CLIENT_SECRET',
        'LAYERS_INSTAGRAM_CLIENT_ID',
        'LAYERS_INSTAGRAM_CLIENT_SECRET',
      ] as const
    ).filter((k) => !e[k]);
    if (missing.length > 0) throw new ConfigError(`In production ${missing.join(', ')} must be set.`);
  }
  const sandboxUrl = `http://127.0.0.1:${e.LAYERS_SANDBOX_PORT}`;
  const tiktokBase = e.LAYERS_TIKTOK_BASE_URL ?? (production ? undefined : sandboxUrl);
  const instagramBase = e.LAYERS_INSTAGRAM_BASE_URL ?? (production ? undefined : sandboxUrl);
  return {
    tiktok: {
      baseUrl: tiktokBase,
      clientKey: e.LAYERS_TIKTOK_CLIENT_KEY ?? SANDBOX_CLIENTS.tiktok.clientKey,
      clientSecret: e.LAYERS_TIKTOK_CLIENT_SECRET ?? SANDBOX_CLIENTS.tiktok.clientSecret,
    },
    instagram: {
      baseUrl: instagramBase,
      clientId: e.LAYERS_INSTAGRAM_CLIENT_ID ?? SANDBOX_CLIENTS.instagram.clientId,
      clientSecret: e.LAYERS_INSTAGRAM_CLIENT_SECRET ?? SANDBOX_CLIENTS.instagram.clientSecret,
    },
    sandbox: {
      start: !production && (tiktokBase === sandboxUrl || instagramBase === sandboxUrl),
      port: e.LAYERS_SANDBOX_PORT,
    },
    timeoutMs: e.LAYERS_PLATFORM_TIMEOUT_MS,
  };
}
