import { parseSandboxFaultHeader, type RehearsedFault, SANDBOX_FAULT_HEADER } from '../rehearsal.js';
import type { SandboxRequest } from './routing.js';
import type { FaultMode } from './state.js';

// How the sandbox answers a partner's rehearsed fault (the X-Sandbox-Fault header that only
// sandbox adapters send; docs/platform-rules.md "Rehearsing faults"). The header rides on every
// call of one publish attempt; each fault applies where the real platform would show it.

/** The call that opens a publish: TikTok's init, Instagram's (first) container. */
const OPENS_PUBLISH = new Set(['tiktok.publish', 'instagram.media']);
/** The call that creates the post itself: after it the post exists on the platform. */
const CREATES_POST = new Set(['tiktok.publish', 'instagram.publish']);

const AS_FAULT_MODE: Partial<Record<RehearsedFault['fault'], FaultMode>> = {
  token_expired: 'token_expired',
  token_invalid: 'invalid_grant',
  rate_limited: 'rate_limited',
  server_error: '5xx',
};

export function rehearsalOf(req: SandboxRequest): { header: string; fault: RehearsedFault | undefined } | undefined {
  const header = req.headers[SANDBOX_FAULT_HEADER];
  if (typeof header !== 'string') return undefined;
  return { header, fault: parseSandboxFaultHeader(header) };
}

/** The sandbox fault mode a rehearsed fault means for this endpoint, if any. */
export function rehearsedMode(endpoint: string, fault: RehearsedFault | undefined): FaultMode | undefined {
  if (!fault) return undefined;
  if (fault.fault === 'timeout_after_accept') return CREATES_POST.has(endpoint) ? 'timeout_after_effect' : undefined;
  return OPENS_PUBLISH.has(endpoint) ? AS_FAULT_MODE[fault.fault] : undefined;
}

/** Seconds a new Instagram container stays IN_PROGRESS (slow moderation), or undefined. */
export function slowModerationSeconds(req: SandboxRequest): number | undefined {
  const f = rehearsalOf(req)?.fault;
  return f?.fault === 'slow_moderation' ? (f.delaySeconds ?? DEFAULT_DELAY_S) : undefined;
}

const DEFAULT_DELAY_S = 60;
