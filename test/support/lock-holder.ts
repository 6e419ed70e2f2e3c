import readline from 'node:readline';
import { DataDirInUseError, type DataDirLock, lockDataDir } from '../../src/data-dir-lock.js';

// A process that contends for a data directory's lock on command, for the lock tests: it prints
// "ready", then on each stdin line "go" tries once ("locked" or "refused <message>"), on
// "release" lets go ("released"). Ends when stdin closes, releasing what it holds.

const dir = process.argv[2]!;
let lock: DataDirLock | undefined;
const say = (line: string) => process.stdout.write(`${line}\n`);

const lines = readline.createInterface({ input: process.stdin });
lines.on('line', async (command) => {
  if (command === 'go') {
    try {
      lock = await lockDataDir(dir);
      say('locked');
    } catch (err) {
      if (!(err instanceof DataDirInUseError)) throw err;
      say(`refused ${err.message}`);
    }
  } else if (command === 'release') {
    await lock?.release();
    lock = undefined;
    say('released');
  }
});
lines.on('close', async () => {
  await lock?.release();
  process.exit(0);
});
say('ready');
