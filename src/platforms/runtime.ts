import type { Logger } from 'pino';
import type { Clock } from '../clock.js';
import type { PlatformSettings } from '../config.js';
import { createPlatformAdapters, createSandboxAdapters } from './index.js';
import { type SandboxPlatform, startSandboxPlatform } from './sandbox/server.js';
import type { Platform, PlatformAdapters, PlatformToken } from './types.js';

/** A grant the sandbox really issued, for development fixtures (admin-created accounts, the lease pool). */
export type FixtureTokenIssuer = (
  platform: Platform,
  handle: string,
) => { token: PlatformToken; externalAccountId: string };

export type PlatformRuntime = {
  /** Accounts with env `live`: as configured (the sandbox in development, the real hosts in production). */
  live: PlatformAdapters;
  /** Accounts with env `test` (lp_test_ keys, fixtures): always the sandbox platform. */
  test: PlatformAdapters;
  /** The sandbox's URL: the one this process runs, or the one it expects on LAYERS_SANDBOX_PORT. */
  sandboxUrl: string;
  /** Set only when this process runs the sandbox: tokens it issues work against it. */
  issueFixtureToken: FixtureTokenIssuer | undefined;
  close(): Promise<void>;
};

/**
 * The adapters a process uses, and (development and test, `runSandbox`) the sandbox platform
 * in-process. A configured port that is taken falls back to a free one, so several development
 * servers can run side by side; every adapter pointed at the configured sandbox follows it.
 */
export async function startPlatforms(
  settings: PlatformSettings,
  opts: { runSandbox: boolean; log: Pick<Logger, 'info' | 'warn'>; clock?: Clock },
): Promise<PlatformRuntime> {
  const configuredUrl = settings.sandbox.url; // LAYERS_SANDBOX_URL, else 127.0.0.1:LAYERS_SANDBOX_PORT
  const sandbox =
    opts.runSandbox && settings.sandbox.start ? await startSandbox(settings.sandbox.port, opts.log) : undefined;
  const sandboxUrl = sandbox?.url ?? configuredUrl;
  const follow = (base: string | undefined) => (base === configuredUrl ? sandboxUrl : base);
  const live = createPlatformAdapters(
    {
      ...settings,
      tiktok: { ...settings.tiktok, baseUrl: follow(settings.tiktok.baseUrl) },
      instagram: { ...settings.instagram, baseUrl: follow(settings.instagram.baseUrl) },
    },
    opts.clock,
  );
  const test = createSandboxAdapters(sandboxUrl, { clock: opts.clock, timeoutMs: settings.timeoutMs });
  if (sandbox) opts.log.info({ sandboxUrl }, 'sandbox platform listening');
  return {
    live,
    test,
    sandboxUrl,
    issueFixtureToken: sandbox ? (platform, handle) => sandbox.issueToken(platform, { handle }) : undefined,
    close: async () => sandbox?.close(),
  };
}

async function startSandbox(port: number, log: Pick<Logger, 'warn'>): Promise<SandboxPlatform> {
  try {
    return await startSandboxPlatform({ port });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EADDRINUSE' || port === 0) throw err;
    log.warn({ port }, 'sandbox platform port in use; listening on a free port instead (see server.json)');
    return startSandboxPlatform({ port: 0 });
  }
}
