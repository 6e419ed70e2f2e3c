import { withTransaction } from '../db/client.js';
import { findDeliveryOrganization } from '../db/queries/operator.js';
import { findSocialAccountById } from '../db/queries/social-accounts.js';
import { emitOperator } from '../events/emit.js';
import { notFound } from '../http/errors.js';
import { type AdminCtx, actorOf } from './admin-context.js';
import { revokeSocialAccount } from './social-accounts.js';
import { replayWebhookDelivery } from './webhook-deliveries.js';

// The operator acting inside an organization through the partner's own services: a revoke or a
// replay is the same transaction, with the same answer, whoever asks. The partner-side records
// carry no API key (apiKeyId null: the operator acted); the operator's row names the session.

/** Revokes any organization's account: exactly what `DELETE /v1/social-accounts/:id` does. */
export async function operatorRevokeSocialAccount(ctx: AdminCtx, socialAccountId: string) {
  const actor = actorOf(ctx);
  return withTransaction(ctx.db, async (tx) => {
    const account = await findSocialAccountById(tx, socialAccountId);
    if (!account?.organization_id || account.status === 'disconnected')
      throw notFound('connected social account', socialAccountId, '');
    const principal = { organizationId: account.organization_id, env: account.env, apiKeyId: null };
    const result = await revokeSocialAccount(
      { db: tx, clock: ctx.clock, requestId: actor.requestId, principal },
      { socialAccountId: account.id },
    );
    await emitOperator(
      tx,
      actor,
      ctx.clock.now(),
      'social_account.revoked',
      { canceledScheduledPosts: result.canceledScheduledPosts },
      { organizationId: account.organization_id, target: account.id },
    );
    return result;
  });
}

/** Replays a delivery of any organization: exactly what `POST /v1/webhook-deliveries/:id/replay` does. */
export async function operatorReplayDelivery(ctx: AdminCtx, deliveryId: string) {
  const actor = actorOf(ctx);
  return withTransaction(ctx.db, async (tx) => {
    const organizationId = await findDeliveryOrganization(tx, deliveryId);
    if (!organizationId) throw notFound('webhook delivery', deliveryId, '');
    // Endpoints and deliveries have no env of their own: the organization's, whichever key made them.
    const principal = { organizationId, env: 'test' as const, apiKeyId: null };
    const replay = await replayWebhookDelivery(
      { db: tx, clock: ctx.clock, requestId: actor.requestId, principal },
      { id: deliveryId },
    );
    await emitOperator(
      tx,
      actor,
      ctx.clock.now(),
      'webhook_delivery.replayed',
      { replayDeliveryId: replay.id },
      { organizationId, target: deliveryId },
    );
    return replay;
  });
}

/** A console sign-in or sign-out, on the operator's audit trail. */
export async function recordConsoleSession(ctx: AdminCtx, action: 'console.signed_in' | 'console.signed_out') {
  await withTransaction(ctx.db, (tx) => emitOperator(tx, actorOf(ctx), ctx.clock.now(), action, {}));
}
