import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Clock } from './clock.js';
import type { Config } from './config.js';
import { ConfigError } from './config.js';
import { openKeyRing } from './crypto/key-ring.js';
import { prepareKeyRing } from './crypto/key-ring-rotation.js';
import { createTokenCrypto, type TokenCrypto } from './crypto/token-envelope.js';
import type { Db } from './db/client.js';

/**
 * The master key and the operator token: from the environment, or (embedded default, not in
 * production) generated once into the data directory, readable by the owner only.
 */
export function loadSecrets(config: Config): { masterKey: Buffer; adminToken: string } {
  if (config.nodeEnv === 'production' && (!config.masterKey || !config.adminToken)) {
    throw new ConfigError('In production LAYERS_MASTER_KEY and LAYERS_ADMIN_TOKEN must be set.');
  }
  const masterKey =
    config.masterKey ??
    Buffer.from(
      readOrCreate(config.dataDir, 'master.key', () => randomBytes(32).toString('base64')),
      'base64',
    );
  const adminToken =
    config.adminToken ??
    readOrCreate(config.dataDir, 'admin-token', () => `lat_${randomBytes(32).toString('base64url')}`);
  if (masterKey.length !== 32)
    throw new ConfigError(`${path.join(config.dataDir, 'master.key')} does not hold a 32-byte key.`);
  return { masterKey, adminToken };
}

/**
 * The token envelope over the configured key ring, checked against the database (and given its
 * first epoch on a new installation). Call after migrations.
 */
export async function openTokenCrypto(
  config: Pick<Config, 'keyRingDir'>,
  masterKey: Buffer,
  db: Db,
  clock: Clock,
): Promise<TokenCrypto> {
  const tokenCrypto = createTokenCrypto(masterKey, openKeyRing(config.keyRingDir, masterKey));
  await prepareKeyRing({ db, tokenCrypto, clock });
  return tokenCrypto;
}

function readOrCreate(dir: string, name: string, make: () => string): string {
  const file = path.join(dir, name);
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  try {
    fs.writeFileSync(file, `${make()}\n`, { mode: 0o600, flag: 'wx' }); // wx: never overwrite a key
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  return fs.readFileSync(file, 'utf8').trim();
}
