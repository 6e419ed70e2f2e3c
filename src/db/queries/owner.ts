import type { AccountEnv } from '../schema.js';

/**
 * Whose rows a partner's request may touch: its organization's, in its key's environment.
 * Environments are walls (docs/environments.md): the other environment's rows answer as if they
 * belonged to another organization. A request's Principal is an Owner.
 */
export type Owner = { organizationId: string; env: AccountEnv };
