import type { Clock } from '../clock.js';
import type { PlatformSettings } from '../config.js';
import { createInstagramAdapter } from './instagram.js';
import { sandboxFaultHeaders } from './rehearsal.js';
import { SANDBOX_CLIENTS } from './sandbox/clients.js';
import { createTikTokAdapter } from './tiktok.js';
import type { PlatformAdapters, ReconcileCapability } from './types.js';

export { createPkcePair } from './pkce.js';
export { type RehearsedFault, withRehearsedFault } from './rehearsal.js';
export * from './types.js';

/** The adapters a process uses for live keys, as configured. */
export function createPlatformAdapters(settings: PlatformSettings, clock?: Clock): PlatformAdapters {
  return {
    tiktok: createTikTokAdapter({ ...settings.tiktok, timeoutMs: settings.timeoutMs, clock }),
    instagram: createInstagramAdapter({ ...settings.instagram, timeoutMs: settings.timeoutMs, clock }),
  };
}

/**
 * Adapters pointed at a sandbox platform (tests, the dev server, `lp_test_` keys). Only these
 * send a rehearsed fault (X-Sandbox-Fault); createPlatformAdapters never passes `sandboxHeaders`.
 */
export function createSandboxAdapters(
  sandboxUrl: string,
  opts: { clock?: Clock; timeoutMs?: number; reconcile?: ReconcileCapability } = {},
): PlatformAdapters {
  // The sandbox looks posts up by reference; `reconcile: 'none'` plays a real platform, which cannot.
  const { reconcile = 'by_reference', ...rest } = opts;
  const lookupByReference = reconcile === 'by_reference';
  const sandbox = { ...rest, lookupByReference, sandboxHeaders: sandboxFaultHeaders };
  return {
    tiktok: createTikTokAdapter({ baseUrl: sandboxUrl, ...SANDBOX_CLIENTS.tiktok, ...sandbox }),
    instagram: createInstagramAdapter({
      baseUrl: sandboxUrl,
      ...SANDBOX_CLIENTS.instagram,
      ...sandbox,
      containerPollIntervalMs: 10,
    }),
  };
}
