/**
 * The API key scopes: the one list. Routes declare one (`config.scope`, typed, so a typo fails
 * `tsc`), the admin plane accepts only these when minting a key, and `*` grants them all.
 */
export const SCOPES = [
  '*',
  'projects:read',
  'projects:write',
  'social:read',
  'social:write',
  'leased:write',
  'content:read',
  'content:write',
  'content:approve',
  'publish:read',
  'publish:write',
  'webhooks:read',
  'webhooks:write',
  // The organization's own keys (create, list, revoke, rotate others'; docs/api-keys.md), and later its
  // child organizations. A key can grant only scopes it holds itself.
  'org:admin',
] as const;

export type Scope = (typeof SCOPES)[number];

/** The scopes a route can require (`*` is only ever held, never required). */
export type RouteScope = Exclude<Scope, '*'>;
