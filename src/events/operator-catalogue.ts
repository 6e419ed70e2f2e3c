import { z } from 'zod';

// The operator's audit trail (table operator_audit_log, migration 0014): one row per change made
// through the operator plane, the console or /admin/v1, whoever's organization it touches. The
// partner-visible records of the same change (audit_log, outbox) are written as before; this is
// the operator's side. Re-exported by ./catalogue.ts; written only by emitOperator (./emit.ts).

const killSwitchScope = z.enum(['global', 'organization', 'key']);

export const OPERATOR_EVENTS = {
  'console.signed_in': z.object({}),
  'console.signed_out': z.object({}),
  'organization.created': z.object({ name: z.string() }),
  'kill_switch.set': z.object({ scope: killSwitchScope, on: z.boolean() }),
  'lease_pool.account_added': z.object({ platform: z.enum(['tiktok', 'instagram']), handle: z.string() }),
  'lease_request.fulfilled': z.object({
    status: z.enum(['requested', 'partial', 'assigned', 'rejected']),
    newlyAssignedSocialAccountIds: z.array(z.string()),
  }),
  'lease_request.rejected': z.object({ reason: z.string().nullable() }),
  'social_account.revoked': z.object({ canceledScheduledPosts: z.number().int() }),
  'webhook_delivery.replayed': z.object({ replayDeliveryId: z.string() }),
} satisfies Record<string, z.ZodObject>;

export type OperatorEventType = keyof typeof OPERATOR_EVENTS;
export type OperatorPayload<T extends OperatorEventType> = z.infer<(typeof OPERATOR_EVENTS)[T]>;

/** Who acted: the operator, through the console (with its session) or the admin API. */
export type OperatorActor = { via: 'console' | 'api'; sessionId: string | null; requestId: string | null };

export const API_OPERATOR: OperatorActor = { via: 'api', sessionId: null, requestId: null };
