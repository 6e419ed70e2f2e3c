import assert from 'node:assert/strict';
import * as admin from '../../src/services/admin.js';
import { type Harness, json, type Tenant } from '../harness.js';

/** Every scope but org:admin: what a child organization's key may hold at most. */
export const CHILD_SCOPES = [
  'social:read',
  'social:write',
  'projects:read',
  'projects:write',
  'content:read',
  'content:write',
  'publish:read',
  'publish:write',
  'webhooks:read',
  'webhooks:write',
];

/**
 * A child organization of `parent`, made through the API as a partner would: created, given a
 * key by the parent (POST /v1/organizations/:orgId/api-keys), and a project (operator fixture).
 */
export async function childTenant(h: Harness, parent: Tenant, name = 'Customer'): Promise<Tenant> {
  const created = await h.inject({ method: 'POST', url: '/v1/organizations', headers: parent.auth, payload: { name } });
  assert.equal(created.statusCode, 201, created.body);
  const organizationId = json(created).id as string;
  const keyRes = await h.inject({
    method: 'POST',
    url: `/v1/organizations/${organizationId}/api-keys`,
    headers: parent.auth,
    payload: { name: 'Customer key', scopes: CHILD_SCOPES, env: parent.env },
  });
  assert.equal(keyRes.statusCode, 201, keyRes.body);
  const key = json(keyRes);
  const project = await admin.createProject(h.adminCtx(), { organizationId, name: 'Child project', timezone: 'UTC' });
  return {
    organizationId,
    env: parent.env,
    apiKeyId: key.apiKeyId,
    key: key.key,
    projectId: project.projectId,
    auth: { authorization: `Bearer ${key.key}` },
  };
}
