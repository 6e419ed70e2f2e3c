import fs from 'node:fs';
import { after, before } from 'node:test';
import { openDatabase, openEmbeddedDatabase } from '../../src/db/client.js';
import { createDatabase, type Server, startServer, tempDir } from './support.js';

/**
 * Where one crash suite's servers keep their data: a fresh data directory (PGlite) or a database
 * of its own (PostgreSQL). Call it inside the `describe`: its hooks create the database first and,
 * after the suite, kill -9 the last server started and remove the data.
 */
export function crashSite(kind: 'pglite' | 'postgres', label: string) {
  const dataDir = tempDir(`${label}-${kind}`);
  let database: Awaited<ReturnType<typeof createDatabase>> | undefined;
  let last: Server | undefined;

  before(async () => {
    if (kind === 'postgres') database = await createDatabase();
  });
  after(async () => {
    await last?.kill9();
    fs.rmSync(dataDir, { recursive: true, force: true });
    await database?.drop();
  });

  return {
    dataDir,
    /** The PostgreSQL database's URL; undefined on PGlite. */
    databaseUrl: () => database?.url,
    /** `layers serve` on this site's data, with `env` added to its environment (undefined: left out). */
    async start(env: Record<string, string | undefined> = {}): Promise<Server> {
      last = await startServer({ dataDir, env: { DATABASE_URL: database?.url, ...env } });
      return last;
    },
    /** The database opened from this process (for PGlite only while no server holds the directory). */
    open: () => (database ? openDatabase({ databaseUrl: database.url }) : openEmbeddedDatabase(dataDir)),
  };
}
