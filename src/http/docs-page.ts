import fs from 'node:fs';
import { createRequire } from 'node:module';
import path from 'node:path';
import type { FastifyInstance } from 'fastify';

// The browsable API reference at /docs (and `GET /` redirects there): Swagger UI's standalone
// bundle, served from the npm package (swagger-ui-dist) by this process, reading /openapi.json.
// No CDN: the page's CSP allows this origin only, so it works offline and cannot silently start
// fetching elsewhere.

const DIST = path.dirname(createRequire(import.meta.url).resolve('swagger-ui-dist/package.json'));
const ASSETS: Record<string, string> = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
  'favicon-32x32.png': 'image/png',
};
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; connect-src 'self'; " +
  "object-src 'none'; frame-ancestors 'none'";

const PAGE = `<!doctype html>
<html lang="en">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Layers partner API reference</title>
  <link rel="stylesheet" href="/docs/assets/swagger-ui.css">
  <link rel="icon" type="image/png" href="/docs/assets/favicon-32x32.png">
</head>
<body>
  <div id="swagger-ui"></div>
  <script src="/docs/assets/swagger-ui-bundle.js"></script>
  <script src="/docs/init.js"></script>
</body>
</html>
`;

// validatorUrl null: Swagger UI would otherwise send the document to an online validator.
// "Try it out" goes to this server: its origin is put first among the document's servers (the
// committed document lists the public URL and the default local one, whatever this one is).
const INIT = `fetch('/openapi.json')
  .then((res) => res.json())
  .then((spec) => {
    const here = { url: window.location.origin, description: 'This server' };
    spec.servers = [here, ...(spec.servers || []).filter((s) => s.url !== here.url)];
    window.ui = SwaggerUIBundle({
      spec,
      dom_id: '#swagger-ui',
      deepLinking: true,
      validatorUrl: null,
      docExpansion: 'list',
      defaultModelsExpandDepth: 0,
      displayOperationId: true,
    });
  });
`;

export function registerDocsPage(app: FastifyInstance) {
  const cache = new Map<string, Buffer>();
  const hide = { schema: { hide: true } };
  // Someone who opens the server's address in a browser lands on the reference, not on a 404.
  app.get('/', hide, async (_request, reply) => reply.redirect('/docs', 302));
  app.get('/docs', hide, async (_request, reply) =>
    reply.type('text/html; charset=utf-8').header('content-security-policy', CSP).send(PAGE),
  );
  app.get('/docs/init.js', hide, async (_request, reply) => reply.type('text/javascript; charset=utf-8').send(INIT));
  app.get<{ Params: { file: string } }>('/docs/assets/:file', hide, async (request, reply) => {
    const { file } = request.params;
    const type = ASSETS[file];
    if (!type) return reply.callNotFound();
    let body = cache.get(file);
    if (!body) {
      body = fs.readFileSync(path.join(DIST, file));
      cache.set(file, body);
    }
    return reply.type(type).header('cache-control', 'public, max-age=3600').send(body);
  });
}
