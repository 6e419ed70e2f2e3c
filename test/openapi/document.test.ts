import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { buildOpenapiDocument } from '../../scripts/openapi-document.js';
import { ERROR_CODES } from '../../src/http/errors.js';
import { GUARD_ERRORS } from '../../src/http/schemas.js';
import { ROUTES } from '../route-registry.js';

// What the document promises partners and SDK generators, checked on every operation.

const RATE_HEADERS = ['X-RateLimit-Endpoint-Class', 'RateLimit-Limit', 'RateLimit-Remaining', 'RateLimit-Reset'];
type Op = Record<string, any> & { operationId: string; responses: Record<string, any> };

describe('OpenAPI document', () => {
  let doc: Record<string, any>;
  let ops: { method: string; path: string; op: Op }[];
  before(async () => {
    doc = await buildOpenapiDocument();
    ops = Object.entries<Record<string, Op>>(doc.paths).flatMap(([path, byMethod]) =>
      Object.entries(byMethod).map(([method, op]) => ({ method: method.toUpperCase(), path, op })),
    );
  });

  it('is OpenAPI 3.1 with bearer auth, /v1 routes only (operator, docs and health routes hidden)', () => {
    assert.equal(doc.openapi, '3.1.0');
    assert.deepEqual(doc.security, [{ bearer: [] }]);
    assert.deepEqual(doc.components.securitySchemes.bearer, { type: 'http', scheme: 'bearer' });
    const outside = Object.keys(doc.paths).filter((p) => !p.startsWith('/v1/'));
    assert.deepEqual(outside, []);
    assert.ok(ops.length >= 11, `operations: ${ops.length}`);
  });

  it('every operation has a unique operationId, a summary and a tag', () => {
    const ids = ops.map((o) => o.op.operationId);
    assert.equal(new Set(ids).size, ids.length, `duplicate operationIds: ${ids.join(', ')}`);
    for (const { method, path, op } of ops) {
      assert.match(op.operationId ?? '', /^[a-z][A-Za-z]+$/, `${method} ${path}`);
      assert.ok(op.summary && op.tags?.length, `${method} ${path}: summary and tags`);
    }
  });

  it('scope and rate class as x-required-scope / x-endpoint-class, as the guard matrix registry says; scope also in the description', () => {
    for (const r of ROUTES) {
      const found = ops.find((o) => o.method === r.method && o.path === r.route);
      assert.ok(found, `${r.method} ${r.route} is in the document`);
      const { op } = found;
      assert.equal(op['x-required-scope'], r.scope ?? null, `${op.operationId}: x-required-scope`);
      assert.equal(op['x-endpoint-class'], r.rateClass, `${op.operationId}: x-endpoint-class`);
      assert.ok(
        op.description.includes(r.scope ? `\`${r.scope}\`` : 'any valid API key'),
        `${op.operationId}: ${op.description}`,
      );
    }
  });

  it('every error response is the ErrorEnvelope, names its codes, and the guard errors are on every operation', () => {
    const codes = doc.components.schemas.ErrorEnvelope.properties.error.properties.code.enum;
    assert.deepEqual([...codes].sort(), Object.keys(ERROR_CODES).sort());
    for (const { op } of ops) {
      for (const s of GUARD_ERRORS) assert.ok(op.responses[s], `${op.operationId}: ${s}`);
      for (const [status, res] of Object.entries<any>(op.responses)) {
        if (Number(status) < 400) continue;
        assert.deepEqual(
          res.content,
          { 'application/json': { schema: { $ref: '#/components/schemas/ErrorEnvelope' } } },
          `${op.operationId} ${status}`,
        );
        assert.match(res.description, /`[A-Z_]+`/, `${op.operationId} ${status}: ${res.description}`);
      }
      assert.ok(
        Object.keys(op.responses).some((s) => s.startsWith('2')),
        `${op.operationId}: a success response`,
      );
    }
  });

  it('guard headers on the responses: X-Request-Id everywhere, rate-limit state after authentication, Retry-After on 429', () => {
    for (const name of [
      'XRequestId',
      'XRateLimitEndpointClass',
      'RateLimitLimit',
      'RateLimitRemaining',
      'RateLimitReset',
      'RetryAfter',
      'IdempotentReplayed',
    ]) {
      assert.ok(doc.components.headers[name]?.schema, `components.headers.${name}`);
    }
    for (const { op } of ops) {
      for (const [status, res] of Object.entries<any>(op.responses)) {
        const names = Object.keys(res.headers ?? {});
        assert.ok(names.includes('X-Request-Id'), `${op.operationId} ${status}`);
        const authenticated = status !== '401' && status !== '503';
        for (const h of RATE_HEADERS)
          assert.equal(names.includes(h), authenticated, `${op.operationId} ${status}: ${h}`);
        if (status === '429') assert.ok(names.includes('Retry-After'), `${op.operationId} 429: Retry-After`);
      }
    }
  });

  it('Idempotency-Key is a header parameter of every POST, PATCH and DELETE, and of nothing else', () => {
    const param = doc.components.parameters.IdempotencyKey;
    assert.deepEqual(
      { name: param.name, in: param.in, max: param.schema.maxLength },
      { name: 'Idempotency-Key', in: 'header', max: 255 },
    );
    for (const { method, op } of ops) {
      const has = (op.parameters ?? []).some((p: any) => p.$ref === '#/components/parameters/IdempotencyKey');
      assert.equal(has, method !== 'GET' && op['x-idempotent'] !== false, `${op.operationId}`);
      assert.equal(op['x-idempotent'], has, `${op.operationId}: x-idempotent`);
      if (has) {
        const ok = Object.entries<any>(op.responses).find(([s]) => s.startsWith('2'))![1];
        assert.ok(ok.headers['Idempotent-Replayed'], `${op.operationId}: Idempotent-Replayed on success`);
      }
    }
  });

  it('every $ref resolves; named schemas only, no JSON Schema $id/$schema left in components', () => {
    const refs = new Set<string>();
    const walk = (v: unknown) => {
      if (Array.isArray(v)) v.forEach(walk);
      else if (v && typeof v === 'object') {
        for (const [k, x] of Object.entries(v)) {
          if (k === '$ref') refs.add(x as string);
          else walk(x);
        }
      }
    };
    walk(doc);
    for (const ref of refs) {
      const target = ref
        .split('/')
        .slice(1)
        .reduce<any>((o, k) => o?.[k], doc);
      assert.ok(target, `${ref} resolves`);
    }
    const text = JSON.stringify(doc.components.schemas);
    assert.doesNotMatch(text, /"\$(id|schema)"/);
    assert.ok(doc.components.schemas.RevokeSocialAccountResponse, 'the seed’s response is a named component');
  });

  it('the seed’s endpoint: DELETE /v1/social-accounts/{socialAccountId}, social:write, its errors and response', () => {
    const { op } = ops.find((o) => o.op.operationId === 'revokeSocialAccount')!;
    assert.equal(op['x-required-scope'], 'social:write');
    assert.deepEqual(Object.keys(op.responses), ['200', '400', '401', '403', '404', '409', '413', '429', '500', '503']);
    assert.deepEqual(op.parameters[0], {
      schema: { type: 'string', pattern: '^sa_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$' },
      in: 'path',
      name: 'socialAccountId',
      required: true,
      description: 'Account id, `sa_<uuid>`.',
    });
    const schema = doc.components.schemas.RevokeSocialAccountResponse;
    assert.deepEqual(Object.keys(schema.properties), [
      'socialAccountId',
      'status',
      'disconnectedReason',
      'canceledScheduledPosts',
      'disconnectedAt',
    ]);
  });
});
