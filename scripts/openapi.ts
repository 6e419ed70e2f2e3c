// `npm run openapi`: writes openapi/openapi.json from the route schemas, then the SDK files
// generated from it. CI fails (test/openapi/drift.test.ts) when the committed files differ.
import fs from 'node:fs';
import path from 'node:path';
import { buildOpenapiDocument, serializeOpenapi } from './openapi-document.js';
import { ROOT, writeSdkFiles } from './sdk-types.js';

const file = path.join(ROOT, 'openapi/openapi.json');
const doc = await buildOpenapiDocument();
fs.mkdirSync(path.dirname(file), { recursive: true });
fs.writeFileSync(file, serializeOpenapi(doc));
writeSdkFiles(doc);
console.log(`wrote openapi/openapi.json (${Object.keys(doc.paths).length} paths) and the SDK operation tables`);
