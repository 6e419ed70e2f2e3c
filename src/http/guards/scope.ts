import type { Principal } from '../../context.js';
import { ApiError } from '../errors.js';
import type { RouteScope } from '../scopes.js';

/** Deny by default: the key must hold the route's scope or `*`. */
export function checkScope(principal: Principal, requiredScope: RouteScope | undefined) {
  if (requiredScope === undefined) return;
  if (principal.scopes.includes('*') || principal.scopes.includes(requiredScope)) return;
  throw new ApiError('FORBIDDEN_SCOPE', `This API key lacks the ${requiredScope} scope.`, { requiredScope });
}
