import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { unopenableTokens } from '../support/key-scan.js';
import {
  ADMIN_TOKEN,
  admin,
  call,
  createAccount,
  createDatabase,
  createTenant,
  DATABASES,
  MASTER_KEY,
  show,
  startServer,
  stopServer,
  tempDir,
} from './support.js';

// A rotation killed with kill -9 at each of its steps — epoch created, a batch re-wrapped, an old
// epoch's row deleted but its file not yet destroyed — leaves every stored token openable; the
// restarted server starts, and its next rotation finishes the job.

const POINTS = ['key-rotation:after-create', 'key-rotation:after-batch', 'key-rotation:before-destroy'];

for (const kind of DATABASES) {
  describe(`kill -9 mid key rotation [${kind}]`, { timeout: 300_000 }, () => {
    const dirs: string[] = [];
    const databases: Awaited<ReturnType<typeof createDatabase>>[] = [];
    after(async () => {
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
      for (const d of databases) await d.drop();
    });

    for (const point of POINTS) {
      it(`killed at ${point}: every token still opens after the restart, and the next rotation completes`, async () => {
        const dataDir = tempDir(`rotate-kill-${kind}`);
        dirs.push(dataDir);
        const database = kind === 'postgres' ? await createDatabase() : undefined;
        if (database) databases.push(database);
        const env: Record<string, string> = database ? { DATABASE_URL: database.url } : {};
        const where = {
          databaseUrl: database?.url,
          dataDir,
          keyRingDir: path.join(dataDir, 'keyring'),
          masterKey: Buffer.from(MASTER_KEY, 'base64'),
        };

        let server = await startServer({ dataDir, env: { ...env, LAYERS_TEST_FAULTS: `${point}:pause` } });
        const t = await createTenant(server.url);
        for (let i = 0; i < 4; i++) await createAccount(server.url, t);
        await admin(server.url, 'POST', '/lease-pool', { platform: 'instagram', handle: 'pool_one' });
        const before = await admin(server.url, 'GET', '/key-ring', undefined, 200);

        const rotating = call(server.url, 'POST', '/admin/v1/key-ring/rotate', { auth: `Bearer ${ADMIN_TOKEN}` }).catch(
          () => undefined,
        );
        await server.waitForLine(new RegExp(`"testFault":"paused","point":"${point}"`), 30_000);
        await server.kill9();
        await rotating;

        server = await startServer({ dataDir, env });
        const status = await admin(server.url, 'GET', '/key-ring', undefined, 200);
        assert.equal(status.unreadableWrappedKeys, 0, JSON.stringify(status));
        assert.ok(
          status.currentEpoch > before.currentEpoch,
          `the killed rotation's epoch is there: ${JSON.stringify({ before, status })}`,
        );
        assert.equal((await stopServer(server)).code, 0, show(server.output()));
        const afterKill = await unopenableTokens(where);
        assert.deepEqual(afterKill.failed, [], `every token opens after the kill at ${point}`);
        assert.equal(afterKill.opened, 5, JSON.stringify(afterKill));

        server = await startServer({ dataDir, env });
        const next = await admin(server.url, 'POST', '/key-ring/rotate', undefined, 200);
        assert.equal(next.rotated, true, JSON.stringify(next));
        assert.deepEqual(next.retainedEpochs, [], JSON.stringify(next));
        const shown = await admin(server.url, 'GET', '/key-ring', undefined, 200);
        assert.deepEqual(
          shown.epochs.map((e: { epoch: number; wrappedKeys: number }) => [e.epoch, e.wrappedKeys]),
          [[next.currentEpoch, 5]],
          JSON.stringify(shown),
        );
        assert.equal((await stopServer(server)).code, 0, show(server.output()));
        assert.deepEqual((await unopenableTokens(where)).failed, []);
        assert.deepEqual(
          fs.readdirSync(where.keyRingDir).filter((f) => !f.startsWith('.')),
          [`epoch-${String(next.currentEpoch).padStart(8, '0')}.json`],
          'the older epochs’ files are gone',
        );
      });
    }
  });
}
