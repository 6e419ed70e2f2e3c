import assert from 'node:assert/strict';
import { json, REQUEST_ID } from './harness.js';

type Res = { statusCode: number; body: string; headers: Record<string, unknown> };

/** The one error envelope, in full: exactly `error`, a stable code, a message, the request id. */
export function assertEnvelope(res: Res, status: number, code: string, details?: unknown) {
  const shown = res.body.slice(0, 500);
  assert.equal(res.statusCode, status, `expected ${status}, got ${res.statusCode}: ${shown}`);
  const body = json(res);
  assert.deepEqual(Object.keys(body), ['error'], shown);
  assert.equal(body.error.code, code, shown);
  assert.equal(typeof body.error.message, 'string');
  assert.ok(body.error.message.length > 0, shown);
  assert.match(body.error.requestId, REQUEST_ID);
  assert.equal(body.error.requestId, res.headers['x-request-id'], 'envelope requestId matches X-Request-Id');
  if (details === undefined) assert.equal(body.error.details, undefined, shown);
  else assert.deepEqual(body.error.details, details, shown);
  return body.error as { code: string; message: string; requestId: string; details?: Record<string, unknown> };
}
