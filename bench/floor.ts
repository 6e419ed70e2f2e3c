import http from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * The floor under the API: the bare baselines' statements behind the thinnest HTTP server Node
 * has (node:http, no framework, no guards, no logs, no schema), answering their last statement's
 * rows as JSON. The load client reaches it exactly as it reaches the API. What separates a bare
 * baseline from this floor is HTTP itself (parsing, the response, the client's CPU on the same
 * cores); what separates the floor from the API is everything the server adds to a request.
 */
export async function startFloor(handlers: {
  revoke(socialAccountId: string): Promise<unknown>;
  list(): Promise<unknown>;
}): Promise<{ url: string; close(): Promise<void> }> {
  const server = http.createServer(async (req, res) => {
    try {
      const revoke = req.method === 'DELETE' ? /^\/revoke\/([\w-]+)$/.exec(req.url ?? '') : null;
      const body = revoke
        ? await handlers.revoke(revoke[1]!)
        : req.method === 'GET' && req.url === '/list'
          ? await handlers.list()
          : undefined;
      if (body === undefined) return void res.writeHead(404).end();
      const json = JSON.stringify(body);
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(json) }).end(json);
    } catch (err) {
      res.writeHead(500).end((err as Error).message);
    }
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
