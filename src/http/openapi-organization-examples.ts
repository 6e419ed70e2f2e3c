import { CREATED, I, page, UPDATED } from './openapi-example-values.js';

// The OpenAPI examples of the child-organization operations (src/routes/organizations.ts),
// spread into OPERATION_EXAMPLES (src/http/openapi-examples.ts).

export const CHILD_ORGANIZATION_ID = 'org_9a1b2c3d-4e5f-4a6b-8c7d-0e1f2a3b4c5d';

const CHILD = {
  id: CHILD_ORGANIZATION_ID,
  parentOrganizationId: I.organization,
  name: 'Brightside Coffee',
  status: 'active',
  metadata: { crmId: 'cus_4821' },
  billingEmail: 'billing@brightside.example',
  archivedAt: null,
  createdAt: CREATED,
  updatedAt: CREATED,
};

const archived = {
  message: `Organization ${CHILD_ORGANIZATION_ID} is archived; an archived organization never changes.`,
  details: { reason: 'organization_archived', organizationId: CHILD_ORGANIZATION_ID },
};

export const ORGANIZATION_EXAMPLES = {
  createOrganization: {
    request: { name: 'Brightside Coffee', metadata: { crmId: 'cus_4821' }, billingEmail: 'billing@brightside.example' },
    response: CHILD,
  },
  listOrganizations: { response: page([CHILD]) },
  getOrganization: { response: CHILD },
  updateOrganization: {
    request: { name: 'Brightside Coffee Co.', metadata: { crmId: null, region: 'us-east' } },
    response: { ...CHILD, name: 'Brightside Coffee Co.', metadata: { region: 'us-east' }, updatedAt: UPDATED },
    conflict: archived,
  },
  suspendOrganization: { response: { ...CHILD, status: 'suspended', updatedAt: UPDATED }, conflict: archived },
  resumeOrganization: { response: { ...CHILD, updatedAt: UPDATED }, conflict: archived },
  archiveOrganization: {
    response: {
      id: CHILD_ORGANIZATION_ID,
      status: 'archived',
      archivedAt: UPDATED,
      revokedApiKeys: 2,
      canceledScheduledPosts: 14,
    },
  },
};
