import assert from 'node:assert/strict';
import { json, REQUEST_ID } from './harness.js';

type Res = { statusCode: number; body: string; headers: Record<string, unknown> };

/**
 * The one error envelope, in full: exactly `error`, a stable code, a message, the request id,
 * and `details` equal to the expected value (or absent when none is expected).
 */
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

/** A validation envelope whose first issue is at `path` with a non-empty message. */
export function assertValidation(res: Res, status: 400 | 422, path: string) {
  const body = json(res);
  const issues = body?.error?.details?.issues as { path: string; message: string }[] | undefined;
  assert.ok(Array.isArray(issues) && issues.length > 0, `no issues: ${res.body.slice(0, 500)}`);
  assertEnvelope(res, status, 'VALIDATION', { issues });
  assert.equal(issues[0]!.path, path, JSON.stringify(issues));
  for (const i of issues) assert.ok(typeof i.message === 'string' && i.message.length > 0, JSON.stringify(i));
  return issues;
}
