import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { describe, it } from 'node:test';
import {
  ERROR_CLASSES,
  errorFromResponse,
  Layers,
  LayersError,
  OPERATION_METHODS,
  OPERATIONS,
  verifyWebhook,
  WebhookSignatureError,
} from '../../sdk/typescript/src/index.js';
import { ERROR_CODES } from '../../src/http/errors.js';
import { signatureHeader } from '../../src/webhooks/signature.js';
import { ROOT } from './server.js';

// Both SDKs' surfaces against the committed OpenAPI document and the server's error table:
// every operationId has exactly one SDK method (and it really calls that operation), and every
// error code has an exception class. A route added without an SDK method fails here.

const doc = JSON.parse(fs.readFileSync(path.join(ROOT, 'openapi/openapi.json'), 'utf8'));
const docOps = new Map<string, { method: string; path: string }>();
for (const [p, ops] of Object.entries<Record<string, { operationId: string }>>(doc.paths)) {
  for (const [m, op] of Object.entries(ops)) docOps.set(op.operationId, { method: m.toUpperCase(), path: p });
}
const snake = (s: string) => s.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

function pythonJson(expr: string, prelude = ''): any {
  const out = execFileSync('python3', ['-c', `import json, layers\n${prelude}\nprint(json.dumps(${expr}))`], {
    cwd: path.join(ROOT, 'sdk/python'),
    encoding: 'utf8',
  });
  return JSON.parse(out);
}

/** The server's own signer (src/webhooks/signature.ts) and the cases both SDKs' verify must agree on. */
function webhookCases() {
  const [oldSecret, newSecret] = ['whsec_old_0123456789abcdef', 'whsec_new_fedcba9876543210'];
  const now = 1_776_539_702;
  const body = JSON.stringify({
    id: 'evt_1',
    type: 'post.published',
    createdAt: '2026-04-18T19:15:02Z',
    data: { a: 'é' },
  });
  const rotating = signatureHeader([newSecret, oldSecret], now, body); // two v1=, newest first
  return {
    now,
    body,
    cases: [
      { name: 'the new secret', header: rotating, secret: [newSecret], expect: 'ok' },
      { name: 'the old secret, during rotation', header: rotating, secret: [oldSecret], expect: 'ok' },
      {
        name: 'either of a list',
        header: signatureHeader([oldSecret], now, body),
        secret: ['whsec_x', oldSecret],
        expect: 'ok',
      },
      { name: '299 s old', header: signatureHeader([oldSecret], now - 299, body), secret: [oldSecret], expect: 'ok' },
      {
        name: '301 s old',
        header: signatureHeader([oldSecret], now - 301, body),
        secret: [oldSecret],
        expect: 'timestamp_outside_tolerance',
      },
      {
        name: '301 s ahead',
        header: signatureHeader([oldSecret], now + 301, body),
        secret: [oldSecret],
        expect: 'timestamp_outside_tolerance',
      },
      { name: 'another secret', header: rotating, secret: ['whsec_other'], expect: 'no_matching_signature' },
      {
        name: 'a tampered body',
        header: signatureHeader([oldSecret], now, `${body} `),
        secret: [oldSecret],
        expect: 'no_matching_signature',
      },
      { name: 'no header', header: '', secret: [oldSecret], expect: 'malformed_header' },
      { name: 'no v1', header: `t=${now}`, secret: [oldSecret], expect: 'malformed_header' },
      { name: 'no t', header: rotating.replace(/^t=\d+,/, ''), secret: [oldSecret], expect: 'malformed_header' },
    ],
  };
}

