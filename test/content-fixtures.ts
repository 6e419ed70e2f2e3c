import { insertContainer } from '../src/db/queries/content-containers.js';
import { newId } from '../src/ids.js';
import type { Harness, Tenant } from './harness.js';

/** A completed container in t's project, written directly (no API call: no rate-limit budget spent). */
export async function createContainer(h: Harness, t: Tenant, projectId = t.projectId): Promise<string> {
  const id = newId('cnt');
  const now = h.clock.now();
  await insertContainer(h.db, {
    id,
    organization_id: t.organizationId,
    env: t.env,
    project_id: projectId,
    status: 'completed',
    creative_type: 'uploaded',
    media: JSON.stringify(['https://cdn.example.com/fixture.mp4']),
    caption: 'Fixture',
    created_at: now,
    updated_at: now,
  });
  return id;
}
