import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import readline from 'node:readline';
import { after, describe, it } from 'node:test';
import { fileURLToPath } from 'node:url';
import { currentProcess } from '../src/data-dir-holder.js';
import { DataDirInUseError, lockDataDir } from '../src/data-dir-lock.js';
import { openDatabase, openEmbeddedDatabase } from '../src/db/client.js';

// The data-directory lock itself: who is judged alive, what is taken over, what is refused.
// Real processes play the other holders (a lock held in this process names this process).

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const dirs: string[] = [];
function tempDir() {
  const d = fs.mkdtempSync(path.join(os.tmpdir(), 'layers-lock-'));
  dirs.push(d);
  return d;
}
after(() => {
  for (const d of dirs) fs.rmSync(d, { recursive: true, force: true });
});

const inUse = (dir: string, who: string) =>
  `data directory ${dir} is in use by another layers process (${who}); stop it first or use --data-dir`;

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  assert.equal(child.status, 0);
  return child.pid!;
}

/** A lock directory as a holder with these details would have left it. */
function plantLock(dir: string, holder: Partial<ReturnType<typeof currentProcess>>, ageMs = 0) {
  const lockPath = path.join(dir, 'layers.lock');
  fs.mkdirSync(lockPath);
  const marker = path.join(lockPath, 'holder-00000000000000aa.json');
  fs.writeFileSync(marker, JSON.stringify({ ...currentProcess(), ...holder }));
  const t = new Date(Date.now() - ageMs);
  fs.utimesSync(lockPath, t, t);
  return { lockPath, marker };
}

const lockEntries = (dir: string) => fs.readdirSync(path.join(dir, 'layers.lock'));
const holderOf = (dir: string) => {
  const [marker] = lockEntries(dir);
  return JSON.parse(fs.readFileSync(path.join(dir, 'layers.lock', marker!), 'utf8')) as { pid: number };
};

describe('data directory lock', () => {
  it('a held directory is refused (naming the holder), and free again once released', async () => {
    const dir = tempDir();
    const lock = await lockDataDir(dir);
    assert.equal(holderOf(dir).pid, process.pid);
    await assert.rejects(lockDataDir(dir), (err: Error) => {
      assert.ok(err instanceof DataDirInUseError, String(err));
      assert.equal(err.message, inUse(dir, `pid ${process.pid}`));
      return true;
    });
    await lock.release();
    assert.deepEqual(fs.readdirSync(dir), [], 'release leaves nothing behind');
    await (await lockDataDir(dir)).release();
  });

  it('a dead holder’s lock is taken over at once; a reused pid (other start time) counts as dead', async () => {
    for (const holder of [{ pid: deadPid() }, { pid: process.pid, startTime: '1' }]) {
      const dir = tempDir();
      plantLock(dir, holder);
      const started = performance.now();
      const lock = await lockDataDir(dir);
      assert.ok(performance.now() - started < 1_000, 'no waiting for a timeout');
      assert.equal(holderOf(dir).pid, process.pid, JSON.stringify(holder));
      assert.equal(lockEntries(dir).length, 1, 'the dead marker is gone');
      await lock.release();
    }
  });

  it('a holder in another pid namespace is judged by the heartbeat: refused while fresh, taken over once stale', async () => {
    const foreign = { pid: 4242, where: 'another-boot/pid:[1]', host: 'other-host' };
    const fresh = tempDir();
    plantLock(fresh, foreign);
    await assert.rejects(lockDataDir(fresh), {
      name: 'DataDirInUseError',
      message: inUse(fresh, 'pid 4242 on other-host'),
    });
    assert.equal(holderOf(fresh).pid, 4242, 'refused: untouched');

    const stale = tempDir();
    plantLock(stale, foreign, 120_000);
    const lock = await lockDataDir(stale);
    assert.equal(holderOf(stale).pid, process.pid);
    await lock.release();
  });

  it('openDatabase refuses an on-disk directory that is not locked; openEmbeddedDatabase locks it and releases on close', async () => {
    const dir = tempDir();
    await assert.rejects(openDatabase({ pgliteDir: path.join(dir, 'pgdata') }), /lock its data directory first/);
    assert.deepEqual(fs.readdirSync(dir), [], 'nothing created');
    const handle = await openEmbeddedDatabase(dir);
    await assert.rejects(openEmbeddedDatabase(dir), { name: 'DataDirInUseError' });
    await handle.close();
    assert.deepEqual(fs.readdirSync(dir), ['pgdata']);
  });

  it('a lock taken away from its holder is reported to it (the heartbeat sees it)', async () => {
    const dir = tempDir();
    let compromised: Error | undefined;
    let reported!: () => void;
    const seen = new Promise<void>((resolve) => (reported = resolve));
    // Held first, then taken away (a fixed sleep here raced a slow acquisition on a loaded machine).
    await lockDataDir(dir, {
      onCompromised: (err) => {
        compromised = err;
        reported();
      },
    });
    fs.rmSync(path.join(dir, 'layers.lock'), { recursive: true });
    let timer: NodeJS.Timeout | undefined; // a live timer also keeps this process up: the heartbeat's is unref'd
    const timeout = new Promise(
      (_, reject) => (timer = setTimeout(() => reject(new Error('not reported within 10 s')), 10_000)),
    );
    await Promise.race([seen, timeout]).finally(() => clearTimeout(timer));
    assert.equal((compromised as NodeJS.ErrnoException).code, 'ECOMPROMISED');
  });

  it('4 processes racing for one dead lock: exactly one takes it, the others name the winner; 5 rounds', async () => {
    const dir = tempDir();
    const procs = Array.from({ length: 4 }, () => {
      const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/lock-holder.ts', dir], {
        cwd: ROOT,
        stdio: ['pipe', 'pipe', 'inherit'],
      });
      const lines = readline.createInterface({ input: child.stdout! });
      const queue: string[] = [];
      const waiting: ((line: string) => void)[] = [];
      lines.on('line', (l) => (waiting.length ? waiting.shift()!(l) : queue.push(l)));
      const next = () => (queue.length ? Promise.resolve(queue.shift()!) : new Promise<string>((r) => waiting.push(r)));
      return { child, next, send: (line: string) => child.stdin!.write(`${line}\n`) };
    });
    try {
      for (const p of procs) assert.equal(await p.next(), 'ready');
      for (let round = 1; round <= 5; round++) {
        plantLock(dir, { pid: deadPid() });
        for (const p of procs) p.send('go');
        const results = await Promise.all(procs.map((p) => p.next()));
        const winners = results.flatMap((r, i) => (r === 'locked' ? [procs[i]!] : []));
        assert.equal(winners.length, 1, `round ${round}: ${JSON.stringify(results)}`);
        const winner = winners[0]!.child.pid!;
        assert.equal(holderOf(dir).pid, winner);
        for (const r of results.filter((x) => x !== 'locked'))
          assert.equal(r, `refused ${inUse(dir, `pid ${winner}`)}`, `round ${round}`);
        winners[0]!.send('release');
        assert.equal(await winners[0]!.next(), 'released');
        assert.deepEqual(
          fs.readdirSync(dir).filter((n) => n.startsWith('layers.lock')),
          [],
          `round ${round}: nothing left behind`,
        );
      }
    } finally {
      for (const p of procs) p.child.stdin!.end();
      await Promise.all(
        procs.map((p) => new Promise((r) => (p.child.exitCode !== null ? r(null) : p.child.on('exit', r)))),
      );
    }
  });
});
