import assert from 'node:assert/strict';
import fs from 'node:fs';
import { after, describe, it } from 'node:test';
import { call, createAccount, createTenant, type Server, show, startServer, tempDir } from '../reliability/support.js';

// The shutdown helper (src/cli/shutdown.ts) in a real `layers serve`: the first SIGTERM starts the
// drain and waits for the request in flight; a second signal gives up on it and exits 1 at once.
// PGlite only: the process, not the database, is under test.

describe('a second signal during the drain (real process)', { timeout: 180_000 }, () => {
  const dir = tempDir('signal');
  let server: Server | undefined;
  after(async () => {
    await server?.kill9();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  it('SIGTERM waits for a revoke held open; a second SIGTERM exits 1 at once, saying so', async () => {
    server = await startServer({
      dataDir: dir,
      env: { LOG_LEVEL: 'info', LAYERS_TEST_FAULTS: 'revoke:before-commit:pause' },
      args: ['--no-worker'],
    });
    const tenant = await createTenant(server.url);
    const account = await createAccount(server.url, tenant);
    const held = call(server.url, 'DELETE', `/v1/social-accounts/${account}`, { auth: tenant.auth }).catch(
      (err: Error) => err,
    );
    await server.waitForLine(/"testFault":"paused"/);

    server.child.kill('SIGTERM');
    await server.waitForLine(/"msg":"shutting down"/);
    await new Promise((r) => setTimeout(r, 500));
    assert.ok(server.alive(), `the drain waits for the held revoke: ${show(server.output())}`);

    const secondAt = performance.now();
    server.child.kill('SIGTERM');
    const { code } = await server.exited;
    const ms = performance.now() - secondAt;
    assert.equal(code, 1, show(server.output()));
    assert.ok(ms < 5_000, `exited ${ms.toFixed(0)} ms after the second signal`);
    assert.match(server.output(), /"msg":"second signal: exiting without finishing the shutdown"/);
    assert.ok((await held) instanceof Error, 'the held revoke got no answer');
  });
});
