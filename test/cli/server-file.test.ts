import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import {
  createDatabase,
  DATABASES,
  type Proc,
  show,
  spawnLayers,
  startServer,
  stopServer,
  tempDir,
} from '../reliability/support.js';

// <dataDir>/server.json (src/server-file.ts) in real `layers serve` processes: gone after SIGTERM
// and SIGINT; one left behind by kill -9, or naming a port nobody listens on, makes an admin
// command say that no server is running (exit 3) instead of "Cannot reach".

/** `layers admin org create` against DIR's server.json, to its exit. */
async function adminOrgCreate(dir: string): Promise<{ code: number | null; out: string }> {
  const proc: Proc = spawnLayers(['admin', 'org', 'create', '--name', 'Probe', '--data-dir', dir]);
  const { code } = await proc.exited;
  return { code, out: proc.output() };
}

for (const db of DATABASES) {
  describe(`server.json of a real layers serve (${db})`, { timeout: 300_000 }, () => {
    const dir = tempDir(`server-file-${db}`);
    const file = path.join(dir, 'server.json');
    let database: Awaited<ReturnType<typeof createDatabase>> | undefined;
    const procs: Proc[] = [];
    after(async () => {
      for (const p of procs) await p.kill9();
      await database?.drop();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const start = async () => {
      if (db === 'postgres') database ??= await createDatabase();
      const server = await startServer({ dataDir: dir, env: { DATABASE_URL: database?.url }, args: ['--no-worker'] });
      procs.push(server);
      return server;
    };

    it('is removed when the server stops on SIGTERM or SIGINT', async () => {
      for (const signal of ['SIGTERM', 'SIGINT'] as const) {
        const server = await start();
        assert.equal(JSON.parse(fs.readFileSync(file, 'utf8')).pid, server.pid);
        server.child.kill(signal);
        const { code } = await server.exited;
        assert.equal(code, 0, show(server.output()));
        assert.equal(fs.existsSync(file), false, `${signal}: server.json removed`);
        const admin = await adminOrgCreate(dir);
        assert.equal(admin.code, 3, show(admin.out)); // no server answering (layers --help: exit codes)
        assert.match(admin.out, /No server found: no .*server\.json\. Is `layers serve` running/);
      }
    });

    it('one left by kill -9: the admin command says no server is running, exit 3', async () => {
      const server = await start();
      await server.kill9();
      assert.ok(fs.existsSync(file), 'kill -9 leaves server.json behind');
      const admin = await adminOrgCreate(dir);
      assert.equal(admin.code, 3, show(admin.out));
      assert.equal(
        admin.out,
        `layers: No server is running (stale server.json from pid ${server.pid} at ${file}); ` +
          'start one with `npm start`\n',
      );
      // The next server replaces it, and the admin command reaches that one.
      const next = await start();
      const ok = await adminOrgCreate(dir);
      assert.equal(ok.code, 0, show(ok.out));
      assert.match(ok.out, /"organizationId":"org_/);
      assert.equal((await stopServer(next)).code, 0, show(next.output()));
      assert.equal(fs.existsSync(file), false);
    });
  });
}

describe('server.json naming a live pid but a closed port', () => {
  it('connection refused: no server is running, exit 3', async () => {
    const dir = tempDir('server-file-refused');
    try {
      const port = await new Promise<number>((resolve) => {
        const s = net.createServer().listen(0, '127.0.0.1', () => {
          const { port } = s.address() as net.AddressInfo;
          s.close(() => resolve(port));
        });
      });
      // This test process: alive, so only the refused connection tells.
      const info = { url: `http://127.0.0.1:${port}`, pid: process.pid, database: 'pglite' };
      fs.writeFileSync(path.join(dir, 'server.json'), JSON.stringify(info));
      const admin = await adminOrgCreate(dir);
      assert.equal(admin.code, 3, show(admin.out));
      assert.match(
        admin.out,
        new RegExp(`^layers: No server is running \\(stale server.json from pid ${process.pid} at`),
      );
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
