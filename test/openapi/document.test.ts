import assert from 'node:assert/strict';
import { before, describe, it } from 'node:test';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { buildOpenapiDocument } from '../../scripts/openapi-document.js';
import { ERROR_CODES, ERRORS } from '../../src/http/errors.js';
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
        assert.deepEqual(Object.keys(res.content), ['application/json'], `${op.operationId} ${status}`);
        assert.deepEqual(
          res.content['application/json'].schema,
          { $ref: '#/components/schemas/ErrorEnvelope' },
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

// The examples /docs shows: one per request body and response, each valid against its own schema,
// ids and timestamps in the shapes the API really sends, error codes as the error table says.

const ID =
  /^(org|key|prj|sa|cnt|sp|lreq|lse|chg|st|whe|evt|dlv)_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ID_LIKE = /^(org|key|prj|sa|cnt|sp|lreq|lse|chg|st|whe|evt|dlv)_/;
const REQUEST_ID = /^req_[0-9A-HJKMNP-TV-Z]{26}$/;
const TIMESTAMP = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/;

/** Every string in an example that looks like an id or a timestamp has the exact shape. */
function shapeProblems(value: unknown, at: string, out: string[] = []): string[] {
  if (Array.isArray(value)) {
    for (const [i, v] of value.entries()) shapeProblems(v, `${at}[${i}]`, out);
  } else if (value && typeof value === 'object')
    for (const [k, v] of Object.entries(value)) shapeProblems(v, `${at}.${k}`, out);
  else if (typeof value === 'string') {
    if (ID_LIKE.test(value) && !ID.test(value)) out.push(`${at}: ${value} is not <prefix>_<uuid>`);
    if (value.startsWith('req_') && !REQUEST_ID.test(value)) out.push(`${at}: ${value} is not req_<ULID>`);
    if (/^\d{4}-\d\d-\d\dT/.test(value) && !TIMESTAMP.test(value)) out.push(`${at}: ${value} is not whole-second Z`);
  }
  return out;
}

describe('OpenAPI document: examples', () => {
  let doc: Record<string, any>;
  let validate: (schema: unknown, value: unknown) => string | undefined;
  before(async () => {
    doc = await buildOpenapiDocument();
    // ajv (fastify's own validator) with JSON Schema 2020-12, the dialect of OpenAPI 3.1's schemas.
    const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: false });
    const base = 'https://layers.test/openapi.json';
    ajv.addSchema({ $id: base, components: doc.components });
    validate = (schema, value) => {
      const local = JSON.parse(JSON.stringify(schema).replaceAll('"#/components/', `"${base}#/components/`));
      const check = ajv.compile(local);
      return check(value) ? undefined : ajv.errorsText(check.errors);
    };
  });

  const operations = () => Object.values<Record<string, Op>>(doc.paths).flatMap((byMethod) => Object.values(byMethod));

  it('every request body and every response has an example that validates against its schema', () => {
    let count = 0;
    const check = (where: string, media: any) => {
      assert.ok(media?.example !== undefined, `${where}: an example`);
      assert.equal(validate(media.schema, media.example), undefined, `${where}: ${JSON.stringify(media.example)}`);
      assert.deepEqual(shapeProblems(media.example, where), []);
      count++;
    };
    for (const op of operations()) {
      if (op.requestBody) check(`${op.operationId} request`, op.requestBody.content['application/json']);
      for (const [status, res] of Object.entries<any>(op.responses))
        check(`${op.operationId} ${status}`, res.content?.['application/json']);
    }
    for (const [type, { post }] of Object.entries<any>(doc.webhooks))
      check(`webhook ${type}`, post.requestBody.content['application/json']);
    assert.ok(count > 300, `examples checked: ${count}`);
  });

  it('every error example has the code the error table gives its status, with the details clients rely on', () => {
    for (const op of operations()) {
      for (const [status, res] of Object.entries<any>(op.responses)) {
        if (Number(status) < 400) continue;
        const { error } = res.content['application/json'].example;
        const codes = Object.values(ERRORS)
          .filter((e) => e.status === Number(status))
          .map((e) => e.code);
        assert.ok(codes.includes(error.code), `${op.operationId} ${status}: ${error.code} not in ${codes}`);
        assert.match(error.requestId, REQUEST_ID, `${op.operationId} ${status}`);
      }
      const example = (status: number) => op.responses[status].content['application/json'].example.error;
      assert.equal(example(401).code, 'UNAUTHENTICATED', op.operationId);
      assert.equal(example(403).code, 'FORBIDDEN_SCOPE', op.operationId);
      if (op['x-required-scope']) assert.equal(example(403).details.requiredScope, op['x-required-scope']);
      if (op.responses[404]) assert.equal(example(404).code, 'NOT_FOUND', op.operationId);
      if (op.responses[422]) assert.ok(example(422).details.issues.length, `${op.operationId} 422: details.issues`);
      assert.equal(example(429).code, 'RATE_LIMITED', op.operationId);
      assert.equal(example(503).code, 'KILL_SWITCH', op.operationId);
    }
  });

  it('servers, contact, license, tag descriptions and the guides', () => {
    assert.deepEqual(
      doc.servers.map((s: { url: string }) => s.url),
      ['https://api.layers.com', 'http://127.0.0.1:8080'],
    );
    assert.ok(doc.info.contact?.email && doc.info.license?.name && doc.info.license.url, JSON.stringify(doc.info));
    for (const tag of doc.tags) assert.ok(tag.description, `tag ${tag.name}: a description`);
    for (const guide of ['docs/guards.md', 'docs/webhooks.md']) assert.ok(doc.info.description.includes(guide), guide);
  });

  it('the seed’s revoke example: an sa_ id, disconnected, with the count of canceled posts', () => {
    const op = operations().find((o) => o.operationId === 'revokeSocialAccount')!;
    const example = op.responses[200].content['application/json'].example;
    assert.match(example.socialAccountId, /^sa_/);
    assert.equal(example.status, 'disconnected');
    assert.equal(example.canceledScheduledPosts, 4);
  });
});
