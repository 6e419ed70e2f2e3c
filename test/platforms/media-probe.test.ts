import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, it } from 'node:test';
import { probeMedia } from '../../src/platforms/media-probe.js';
import { fakeDns } from '../support/dns.js';

// The media probe against a real HTTP server on loopback (the development opt-in, as webhook tests
// use): what it reads, its range fallback, its deadline, and the SSRF policy it shares with webhooks.

type Seen = { method: string; url: string; range?: string };

describe('media probe (HEAD, then Range: bytes=0-0)', () => {
  const seen: Seen[] = [];
  let server: http.Server;
  let base: string;
  const loopback = { allowLoopback: true, lookup: fakeDns({}) };
  const probe = (path: string, timeoutMs = 2_000, rules = loopback) =>
    probeMedia(`${base}${path}`, { rules, timeoutMs });

  before(async () => {
    server = http.createServer((req, res) => {
      seen.push({ method: req.method!, url: req.url!, range: req.headers.range });
      const path = req.url!;
      if (path === '/clip.mp4') {
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '12345' });
        return res.end(req.method === 'HEAD' ? undefined : 'x'.repeat(12345));
      }
      if (path === '/signed.jpg' || path === '/stream.mp4') {
        if (req.method === 'HEAD') return res.writeHead(405).end();
        if (path === '/signed.jpg') {
          res.writeHead(206, {
            'content-type': 'image/jpeg',
            'content-range': 'bytes 0-0/98765',
            'content-length': '1',
          });
          return res.end('x');
        }
        // Range ignored: a 200 with the whole (endless) body, of which the probe must read nothing.
        res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': '5000000000' });
        const timer = setInterval(() => res.write(Buffer.alloc(64 * 1024)), 5);
        res.on('close', () => clearInterval(timer));
        return;
      }
      if (path === '/moved.mp4') return res.writeHead(302, { location: 'http://10.0.0.1/x.mp4' }).end();
      if (path === '/slow.mp4') return; // never answers
      res.writeHead(404).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://localhost:${(server.address() as AddressInfo).port}`;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
  });

  it('HEAD answered: its Content-Type and Content-Length, no GET', async () => {
    seen.length = 0;
    assert.deepEqual(await probe('/clip.mp4'), {
      probed: true,
      contentType: 'video/mp4',
      sizeBytes: 12345,
      note: 'HEAD 200',
    });
    assert.deepEqual(seen, [{ method: 'HEAD', url: '/clip.mp4', range: undefined }]);
  });

  it('HEAD refused (405): one GET of bytes=0-0, the total from Content-Range', async () => {
    seen.length = 0;
    assert.deepEqual(await probe('/signed.jpg'), {
      probed: true,
      contentType: 'image/jpeg',
      sizeBytes: 98765,
      note: 'GET range 206',
    });
    assert.deepEqual(seen, [
      { method: 'HEAD', url: '/signed.jpg', range: undefined },
      { method: 'GET', url: '/signed.jpg', range: 'bytes=0-0' },
    ]);
  });

  it('a server that ignores the range: Content-Length of its 200, the body never read', async () => {
    const started = Date.now();
    assert.deepEqual(await probe('/stream.mp4'), {
      probed: true,
      contentType: 'video/mp4',
      sizeBytes: 5_000_000_000,
      note: 'GET range 200',
    });
    assert.ok(Date.now() - started < 1_000, `took ${Date.now() - started} ms`);
  });

  it('not found, or a redirect (not followed): not probed, the status noted, no fallback', async () => {
    seen.length = 0;
    assert.deepEqual(await probe('/gone.mp4'), { probed: false, contentType: null, sizeBytes: null, note: 'HEAD 404' });
    assert.deepEqual(await probe('/moved.mp4'), {
      probed: false,
      contentType: null,
      sizeBytes: null,
      note: 'HEAD 302',
    });
    assert.deepEqual(
      seen.map((s) => s.method),
      ['HEAD', 'HEAD'],
    );
  });

  it('no answer: given up at the deadline, not probed', async () => {
    const started = Date.now();
    const result = await probe('/slow.mp4', 300);
    const took = Date.now() - started;
    assert.deepEqual(result, { probed: false, contentType: null, sizeBytes: null, note: 'timed out after 300 ms' });
    assert.ok(took >= 250 && took < 2_000, `took ${took} ms`);
  });

  it('the SSRF policy: loopback without the opt-in, a name resolving to a private address, plain http to a public host — refused, nothing sent', async () => {
    seen.length = 0;
    const strict = { allowLoopback: false, lookup: fakeDns({ 'media.example.com': ['10.0.0.7'] }) };
    const refused = {
      probed: false,
      contentType: null,
      sizeBytes: null,
      note: 'refused: the URL must point to a public address',
    };
    assert.deepEqual(await probe('/clip.mp4', 2_000, strict), refused, 'localhost without the opt-in');
    const port = (server.address() as AddressInfo).port;
    assert.deepEqual(
      await probeMedia(`https://media.example.com:${port}/clip.mp4`, { rules: strict, timeoutMs: 2_000 }),
      refused,
      'a name that resolves to 10.0.0.7 (checked at connect time)',
    );
    assert.deepEqual(
      await probeMedia(`https://127.0.0.1:${port}/clip.mp4`, { rules: strict, timeoutMs: 2_000 }),
      refused,
      'an address literal',
    );
    const publicHttp = await probeMedia('http://media.example.com/a.mp4', { rules: strict, timeoutMs: 2_000 });
    assert.equal(publicHttp.probed, false);
    assert.equal(seen.length, 0, JSON.stringify(seen));
  });
});
