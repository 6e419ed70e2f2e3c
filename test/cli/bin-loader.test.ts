import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';

// bin/layers.mjs's one rule (README "Production"): dist/ when dist/BUILT is newer than every file
// in src/, else src/ through tsx, saying so when a dist/ exists but is stale. Run on a stand-in
// package: the real bin beside a src/ and a dist/ that only print which one ran.

const ROOT = fileURLToPath(new URL('../..', import.meta.url));

function run(dir: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [path.join(dir, 'bin/layers.mjs')], { timeout: 60_000 }, (err, stdout, stderr) =>
      resolve({ code: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr }),
    );
  });
}

function write(file: string, text: string, mtime?: Date) {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, text);
  if (mtime) fs.utimesSync(file, mtime, mtime);
}

describe('bin/layers.mjs: dist or src', { timeout: 120_000 }, () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-bin-'));
  after(() => fs.rmSync(dir, { recursive: true, force: true }));
  const old = new Date(Date.now() - 3_600_000);
  fs.mkdirSync(path.join(dir, 'bin'));
  fs.copyFileSync(path.join(ROOT, 'bin/layers.mjs'), path.join(dir, 'bin/layers.mjs'));
  fs.symlinkSync(path.join(ROOT, 'node_modules'), path.join(dir, 'node_modules'));
  fs.writeFileSync(path.join(dir, 'package.json'), '{"type":"module"}\n');
  // TypeScript syntax: only tsx runs it.
  write(path.join(dir, 'src/cli/main.ts'), "const ran: string = 'src';\nprocess.stdout.write(ran + '\\n');\n", old);
  write(path.join(dir, 'src/db/migrations/0001.sql'), 'SELECT 1;\n', old);

  it('no dist/: src/ through tsx, nothing on stderr', async () => {
    assert.deepEqual(await run(dir), { code: 0, stdout: 'src\n', stderr: '' });
  });

  it('a dist/ newer than src/: dist/', async () => {
    write(path.join(dir, 'dist/cli/main.js'), "process.stdout.write('dist\\n');\n");
    write(path.join(dir, 'dist/BUILT'), '');
    assert.deepEqual(await run(dir), { code: 0, stdout: 'dist\n', stderr: '' });
  });

  it('a file in src/ edited after the build: src/, and stderr says why', async () => {
    const sql = path.join(dir, 'src/db/migrations/0001.sql');
    fs.utimesSync(sql, new Date(), new Date(Date.now() + 1000));
    const res = await run(dir);
    assert.equal(res.stdout, 'src\n');
    assert.equal(
      res.stderr,
      'layers: dist/ is older than src/db/migrations/0001.sql; running src/ through tsx (npm run build to refresh)\n',
    );
    fs.utimesSync(sql, old, old);
  });

  it('no dist/BUILT (not built by npm run build): src/', async () => {
    fs.rmSync(path.join(dir, 'dist/BUILT'));
    assert.equal((await run(dir)).stdout, 'src\n');
  });

  it('a production install (dist/, no src/): dist/', async () => {
    write(path.join(dir, 'dist/BUILT'), '', old);
    fs.rmSync(path.join(dir, 'src'), { recursive: true });
    assert.deepEqual(await run(dir), { code: 0, stdout: 'dist\n', stderr: '' });
  });
});
