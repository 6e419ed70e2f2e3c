/**
 * Every API operation and the SDK method that calls it: the SDK's surface is built from this
 * table. A test checks it against openapi/openapi.json both ways, so a route added to the API
 * without a method here (or a method whose operation is gone) fails CI.
 */
export const OPERATION_METHODS = {
  whoami: 'whoami',
  killApiKey: 'apiKeys.kill',
  createApiKey: 'apiKeys.create',
  listApiKeys: 'apiKeys.list',
  revokeApiKey: 'apiKeys.revoke',
  rotateApiKey: 'apiKeys.rotate',
  listAuditLog: 'auditLog.list',

  createOrganization: 'organizations.create',
  listOrganizations: 'organizations.list',
  getOrganization: 'organizations.get',
  updateOrganization: 'organizations.update',
  suspendOrganization: 'organizations.suspend',
  resumeOrganization: 'organizations.resume',
  archiveOrganization: 'organizations.archive',

  createProject: 'projects.create',
  listProjects: 'projects.list',
  getProject: 'projects.get',
  updateProject: 'projects.update',
  archiveProject: 'projects.archive',
  getApprovalPolicy: 'projects.getApprovalPolicy',
  updateApprovalPolicy: 'projects.updateApprovalPolicy',

  listSocialAccounts: 'social.list',
  getSocialAccount: 'social.get',
  getSocialAccountQuota: 'social.getQuota',
  revokeSocialAccount: 'social.revoke',
  getTestFaults: 'social.getTestFaults',
  setTestFaults: 'social.setTestFaults',
  clearTestFaults: 'social.clearTestFaults',
  createOAuthUrl: 'social.oauthUrl',
  getOAuthStatus: 'social.oauthStatus',
  createReauthUrl: 'social.reauthUrl',

  requestLeasedAccounts: 'leasedAccounts.request',
  getLeaseRequest: 'leasedAccounts.getRequest',
  listLeasedAccounts: 'leasedAccounts.list',
  releaseLeasedAccount: 'leasedAccounts.release',

  uploadContent: 'content.upload',
  getContent: 'content.get',
  listContent: 'content.list',
  scheduleContent: 'content.schedule',
  publishContent: 'content.publish',
  validateContent: 'content.validate',
  approveContent: 'content.approve',
  rejectContent: 'content.reject',

  getScheduledPost: 'scheduledPosts.get',
  listScheduledPosts: 'scheduledPosts.list',
  rescheduleScheduledPost: 'scheduledPosts.reschedule',
  cancelScheduledPost: 'scheduledPosts.cancel',

  createWebhookEndpoint: 'webhooks.create',
  listWebhookEndpoints: 'webhooks.list',
  getWebhookEndpoint: 'webhooks.get',
  updateWebhookEndpoint: 'webhooks.update',
  deleteWebhookEndpoint: 'webhooks.delete',
  rotateWebhookSecret: 'webhooks.rotateSecret',
  testWebhookEndpoint: 'webhooks.test',
  listWebhookDeliveries: 'webhooks.listDeliveries',
  replayWebhookDelivery: 'webhooks.replayDelivery',
} as const;

export type MappedOperationId = keyof typeof OPERATION_METHODS;
