import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { before, describe, it } from 'node:test';
import { buildOpenapiDocument, serializeOpenapi } from '../../scripts/openapi-document.js';
import { renderPythonSurface } from '../../scripts/sdk-python.js';
import {
  PY_OPERATIONS_FILE,
  PY_RESOURCES_FILE,
  PY_TYPES_FILE,
  ROOT,
  renderPython,
  renderTypeScript,
  TS_TYPES_FILE,
} from '../../scripts/sdk-types.js';

// The committed document and the SDK files generated from it must be what the routes produce
// now: a route or schema change without `npm run openapi` fails here.

function assertSame(file: string, expected: string) {
  const rel = path.relative(ROOT, file);
  const actual = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
  if (actual === expected) return;
  const a = actual.split('\n');
  const e = expected.split('\n');
  const line = e.findIndex((l, i) => l !== a[i]);
  assert.fail(
    `${rel} is out of date with the routes: run npm run openapi (and commit it).\n` +
      `First difference at line ${line + 1}:\n  committed: ${a[line]?.slice(0, 200) ?? '(end of file)'}\n  generated: ${e[line]?.slice(0, 200) ?? '(end of file)'}`,
  );
}

describe('OpenAPI drift', () => {
  let doc: Record<string, any>;
  before(async () => {
    doc = await buildOpenapiDocument();
  });

  it('openapi/openapi.json is the document the routes generate', () => {
    assertSame(path.join(ROOT, 'openapi/openapi.json'), serializeOpenapi(doc));
  });

  it('sdk/typescript/src/types.gen.ts is generated from it', () => {
    assertSame(TS_TYPES_FILE, renderTypeScript(doc));
  });

  it('sdk/python/layers/_operations.py is generated from it', () => {
    assertSame(PY_OPERATIONS_FILE, renderPython(doc));
  });

  it('sdk/python/layers/types.py and _resources.py (the typed Python surface) are generated from it', () => {
    const { types, resources } = renderPythonSurface(doc);
    assertSame(PY_TYPES_FILE, types);
    assertSame(PY_RESOURCES_FILE, resources);
  });

  it('the Python generator ignores top-level sections it does not read (e.g. webhooks)', () => {
    const extended = { ...doc, webhooks: { 'post.published': { post: { operationId: 'onPostPublished' } } } };
    assert.deepEqual(renderPythonSurface(extended), renderPythonSurface(doc));
  });

  it('types.py imports even with aliases that name later schemas (e.g. a union of event payloads)', () => {
    const schemas = {
      ...doc.components.schemas,
      AEvent: { anyOf: [{ $ref: '#/components/schemas/ZPayload' }, { $ref: '#/components/schemas/BEvents' }] },
      BEvents: { type: 'array', items: { $ref: '#/components/schemas/ZPayload' } },
      ZPayload: {
        type: 'object',
        properties: { kind: { const: 'z' }, when: { type: ['string', 'null'] } },
        required: ['kind'],
      },
    };
    const { types } = renderPythonSurface({ ...doc, components: { ...doc.components, schemas } });
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-types-'));
    try {
      fs.writeFileSync(path.join(dir, 'generated_types.py'), types);
      const out = execFileSync(
        'python3',
        ['-c', 'import generated_types as t; print(t.AEvent, t.ZPayload.__required_keys__)'],
        {
          cwd: dir,
          encoding: 'utf8',
        },
      );
      assert.match(out, /ZPayload/);
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
