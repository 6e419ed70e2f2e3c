import { Command } from 'commander';

export function migrateCommand(env: NodeJS.ProcessEnv) {
  return new Command('migrate')
    .summary('Apply pending database migrations and exit')
    .description(
      `Applies pending migrations to DATABASE_URL, or to the embedded database in DIR. One process
owns an embedded database: while a server holds DIR this refuses (exit 3) and changes nothing;
stop the server first. Prints {"applied": [...], "database": "pglite"|"postgres"}.`,
    )
    .option('--data-dir <dir>', 'data directory (env LAYERS_DATA_DIR, default ./.layers)')
    .action((opts: { dataDir?: string }) => runMigrate(opts, env));
}

export async function runMigrate(opts: { dataDir?: string }, env: NodeJS.ProcessEnv) {
  // Loaded here, not at the top: `layers --help` does not load the database drivers.
  const [{ loadConfig, withFlags }, { openDatabase, openEmbeddedDatabase }, { migrate }] = await Promise.all([
    import('../config.js'),
    import('../db/client.js'),
    import('../db/migrate.js'),
  ]);
  const config = loadConfig(withFlags(env, { LAYERS_DATA_DIR: opts.dataDir }));
  // Only the database: migrating needs no secrets, and creates none in the data directory.
  const handle = config.databaseUrl
    ? await openDatabase({ databaseUrl: config.databaseUrl, preparedStatements: config.pgPreparedStatements })
    : await openEmbeddedDatabase(config.dataDir);
  try {
    const applied = await migrate(handle.db);
    process.stdout.write(`${JSON.stringify({ applied, database: handle.kind })}\n`);
  } finally {
    await handle.close();
  }
}
