import type { Ctx } from '../context.js';
import { notFound } from '../http/errors.js';

/**
 * Whether the caller's key may administer organization `orgId` (with `org:admin`): today only its
 * own organization. Child organizations (a later change) add the caller's direct children here,
 * and with them the rule that a child's keys never get `org:admin`; every other id stays a 404,
 * exactly as for an organization that does not exist.
 */
export async function managesOrganization(ctx: Pick<Ctx, 'principal'>, orgId: string): Promise<boolean> {
  return orgId === ctx.principal.organizationId;
}

export async function requireManagedOrganization(ctx: Pick<Ctx, 'principal'>, orgId: string) {
  if (!(await managesOrganization(ctx, orgId))) throw notFound('organization', orgId, '');
}
