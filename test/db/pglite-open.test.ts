import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { pathToFileURL } from 'node:url';
import { sql } from 'kysely';
import { openEmbeddedDatabase } from '../../src/db/client.js';

// How the embedded database is opened (src/db/pglite-open.ts): a new data directory is
// initialised by a child process and renamed into place; the server process only ever opens an
// existing database, with the small-memory settings. (Memory itself is measured by
// npm run bench, not asserted here.)

const dirs: string[] = [];
function tempDir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-pglite-open-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const setting = async (db: Awaited<ReturnType<typeof openEmbeddedDatabase>>['db'], name: string) =>
  (await sql<{ v: string }>`SELECT current_setting(${name}) AS v`.execute(db)).rows[0]!.v;

describe('embedded database: opening a data directory', () => {
  it('a new directory is initialised by a child process, then opened here with the small-memory settings', async () => {
    const dir = tempDir();
    // Every node process started from here on appends its pid to `marks` (NODE_OPTIONS is inherited).
    const marks = path.join(dir, 'marks');
    const marker = path.join(dir, 'mark.mjs');
    fs.writeFileSync(
      marker,
      `import fs from 'node:fs'; fs.appendFileSync(${JSON.stringify(marks)}, process.pid + '\\n');\n`,
    );
    const saved = process.env.NODE_OPTIONS;
    process.env.NODE_OPTIONS = `${saved ?? ''} --import ${pathToFileURL(marker).href}`.trim();
    let handle: Awaited<ReturnType<typeof openEmbeddedDatabase>>;
    try {
      handle = await openEmbeddedDatabase(dir);
    } finally {
      if (saved === undefined) delete process.env.NODE_OPTIONS;
      else process.env.NODE_OPTIONS = saved;
    }
    try {
      const pids = fs.readFileSync(marks, 'utf8').trim().split('\n').map(Number);
      assert.equal(pids.length, 1, 'one child process ran');
      assert.notEqual(pids[0], process.pid);
      assert.ok(fs.existsSync(path.join(dir, 'pgdata', 'PG_VERSION')));
      assert.ok(!fs.existsSync(path.join(dir, 'pgdata.init')), 'the staging directory was renamed into place');
      assert.equal(await setting(handle.db, 'shared_buffers'), '16MB');
      assert.equal(await setting(handle.db, 'maintenance_work_mem'), '16MB');
      await sql`CREATE TABLE kept (v text)`.execute(handle.db);
      await sql`INSERT INTO kept VALUES ('still here')`.execute(handle.db);
    } finally {
      await handle.close();
    }
    const reopened = await openEmbeddedDatabase(dir);
    try {
      const rows = (await sql<{ v: string }>`SELECT v FROM kept`.execute(reopened.db)).rows;
      assert.deepEqual(rows, [{ v: 'still here' }]);
      assert.equal(await setting(reopened.db, 'shared_buffers'), '16MB');
    } finally {
      await reopened.close();
    }
  });

  it('what an interrupted first start left (a staging directory, an empty pgdata/) is replaced by a new database', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'pgdata'));
    fs.mkdirSync(path.join(dir, 'pgdata.init'));
    fs.writeFileSync(path.join(dir, 'pgdata.init', 'half-written'), 'x');
    const handle = await openEmbeddedDatabase(dir);
    try {
      assert.equal((await sql<{ n: number }>`SELECT 1 AS n`.execute(handle.db)).rows[0]!.n, 1);
      assert.ok(!fs.existsSync(path.join(dir, 'pgdata.init')));
      assert.ok(!fs.existsSync(path.join(dir, 'pgdata', 'half-written')));
    } finally {
      await handle.close();
    }
  });

  it('a pgdata/ holding files but no database is refused, untouched', async () => {
    const dir = tempDir();
    fs.mkdirSync(path.join(dir, 'pgdata'));
    fs.writeFileSync(path.join(dir, 'pgdata', 'stray'), 'x');
    const pgdata = path.join(dir, 'pgdata');
    await assert.rejects(openEmbeddedDatabase(dir), {
      message: `${pgdata} holds files but no database (no PG_VERSION): move it away to start a new one`,
    });
    assert.deepEqual(fs.readdirSync(pgdata), ['stray']);
  });
});
