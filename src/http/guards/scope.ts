import type { Principal } from '../../context.js';
import { ApiError } from '../errors.js';
import type { RouteScope } from '../scopes.js';

/** Whether a key's scopes grant `scope` (`*` grants every scope, itself included). */
export function holdsScope(scopes: readonly string[], scope: string): boolean {
  return scopes.includes('*') || scopes.includes(scope);
}

export function forbiddenScope(scope: string) {
  return new ApiError('FORBIDDEN_SCOPE', `This API key lacks the ${scope} scope.`, { requiredScope: scope });
}

/** Deny by default: the key must hold the route's scope or `*`. */
export function checkScope(principal: Principal, requiredScope: RouteScope | undefined) {
  if (requiredScope === undefined || holdsScope(principal.scopes, requiredScope)) return;
  throw forbiddenScope(requiredScope);
}
