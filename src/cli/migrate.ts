import { loadConfig, withFlags } from '../config.js';
import { openDatabase, openEmbeddedDatabase } from '../db/client.js';
import { migrate } from '../db/migrate.js';
import { parse } from './args.js';

export const MIGRATE_HELP = `Usage: layers migrate [--data-dir DIR]

Applies pending migrations to DATABASE_URL, or to the embedded database in DIR
(env LAYERS_DATA_DIR, default ./.layers). One process owns an embedded database: while a
server holds DIR this refuses (exit 3) and changes nothing; stop the server first.
Prints {"applied": [...]} .`;

export async function runMigrate(argv: string[], env: NodeJS.ProcessEnv) {
  const args = parse(argv, { 'data-dir': { type: 'string' } }, MIGRATE_HELP);
  if (!args) return;
  const config = loadConfig(withFlags(env, { LAYERS_DATA_DIR: args.values['data-dir'] }));
  // Only the database: migrating needs no secrets, and creates none in the data directory.
  const handle = config.databaseUrl
    ? await openDatabase({ databaseUrl: config.databaseUrl })
    : await openEmbeddedDatabase(config.dataDir);
  try {
    const applied = await migrate(handle.db);
    process.stdout.write(`${JSON.stringify({ applied, database: handle.kind })}\n`);
  } finally {
    await handle.close();
  }
}
