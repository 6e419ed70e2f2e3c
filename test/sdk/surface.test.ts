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
} from '../../sdk/typescript/src/index.js';
import { ERROR_CODES } from '../../src/http/errors.js';
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

function pythonJson(expr: string): any {
  const out = execFileSync('python3', ['-c', `import json, layers; print(json.dumps(${expr}))`], {
    cwd: path.join(ROOT, 'sdk/python'),
    encoding: 'utf8',
  });
  return JSON.parse(out);
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
});
