import type { BaseLogger } from 'pino';
import type { Clock } from '../clock.js';
import type { TokenCrypto } from '../crypto/token-envelope.js';
import { type Db, withTransaction } from '../db/client.js';
import {
  type ClaimedDelivery,
  claimDueDeliveries,
  countEndpointFailure,
  fanOutOutboxEvents,
  resetEndpointFailures,
  settleDeliveryAttempt,
} from '../db/queries/webhook-deliveries.js';
import { emit, systemEvents } from '../events/emit.js';
import { type PostResult, postWebhook } from '../webhooks/http-post.js';
import {
  type AttemptOutcome,
  DELIVERY_TIMEOUT_MS,
  judgeAttempt,
  PAUSE_AFTER_CONSECUTIVE_FAILURES,
} from '../webhooks/retry-policy.js';
import { envelopeJson, secretContext, signatureHeader } from '../webhooks/signature.js';
import { type DnsLookup, urlRulesOf } from '../webhooks/url-safety.js';

// Webhooks leave through two steps of the worker loop. dispatchOutbox: committed outbox events
// become one delivery row per subscribed endpoint. deliverDue: claim due rows (one short
// statement) → sign and POST (no transaction open) → record the outcome (one short transaction,
// fenced on the claim). At-least-once: a crash between the POST and the record re-sends the
// same event id after the claim's lease ends.

export type WebhookWorkerDeps = {
  db: Db;
  clock: Clock;
  tokenCrypto: TokenCrypto;
  log: Pick<BaseLogger, 'info' | 'warn' | 'error'>;
  /**
   * URL rules re-checked on every send (https, public addresses); true adds loopback receivers
   * (development opt-in).
   */
  webhookAllowLoopback?: boolean;
  webhookDnsLookup?: DnsLookup;
  /** Jitter source, [0, 1); Math.random unless a test pins it. */
  random?: () => number;
  /** Test-only: a shorter receiver timeout than the 10 s contract. */
  webhookTimeoutMs?: number;
};

const DISPATCH_BATCH = 500; // events per fan-out statement: short row locks; a 10,000-post revoke takes 21
const MAX_DISPATCH_BATCHES = 40; // per call (20,000 events), so one burst cannot starve the loop's other jobs
const DELIVERY_BATCH = 20; // sends of one claim run in parallel: at most 20 outbound requests at once
const PASS_BUDGET_MS = 30_000; // deliverDue stops claiming new batches after this, so other jobs get their turn
// A claim must outlast the 10 s timeout plus the record by a wide margin, so a live worker never
// loses its row to another; a dead worker's rows are sent again after it.
const LEASE_MS = 60_000;

/** Fans undispatched outbox events out into deliveries; returns how many of each. */
export async function dispatchOutbox(deps: Pick<WebhookWorkerDeps, 'db' | 'clock'>) {
  const total = { events: 0, deliveries: 0 };
  for (let i = 0; i < MAX_DISPATCH_BATCHES; i++) {
    // One statement: the deliveries and the dispatched mark commit together.
    const batch = await withTransaction(deps.db, (tx) =>
      fanOutOutboxEvents(tx, { now: deps.clock.now(), limit: DISPATCH_BATCH }),
    );
    total.events += batch.events;
    total.deliveries += batch.deliveries;
    if (batch.events < DISPATCH_BATCH) break;
  }
  return total;
}

export type DeliveryResult = AttemptOutcome['status'] | 'superseded';
export type DeliverySummary = { claimed: number } & Record<DeliveryResult, number>;

/** Sends every due delivery (held ones excepted: paused endpoints, kill switches); never throws for one send. */
export async function deliverDue(deps: WebhookWorkerDeps): Promise<DeliverySummary> {
  const summary: DeliverySummary = { claimed: 0, succeeded: 0, retry: 0, failed: 0, abandoned: 0, superseded: 0 };
  const started = Date.now();
  do {
    const now = deps.clock.now();
    const claims = await claimDueDeliveries(deps.db, {
      now,
      leaseUntil: new Date(now.getTime() + LEASE_MS),
      limit: DELIVERY_BATCH,
    });
    summary.claimed += claims.length;
    for (const result of await Promise.all(claims.map((c) => deliverOne(deps, c)))) summary[result] += 1;
    if (claims.length < DELIVERY_BATCH) break;
  } while (Date.now() - started < PASS_BUDGET_MS);
  return summary;
}

