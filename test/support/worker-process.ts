import { pino } from 'pino';
import { systemClock } from '../../src/clock.js';
import { openKeyRing } from '../../src/crypto/key-ring.js';
import { createTokenCrypto } from '../../src/crypto/token-envelope.js';
import { openDatabase } from '../../src/db/client.js';
import { createSandboxAdapters } from '../../src/platforms/index.js';
import { runPublisher } from '../../src/worker/publisher.js';

// A publisher in a process of its own, for tests that kill it (test/worker/publisher-crash.test.ts).
// One pass against a PostgreSQL schema, publishing to a sandbox platform; with WORKER_PAUSE_AT it
// prints {"paused": point} when it reaches that fault point and waits there until it is killed.
//   WORKER_DATABASE_URL, WORKER_SEARCH_PATH, WORKER_MASTER_KEY (base64), WORKER_KEYRING_DIR, WORKER_SANDBOX_URL, WORKER_PAUSE_AT?

const env = (name: string) => {
  const v = process.env[name];
  if (!v) throw new Error(`${name} is required`);
  return v;
};

const handle = await openDatabase({
  databaseUrl: env('WORKER_DATABASE_URL'),
  searchPath: env('WORKER_SEARCH_PATH'),
  poolSize: 4,
});
const pauseAt = process.env.WORKER_PAUSE_AT;
const masterKey = Buffer.from(env('WORKER_MASTER_KEY'), 'base64');
const summary = await runPublisher({
  db: handle.db,
  clock: systemClock,
  tokenCrypto: createTokenCrypto(masterKey, openKeyRing(env('WORKER_KEYRING_DIR'), masterKey)),
  adapters: createSandboxAdapters(env('WORKER_SANDBOX_URL'), { timeoutMs: 2_000 }),
  log: pino({ level: 'silent' }),
  fault: async (point) => {
    if (point !== pauseAt) return;
    process.stdout.write(`${JSON.stringify({ paused: point })}\n`);
    setInterval(() => {}, 60_000); // keeps the process alive, paused, until SIGKILL
    await new Promise(() => {});
  },
});
process.stdout.write(`${JSON.stringify({ summary })}\n`);
await handle.close();
