import type { Ctx } from '../context.js';
import { findChildOrganization } from '../db/queries/organizations.js';
import { notFound } from '../http/errors.js';

/**
 * Whether the caller's key may administer organization `orgId` (with `org:admin`): its own
 * organization or a direct child of it (docs/organizations.md). Every other id is a 404, exactly
 * as for an organization that does not exist. `child`: the id names a child, not the caller's own.
 */
export async function managedOrganization(
  ctx: Pick<Ctx, 'principal' | 'db'>,
  orgId: string,
): Promise<{ child: boolean; archived: boolean } | undefined> {
  if (orgId === ctx.principal.organizationId) return { child: false, archived: false };
  const child = await findChildOrganization(ctx.db, ctx.principal.organizationId, orgId);
  return child && { child: true, archived: child.status === 'archived' };
}

export async function managesOrganization(ctx: Pick<Ctx, 'principal' | 'db'>, orgId: string): Promise<boolean> {
  return (await managedOrganization(ctx, orgId)) !== undefined;
}

export async function requireManagedOrganization(ctx: Pick<Ctx, 'principal' | 'db'>, orgId: string) {
  const managed = await managedOrganization(ctx, orgId);
  if (!managed) throw notFound('organization', orgId, '');
  return managed;
}