async function deliverOne(deps: WebhookWorkerDeps, claim: ClaimedDelivery): Promise<DeliveryResult> {
  const random = deps.random ?? Math.random;
  const attemptedAt = deps.clock.now();
  let result: PostResult;
  try {
    result = await send(deps, claim, attemptedAt);
  } catch (err) {
    // Our own fault (a secret that will not open, …): retried within the budget like a network error.
    deps.log.error({ err, webhookDeliveryId: claim.id }, 'webhook delivery could not be prepared');
    result = { kind: 'error', message: 'internal error preparing the delivery', retryable: true };
  }
  const outcome = judgeAttempt(result, claim.attempts, deps.clock.now(), random);
  const recorded = await record(deps, claim, outcome, attemptedAt);
  if (outcome.status !== 'succeeded') {
    // ours to read, never recorded on the delivery
    const refusedBecause = result.kind === 'error' ? result.detail : undefined;
    deps.log.info(
      {
        webhookDeliveryId: claim.id,
        webhookEndpointId: claim.endpoint_id,
        attempt: claim.attempts,
        outcome: outcome.status,
        error: outcome.error,
        ...(refusedBecause ? { refusedBecause } : {}),
      },
      'webhook delivery attempt failed',
    );
  }
  return recorded ? outcome.status : 'superseded';
}

function send(deps: WebhookWorkerDeps, claim: ClaimedDelivery, now: Date): Promise<PostResult> {
  const body = envelopeJson({
    id: claim.event_id,
    type: claim.event_type,
    created_at: claim.event_created_at,
    data: taggedData(claim),
    replay_of: claim.replay_of,
  });
  const headers = {
    'content-type': 'application/json',
    'user-agent': 'Layers-Webhooks/1.0',
    'x-layers-event-id': claim.event_id,
    'x-layers-event-type': claim.event_type,
    'x-layers-delivery-id': claim.id,
    'x-layers-signature': signatureHeader(signingSecrets(deps, claim, now), Math.floor(now.getTime() / 1000), body),
  };
  return postWebhook(claim.url, body, headers, {
    rules: urlRulesOf(deps),
    timeoutMs: deps.webhookTimeoutMs ?? DELIVERY_TIMEOUT_MS,
  });
}

/** A child's event delivered to its parent's `all_children` endpoint names the child in `data.organizationId`. */
function taggedData(claim: ClaimedDelivery): unknown {
  if (claim.event_organization_id === claim.organization_id) return claim.event_data;
  return { ...(claim.event_data as Record<string, unknown>), organizationId: claim.event_organization_id };
}

/** The current secret, then the previous one while its 24 h after a rotation last. */
function signingSecrets(deps: WebhookWorkerDeps, claim: ClaimedDelivery, now: Date): string[] {
  const context = secretContext(claim.endpoint_id);
  const secrets = [deps.tokenCrypto.openSecret(context, claim.secret)];
  if (claim.previous_secret && claim.previous_secret_expires_at && claim.previous_secret_expires_at > now) {
    secrets.push(deps.tokenCrypto.openSecret(context, claim.previous_secret));
  }
  return secrets;
}

/** The attempt's outcome and the endpoint's failure count, together; false when the claim was lost. */
async function record(deps: WebhookWorkerDeps, claim: ClaimedDelivery, outcome: AttemptOutcome, attemptedAt: Date) {
  return withTransaction(deps.db, async (tx) => {
    const now = deps.clock.now();
    const status = outcome.status === 'retry' ? 'pending' : outcome.status;
    const settled = await settleDeliveryAttempt(tx, claim, { ...outcome, status, now, attemptedAt });
    if (!settled) return false;
    if (outcome.status === 'succeeded') {
      await resetEndpointFailures(tx, claim.endpoint_id);
      return true;
    }
    const endpoint = await countEndpointFailure(tx, claim.endpoint_id, {
      pauseAt: PAUSE_AFTER_CONSECUTIVE_FAILURES,
      now,
    });
    if (endpoint?.old_status === 'active' && endpoint.status === 'paused') {
      await emit(
        tx,
        systemEvents(claim.organization_id, now),
        'webhook_endpoint.paused',
        {
          webhookEndpointId: claim.endpoint_id,
          reason: 'consecutive_failures',
          consecutiveFailures: endpoint.consecutive_failures,
        },
        { projectId: null },
      );
      deps.log.warn(
        { webhookEndpointId: claim.endpoint_id, consecutiveFailures: endpoint.consecutive_failures },
        'webhook endpoint paused itself',
      );
    }
    return true;
  });
}
