import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';

// Key format: lp_<live|test>_<keyId>_<secret>. The secret is 32 random bytes (base64url), so a
// fast hash is enough: it cannot be brute-forced, and only the hash is ever stored.
const KEY_PATTERN =
  /^lp_(live|test)_(key_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;

export type ParsedKey = { env: 'live' | 'test'; keyId: string; secret: string };

export function parseApiKey(token: string): ParsedKey | undefined {
  const m = KEY_PATTERN.exec(token);
  if (!m) return undefined;
  return { env: m[1] as 'live' | 'test', keyId: m[2]!, secret: m[3]! };
}

export function hashSecret(secret: string): Buffer {
  return createHash('sha256').update(secret, 'utf8').digest();
}

export function secretMatches(secret: string, storedHash: Uint8Array): boolean {
  const candidate = hashSecret(secret);
  const stored = Buffer.from(storedHash);
  return stored.length === candidate.length && timingSafeEqual(candidate, stored);
}

export function mintApiKey(env: 'live' | 'test', keyId: string): { key: string; secretHash: Buffer } {
  const secret = randomBytes(32).toString('base64url');
  return { key: `lp_${env}_${keyId}_${secret}`, secretHash: hashSecret(secret) };
}
