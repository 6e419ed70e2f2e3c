import pino from 'pino';
import type { Ctx } from '../../src/context.js';
import { newRequestId } from '../../src/ids.js';
import { testWebhookEndpoint } from '../../src/services/webhook-deliveries.js';
import { createWebhookEndpoint } from '../../src/services/webhook-endpoints.js';
import { urlRulesOf } from '../../src/webhooks/url-safety.js';
import type { Harness, Tenant } from '../harness.js';

// Endpoints and deliveries made through the services, not HTTP: fixtures must not spend the
// tenant's rate-limit budget (the guard matrix counts every request).

function fixtureCtx(h: Harness, t: Tenant): Ctx {
  return {
    db: h.db,
    clock: h.clock,
    log: pino({ level: 'silent' }),
    requestId: newRequestId(),
    tokenCrypto: h.deps.tokenCrypto,
    principal: {
      apiKeyId: t.apiKeyId,
      organizationId: t.organizationId,
      organizationName: 'fixture',
      parentOrganizationId: null,
      scopes: ['*'],
      rateLimitTier: 'partner',
      env: 'test',
      returnUrlAllowlist: [],
    },
  };
}

export async function webhookEndpointFixture(h: Harness, t: Tenant, opts: { url?: string; events?: string[] } = {}) {
  return createWebhookEndpoint(
    fixtureCtx(h, t),
    {
      url: opts.url ?? 'https://hooks.example.com/layers',
      events: opts.events ?? ['*'],
    },
    urlRulesOf(h.deps),
  );
}

/** A pending test.ping delivery on a fresh endpoint of t. */
export async function webhookDeliveryFixture(h: Harness, t: Tenant) {
  const endpoint = await webhookEndpointFixture(h, t);
  return testWebhookEndpoint(fixtureCtx(h, t), { id: endpoint.id });
}
