import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { sql } from 'kysely';
import type { Logger } from 'pino';
import type { Db } from './db/client.js';
import type { Metrics } from './metrics.js';

const READY_TIMEOUT_MS = 2_000; // as the API's /readyz: a database that hangs is not ready

/**
 * The operator's port (`--metrics-port`, LAYERS_METRICS_PORT): GET /metrics (Prometheus text),
 * /healthz (the process runs) and /readyz (the database answers), nothing else. Apart from the
 * API on purpose: it needs no credential, and is bound where only the monitoring can reach it
 * (docs/operations.md, "Metrics").
 */
export async function startMetricsServer(opts: { metrics: Metrics; db: Db; host: string; port: number; log: Logger }) {
  const server = http.createServer((req, res) => {
    void answer(req.method ?? 'GET', (req.url ?? '/').split('?')[0]!).then(
      ({ status, type, body }) => {
        res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store' });
        res.end(req.method === 'HEAD' ? undefined : body);
      },
      (err: unknown) => {
        opts.log.error({ err }, 'metrics endpoint failed');
        res.writeHead(500, { 'content-type': 'text/plain' }).end('internal error\n');
      },
    );
  });
  const json = (status: number, value: unknown) => ({ status, type: 'application/json', body: JSON.stringify(value) });

  async function answer(method: string, path: string) {
    if (method !== 'GET' && method !== 'HEAD') return json(405, { error: 'method not allowed' });
    if (path === '/metrics') {
      const { contentType, body } = await opts.metrics.exposition();
      return { status: 200, type: contentType, body };
    }
    if (path === '/healthz') return json(200, { status: 'ok' });
    if (path === '/readyz') {
      const ready = await ping(opts.db).then(
        () => true,
        (err: unknown) => {
          opts.log.warn({ err }, 'not ready: the database check failed');
          return false;
        },
      );
      return ready ? json(200, { status: 'ready' }) : json(503, { status: 'not ready', check: 'database' });
    }
    return json(404, { error: 'not found: /metrics, /healthz, /readyz' });
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port, opts.host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const url = `http://${opts.host.includes(':') ? `[${opts.host}]` : opts.host}:${port}`;
  return {
    url,
    port,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}

async function ping(db: Db) {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`no answer within ${READY_TIMEOUT_MS} ms`)), READY_TIMEOUT_MS);
  });
  try {
    await Promise.race([sql`SELECT 1`.execute(db), timeout]);
  } finally {
    clearTimeout(timer);
  }
}
