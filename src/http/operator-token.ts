import { createHash, timingSafeEqual } from 'node:crypto';

const digest = (s: string) => createHash('sha256').update(s).digest();

/**
 * Checks a presented operator token against LAYERS_ADMIN_TOKEN: SHA-256 digests compared with
 * timingSafeEqual, so neither content nor length leaks through timing. /admin/v1 (Bearer) and the
 * console's sign-in form both use it.
 */
export function operatorTokenCheck(adminToken: string) {
  const expected = digest(adminToken);
  return (presented: string) => timingSafeEqual(digest(presented), expected);
}
