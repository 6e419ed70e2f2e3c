import { createHmac, timingSafeEqual } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import pino from 'pino';
import type { WebhookWorkerDeps } from '../../src/worker/webhook-delivery.js';
import type { Harness } from '../harness.js';
import { deliveryDns } from '../support/dns.js';

// A partner's webhook receiver, written from docs/webhooks.md and not from our signing code:
// it verifies X-Layers-Signature against every secret it is told to expect, and dedupes by
// event id as the docs tell partners to.

export type Received = {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  envelope: any;
  t: number;
  v1: string[];
};
export type Behaviour = number | 'hang' | { status: number; headers?: Record<string, string> };

export class Receiver {
  /** Every secret listed must have produced one of the request's v1= values. */
  secrets: string[] = [];
  behaviour: Behaviour = 200;
  /** Every request, duplicates included. */
  readonly requests: Received[] = [];
  /** First delivery of each event id. */
  readonly events = new Map<string, Received>();
  duplicates = 0;
  readonly signatureFailures: string[] = [];
  private server: http.Server | undefined;
  private port = 0;

  get url() {
    return `http://127.0.0.1:${this.port}/hooks`;
  }

  /** Listens on 127.0.0.1 (port 0 picks one; after stop(), start() takes the same port again). */
  async start() {
    const server = http.createServer((req, res) => this.handle(req, res));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(this.port, '127.0.0.1', () => resolve());
    });
    this.port = (server.address() as AddressInfo).port;
    this.server = server;
    return this;
  }

  /** Closes the port: deliveries now get "connection refused". */
  async stop() {
    const server = this.server;
    this.server = undefined;
    if (!server) return;
    server.closeAllConnections();
    await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  ofType(type: string) {
    return [...this.events.values()].filter((r) => r.envelope.type === type);
  }

  private handle(req: http.IncomingMessage, res: http.ServerResponse) {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = Buffer.concat(chunks).toString('utf8');
      const parsed = parseSignature(String(req.headers['x-layers-signature'] ?? ''));
      const received: Received = {
        path: req.url ?? '',
        headers: req.headers,
        body,
        envelope: safeJson(body),
        ...parsed,
      };
      this.requests.push(received);
      for (const secret of this.secrets) {
        const expected = createHmac('sha256', secret).update(`${parsed.t}.${body}`).digest();
        if (!parsed.v1.some((v) => v.length === 64 && timingSafeEqual(Buffer.from(v, 'hex'), expected))) {
          this.signatureFailures.push(`${received.envelope?.id}: no v1= matches secret ${secret.slice(0, 10)}…`);
          res.writeHead(400).end('bad signature');
          return;
        }
      }
      const id = String(req.headers['x-layers-event-id']);
      if (this.events.has(id)) this.duplicates += 1;
      else this.events.set(id, received);
      const b = this.behaviour;
      if (b === 'hang') return; // never answers: the sender's timeout decides
      if (typeof b === 'number') res.writeHead(b).end();
      else res.writeHead(b.status, b.headers).end();
    });
  }
}

function parseSignature(header: string) {
  const parts = header.split(',').map((p) => p.split('=') as [string, string]);
  return { t: Number(parts.find(([k]) => k === 't')?.[1]), v1: parts.filter(([k]) => k === 'v1').map(([, v]) => v) };
}

function safeJson(s: string) {
  try {
    return JSON.parse(s);
  } catch {
    return undefined;
  }
}

/**
 * Worker deps on the harness's database and clock; jitter pinned to the middle of its range.
 * Loopback receivers allowed (the development opt-in); only localhost resolves, so a delivery
 * to any other name fails as "host not found" and nothing leaves the machine.
 */
export function workerDeps(h: Harness, overrides: Partial<WebhookWorkerDeps> = {}): WebhookWorkerDeps {
  return {
    db: h.db,
    clock: h.clock,
    tokenCrypto: h.deps.tokenCrypto,
    log: pino({ level: 'silent' }),
    webhookAllowLoopback: true,
    webhookDnsLookup: deliveryDns,
    random: () => 0.5,
    ...overrides,
  };
}
