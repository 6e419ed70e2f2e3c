import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  admin,
  call,
  createDatabase,
  createTenant,
  DATABASES,
  MASTER_KEY,
  type Proc,
  show,
  sleep,
  spawnLayers,
  startServer,
  stopServer,
  type Tenant,
  tempDir,
} from '../reliability/support.js';
import { filesUnder, openableSubjects, postgresBytes } from '../support/key-scan.js';

// The promise of a revoke, against the database's own files: real `layers serve` processes,
// accounts connected, two revoked (TikTok: revoked upstream; Instagram: upstream revocation
// unsupported, so the grant stays live at the platform), the key ring rotated with
// `layers admin key-ring rotate` as an operator types it, the server stopped; then every byte the
// database keeps is searched for a wrapped key that any remaining key opens.

const masterKey = Buffer.from(MASTER_KEY, 'base64');

async function layersCli(args: string[], env: Record<string, string>) {
  const p = spawnLayers(args, env);
  const { code } = await p.exited;
  assert.equal(code, 0, show(p.output()));
  return JSON.parse(p.output().trim().split('\n').at(-1)!);
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, proc: Proc): Promise<T> {
  for (let i = 0; i < 600; i++) {
    const v = await fn();
    if (v !== undefined) return v;
    await sleep(100);
  }
  return assert.fail(`timed out waiting for ${what}: ${show(proc.output())}`);
}

/** A post published now on the account, and its end state once the server's worker is done with it. */
async function publishNow(base: string, t: Tenant, socialAccountId: string, proc: Proc) {
  const content = await call(base, 'POST', `/v1/projects/${t.projectId}/content/upload`, {
    auth: t.auth,
    body: { media: ['https://cdn.example.com/clip.mp4'] },
  });
  assert.equal(content.status, 201, content.text);
  const scheduled = await call(base, 'POST', `/v1/content/${content.body.id}/publish`, {
    auth: t.auth,
    body: { targets: [{ socialAccountId, mode: 'publish' }] },
  });
  assert.equal(scheduled.status, 201, scheduled.text);
  const postId = scheduled.body.scheduledPosts[0].id as string;
  return until(
    'the post to leave the queue',
    async () => {
      const p = await call(base, 'GET', `/v1/scheduled-posts/${postId}`, { auth: t.auth });
      return p.body.status === 'queued' || p.body.status === 'publishing' ? undefined : p.body;
    },
    proc,
  );
}

for (const kind of DATABASES) {
  describe(`crypto-shred against the files [${kind}]`, { timeout: 300_000 }, () => {
    const dirs: string[] = [];
    let database: Awaited<ReturnType<typeof createDatabase>> | undefined;
    after(async () => {
      for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
      await database?.drop();
    });

    it('after a revoke and the rotation that follows, no byte the database keeps opens with any key left; a live account still publishes after two rotations', async (tc) => {
      const dataDir = tempDir(`shred-${kind}`);
      dirs.push(dataDir);
      if (kind === 'postgres') database = await createDatabase();
      const env: Record<string, string> = database ? { DATABASE_URL: database.url } : {};
      const keyRing = { dir: path.join(dataDir, 'keyring'), masterKey };
      const scan = async () => {
        const sources = database
          ? await postgresBytes(database.url)
          : filesUnder(path.join(dataDir, 'pgdata')).map((f) => ({ source: f.file, bytes: f.bytes }));
        const found = new Map<string, string[]>();
        for (const s of sources) {
          for (const subject of openableSubjects(s.bytes, keyRing, subjects))
            found.set(subject, [...(found.get(subject) ?? []), s.source]);
        }
        tc.diagnostic(`scanned ${sources.length} sources, ${sources.reduce((n, s) => n + s.bytes.length, 0)} bytes`);
        return found;
      };

      let server = await startServer({ dataDir, env });
      const t = await createTenant(server.url);
      const account = async (platform: string) =>
        (
          await admin(server.url, 'POST', '/social-accounts', {
            projectId: t.projectId,
            platform,
            handle: `shred_${platform}`,
          })
        ).socialAccountId as string;
      const live = await account('tiktok');
      const revokedTiktok = await account('tiktok');
      const revokedInstagram = await account('instagram');
      const subjects = [live, revokedTiktok, revokedInstagram];

      for (const id of [revokedTiktok, revokedInstagram]) {
        const res = await call(server.url, 'DELETE', `/v1/social-accounts/${id}`, { auth: t.auth });
        assert.equal(res.status, 200, res.text);
      }
      // The worker revokes upstream (or records that it cannot) and drops the job's copy of the token.
      const outcomes = await until(
        'both upstream revocations to settle',
        async () => {
          const states = await Promise.all(
            [revokedTiktok, revokedInstagram].map(
              async (id) =>
                (await call(server.url, 'GET', `/v1/social-accounts/${id}`, { auth: t.auth })).body.upstreamRevocation
                  ?.status,
            ),
          );
          return states.every((s) => s && s !== 'pending') ? states : undefined;
        },
        server,
      );
      assert.deepEqual(outcomes, ['revoked', 'unsupported']);
      assert.equal((await stopServer(server)).code, 0, show(server.output()));

      // Control: before a rotation, the revoked tokens' wrapped keys are still in the files and open.
      const before = await scan();
      assert.ok(
        before.has(revokedTiktok) && before.has(revokedInstagram),
        `the scan sees the revoked keys before a rotation: ${JSON.stringify([...before])}`,
      );
      tc.diagnostic(
        `before the rotation, the revoked TikTok token's key opens from: ${before
          .get(revokedTiktok)!
          .map((s) => path.basename(s))
          .join(', ')}`,
      );

      server = await startServer({ dataDir, env });
      // The sandbox platform keeps its grants in memory: an account to publish with is connected on this run.
      const publisher = await account('tiktok');
      const first = await layersCli(['admin', 'key-ring', 'rotate', '--data-dir', dataDir], env);
      assert.equal(first.rotated, true, JSON.stringify(first));
      assert.deepEqual(first.retainedEpochs, []);
      assert.ok(first.destroyedEpochs.length >= 1, JSON.stringify(first));
      assert.equal(
        (await publishNow(server.url, t, publisher, server)).status,
        'published',
        'the live account publishes after one rotation',
      );
      const second = await layersCli(['admin', 'key-ring', 'rotate', '--data-dir', dataDir], env);
      assert.equal(second.currentEpoch, first.currentEpoch + 1, JSON.stringify(second));
      assert.equal(
        (await publishNow(server.url, t, publisher, server)).status,
        'published',
        'the live account publishes after two rotations',
      );
      const shown = await layersCli(['admin', 'key-ring', 'show', '--data-dir', dataDir], env);
      assert.deepEqual(
        shown.epochs.map((e: { epoch: number }) => e.epoch),
        [second.currentEpoch],
        JSON.stringify(shown),
      );
      assert.equal((await stopServer(server)).code, 0, show(server.output()));

      subjects.push(publisher);
      const afterRotation = await scan();
      assert.deepEqual(
        [...afterRotation.keys()].filter((s) => s !== live && s !== publisher),
        [],
        `revoked tokens recoverable: ${JSON.stringify([...afterRotation])}`,
      );
      assert.ok(
        afterRotation.has(live) && afterRotation.has(publisher),
        'control: the live accounts’ keys are found and open',
      );
      assert.deepEqual(
        fs.readdirSync(keyRing.dir).filter((f) => !f.startsWith('.')),
        [`epoch-${String(second.currentEpoch).padStart(8, '0')}.json`],
      );
    });
  });
}