describe('SDK surface', () => {
  it('TypeScript: OPERATION_METHODS names every operationId of openapi/openapi.json, and nothing else', () => {
    const missing = [...docOps.keys()].filter((id) => !(id in OPERATION_METHODS));
    const stale = Object.keys(OPERATION_METHODS).filter((id) => !docOps.has(id));
    assert.deepEqual(
      missing,
      [],
      `operations without a TypeScript SDK method: add them to sdk/typescript/src/operations.ts (${missing.join(', ')})`,
    );
    assert.deepEqual(stale, [], `SDK methods for operations the document no longer has: ${stale.join(', ')}`);
    const names = Object.values(OPERATION_METHODS);
    assert.equal(new Set(names).size, names.length, `two operations share one method: ${names.join(', ')}`);
  });

  it('TypeScript: the generated table matches the document (run npm run openapi if not)', () => {
    for (const [id, where] of docOps) {
      const spec = OPERATIONS[id as keyof typeof OPERATIONS];
      assert.ok(spec, `types.gen.ts lacks ${id}: run npm run openapi`);
      assert.deepEqual({ method: spec.method, path: spec.path }, where, id);
    }
    assert.equal(
      Object.keys(OPERATIONS).length,
      docOps.size,
      'types.gen.ts has operations the document lacks: run npm run openapi',
    );
  });

  it('TypeScript: each method exists once and sends its own operation’s method and path', async () => {
    const seen: { method: string; url: string }[] = [];
    const fetchStub = (async (url: string, init: { method: string }) => {
      seen.push({ method: init.method, url: String(url) });
      return new Response('{}', { status: 200, headers: { 'content-type': 'application/json' } });
    }) as unknown as typeof fetch;
    const layers = new Layers({ apiKey: 'lp_test_x', baseUrl: 'http://sdk.test', fetch: fetchStub });
    const surface = layers as unknown as Record<string, any>;
    const exposed = Object.entries(surface).flatMap(([k, v]) =>
      typeof v === 'function'
        ? [k]
        : v && typeof v === 'object'
          ? Object.keys(v)
              .filter((m) => typeof v[m] === 'function')
              .map((m) => `${k}.${m}`)
          : [],
    );
    assert.deepEqual(
      exposed.sort(),
      [...Object.values(OPERATION_METHODS), 'webhooks.verify'].sort(),
      'methods on the client are exactly the table’s, and the webhook signature check',
    );
    for (const [id, where] of Object.entries(OPERATION_METHODS)) {
      const { method, path: template } = docOps.get(id)!;
      const args = Object.fromEntries([...template.matchAll(/\{(\w+)\}/g)].map((m) => [m[1]!, `${m[1]}-value`]));
      const [ns, name] = where.includes('.') ? where.split('.') : [undefined, where];
      const fn = ns ? surface[ns][name!] : surface[name!];
      seen.length = 0;
      await fn(args);
      assert.equal(seen.length, 1, `${where}: one request`);
      const expected = template.replace(/\{(\w+)\}/g, (_m, p: string) => `${p}-value`);
      assert.deepEqual(
        { method: seen[0]!.method, path: new URL(seen[0]!.url).pathname },
        { method, path: expected },
        `${where} must call ${id}`,
      );
    }
  });

  it('TypeScript: every error code in src/http/errors.ts has its exception class', () => {
    assert.deepEqual(Object.keys(ERROR_CLASSES).sort(), Object.keys(ERROR_CODES).sort());
    for (const [code, status] of Object.entries(ERROR_CODES)) {
      const err = errorFromResponse(
        status,
        { error: { code, message: 'm', requestId: 'req_1', details: { a: 1 } } },
        {},
      );
      assert.ok(err instanceof ERROR_CLASSES[code]! && err instanceof LayersError, code);
      assert.deepEqual(
        [err.code, err.status, err.message, err.requestId, err.details],
        [code, status, 'm', 'req_1', { a: 1 }],
      );
    }
    const envelopeCodes = doc.components.schemas.ErrorEnvelope.properties.error.properties.code.enum;
    assert.deepEqual(
      [...envelopeCodes].sort(),
      Object.keys(ERROR_CODES).sort(),
      'the document’s ErrorEnvelope lists the same codes',
    );
  });

  it('Python: the same operations map to the same methods (snake_case), and the same error classes', () => {
    const py: Record<string, string> = pythonJson('layers.OPERATION_METHODS');
    const expected = Object.fromEntries(
      Object.entries(OPERATION_METHODS).map(([id, where]) => [id, where.split('.').map(snake).join('.')]),
    );
    assert.deepEqual(py, expected, 'sdk/python/layers/_client.py OPERATION_METHODS must mirror the TypeScript table');
    const pyErrors: Record<string, string> = pythonJson('{k: v.__name__ for k, v in layers.ERROR_CLASSES.items()}');
    assert.deepEqual(
      pyErrors,
      Object.fromEntries(Object.entries(ERROR_CLASSES).map(([k, v]) => [k, v.name])),
      'same class per code in both SDKs',
    );
  });

  it('both SDKs verify webhook signatures alike: the server’s header, rotation (two v1), the 300 s tolerance, tampering', async () => {
    const { now, body, cases } = webhookCases();
    const ts: Record<string, string> = {};
    for (const c of cases) {
      ts[c.name] = await verifyWebhook(body, c.header, c.secret, { now }).then(
        (event) => (event.id === 'evt_1' && (event.data as { a: string }).a === 'é' ? 'ok' : 'wrong event'),
        (e) => (e instanceof WebhookSignatureError ? e.reason : String(e)),
      );
    }
    assert.deepEqual(ts, Object.fromEntries(cases.map((c) => [c.name, c.expect])), 'TypeScript');
    const asBytes = await verifyWebhook(new TextEncoder().encode(body), cases[0]!.header, cases[0]!.secret[0]!, {
      now,
    });
    assert.equal(asBytes.type, 'post.published', 'bytes and a single secret string work too');
    const layers = new Layers({ apiKey: 'lp_test_x', baseUrl: 'http://sdk.test' });
    assert.equal(layers.webhooks.verify, verifyWebhook);
    const tight = await verifyWebhook(body, signatureHeader(['s'], now - 10, body), 's', {
      now,
      toleranceSeconds: 5,
    }).catch((e) => e.reason);
    assert.equal(tight, 'timestamp_outside_tolerance', 'toleranceSeconds is honoured');

    const prelude = `cases = json.loads(${JSON.stringify(JSON.stringify(cases))})
body = ${JSON.stringify(body)}
def outcome(c, payload):
    try:
        e = layers.Layers(api_key="k", base_url="http://x").webhooks.verify(payload, c["header"], c["secret"], now=${now})
        return "ok" if e["id"] == "evt_1" and e["data"]["a"] == "\u00e9" else "wrong event"
    except layers.WebhookSignatureError as err:
        return err.reason
py = {c["name"]: outcome(c, body.encode()) for c in cases}
py_str = {c["name"]: outcome(c, body) for c in cases}`;
    const py = pythonJson('[py, py_str]', prelude);
    assert.deepEqual(py, [ts, ts], 'Python (bytes and str payloads) agrees with TypeScript');
  });

  it('both SDKs put the first validation issue in the error message', () => {
    const body = {
      error: {
        code: 'VALIDATION',
        message: 'Invalid request body.',
        requestId: 'req_1',
        details: {
          issues: [
            { path: 'name', message: 'Too small: expected string to have >=1 characters' },
            { path: 'timezone', message: 'Required' },
          ],
        },
      },
    };
    const ts = errorFromResponse(422, body, {});
    assert.equal(
      ts.message,
      'Invalid request body: name: Too small: expected string to have >=1 characters (and 1 more)',
    );
    const py = pythonJson(
      `layers.errors.error_from_response(422, json.loads(${JSON.stringify(JSON.stringify(body))}), {}).message`,
    );
    assert.equal(py, ts.message);
    const already = errorFromResponse(
      400,
      {
        error: {
          code: 'VALIDATION',
          message: 'Invalid path parameter id: bad',
          details: { issues: [{ path: 'id', message: 'bad' }] },
        },
      },
      {},
    );
    assert.equal(already.message, 'Invalid path parameter id: bad', 'not repeated when the message already says it');
  });

  it('both SDKs: the same list methods paginate, and results carry their response (request id, status, rate limit)', async () => {
    const paged = Object.entries(OPERATIONS)
      .filter(([, spec]) => (spec.query as readonly string[]).includes('cursor'))
      .map(([id]) => OPERATION_METHODS[id as keyof typeof OPERATION_METHODS].split('.').map(snake).join('.'))
      .sort();
    const pyPaged: string[] = pythonJson(
      'sorted(w for w in layers.OPERATION_METHODS.values() if "ListPage" in str(inspect.signature(resolve(w)).return_annotation))',
      `import inspect\nclient = layers.Layers(api_key="k", base_url="http://x")\ndef resolve(w):\n    t = client\n    for p in w.split("."): t = getattr(t, p)\n    return t`,
    );
    assert.deepEqual(pyPaged, paged);
    assert.ok(paged.length >= 8, paged.join(', '));

    const pages: Record<string, { items: { id: string }[]; nextCursor: string | null }> = {
      '': { items: [{ id: 'a' }, { id: 'b' }], nextCursor: 'c1' },
      c1: { items: [{ id: 'c' }], nextCursor: 'c2' },
      c2: { items: [{ id: 'd' }], nextCursor: null },
    };
    const urls: string[] = [];
    const fetchStub = (async (url: string) => {
      urls.push(String(url));
      const cursor = new URL(String(url)).searchParams.get('cursor') ?? '';
      return new Response(JSON.stringify(pages[cursor]), {
        status: 200,
        headers: {
          'x-request-id': `req_${cursor || 'first'}`,
          'ratelimit-limit': '600',
          'ratelimit-remaining': '599',
          'ratelimit-reset': '42',
        },
      });
    }) as unknown as typeof fetch;
    const layers = new Layers({ apiKey: 'lp_test_x', baseUrl: 'http://sdk.test', fetch: fetchStub });
    const first = await layers.projects.list({ limit: 2, status: 'active' });
    assert.deepEqual(
      first.items.map((p) => p.id),
      ['a', 'b'],
    );
    assert.deepEqual(
      { ...first.lastResponse, headers: undefined },
      {
        requestId: 'req_first',
        status: 200,
        headers: undefined,
        idempotencyKey: undefined,
        rateLimit: { limit: 600, remaining: 599, resetSeconds: 42 },
      },
    );
    assert.ok(!Object.keys(first).includes('lastResponse'), 'not enumerable: JSON and deepEqual see the body only');
    urls.length = 0;
    const ids: string[] = [];
    for await (const p of layers.projects.list({ limit: 2, status: 'active' })) ids.push(p.id);
    assert.deepEqual(ids, ['a', 'b', 'c', 'd']);
    assert.deepEqual(
      urls.map((u) => new URL(u).search),
      ['?status=active&limit=2', '?status=active&limit=2&cursor=c1', '?status=active&limit=2&cursor=c2'],
      'every page with the same arguments and the next cursor',
    );
    assert.deepEqual(
      (await layers.projects.list().autoPagingToArray({ limit: 10 })).map((p) => p.id),
      ['a', 'b', 'c', 'd'],
    );
    await assert.rejects(layers.projects.list().autoPagingToArray({ limit: 3 }), RangeError);
  });
});
