import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { buildApp } from '../src/app.js';
import { systemClock } from '../src/clock.js';
import { openKeyRing } from '../src/crypto/key-ring.js';
import { createTokenCrypto } from '../src/crypto/token-envelope.js';
import { openDatabase } from '../src/db/client.js';
import { createRateLimiter } from '../src/http/guards/rate-limit.js';

/**
 * The OpenAPI document exactly as `/openapi.json` serves it: the app built with throwaway
 * dependencies (an in-memory PGlite, never queried; a memory rate limiter), not listening.
 */
export async function buildOpenapiDocument(): Promise<Record<string, any>> {
  const handle = await openDatabase({});
  const ringDir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-openapi-ring-'));
  const masterKey = randomBytes(32);
  try {
    const app = await buildApp({
      db: handle.db,
      dbKind: handle.kind,
      clock: systemClock,
      tokenCrypto: createTokenCrypto(masterKey, openKeyRing(ringDir, masterKey)),
      adminToken: randomBytes(24).toString('hex'),
      rateLimiter: createRateLimiter({ kind: 'memory' }),
      idempotencyWaitMs: 1_000,
    });
    await app.ready();
    const doc = structuredClone(app.swagger()) as Record<string, any>;
    await app.close();
    return doc;
  } finally {
    await handle.close();
    fs.rmSync(ringDir, { recursive: true, force: true });
  }
}

/** The committed file's bytes: pretty-printed, key order as the document builds it (sorted there). */
export function serializeOpenapi(doc: unknown): string {
  return `${JSON.stringify(doc, null, 2)}\n`;
}
