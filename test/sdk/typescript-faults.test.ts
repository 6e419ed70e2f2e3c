import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { InternalServerError, Layers } from '../../sdk/typescript/src/index.js';
import { recordingFetch } from './recording-fetch.js';
import { type DemoServer, startDemoServer } from './server.js';

// A real 500 from a real server process: LAYERS_TEST_FAULTS makes the next two revokes fail
// just before their commit (src/test-faults.ts). The transaction rolls back, so a retry with
// the same Idempotency-Key runs the revoke again and gets the full count, exactly once.

describe('TypeScript SDK against an injected 500 (real server, LAYERS_TEST_FAULTS)', { timeout: 180_000 }, () => {
  let server: DemoServer;
  before(async () => {
    server = await startDemoServer({ LAYERS_TEST_FAULTS: 'revoke:before-commit:2' });
  });
  after(() => server?.stop());

  it('maxRetries 0: InternalServerError, nothing changed; by default: retried with the same key, 200 with every post canceled', async () => {
    const account = await server.accountWithPosts(5);
    const rec = recordingFetch();
    const layers = new Layers({ apiKey: server.apiKey, baseUrl: server.baseUrl, fetch: rec.fetch });

    // Fault 1 of 2.
    const failed = await layers.social.revoke({ socialAccountId: account }, { maxRetries: 0 }).catch((e) => e);
    assert.ok(failed instanceof InternalServerError, String(failed));
    assert.deepEqual([failed.status, failed.code], [500, 'INTERNAL']);
    assert.match(failed.message, /safe to retry/);
    assert.doesNotMatch(failed.message, /injected/, 'the fault’s own message never reaches a client');
    const untouched = await layers.social.get({ socialAccountId: account });
    assert.deepEqual(
      [untouched.status, untouched.queuedScheduledPosts],
      ['connected', 5],
      'the failed revoke rolled back',
    );

    // Fault 2 of 2, then the retry.
    rec.exchanges.length = 0;
    const result = await layers.social.revoke({ socialAccountId: account });
    assert.deepEqual([result.status, result.canceledScheduledPosts], ['disconnected', 5]);
    assert.deepEqual(
      rec.exchanges.map((x) => x.status),
      [500, 200],
      'one 500, then the retry',
    );
    const [first, second] = rec.exchanges.map((x) => x.requestHeaders['idempotency-key']);
    assert.ok(first && first === second, `the retry reused the key: ${first} / ${second}`);
    assert.ok(rec.exchanges[1]!.sentAt - rec.exchanges[0]!.receivedAt >= 350, 'backed off before retrying');

    const after = await layers.social.get({ socialAccountId: account });
    assert.deepEqual([after.status, after.queuedScheduledPosts], ['disconnected', 0]);
  });
});
