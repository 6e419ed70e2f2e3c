import { createHash } from 'node:crypto';
import type { PostgresPool, PostgresPoolClient } from 'kysely';
import type pg from 'pg';

// Named prepared statements for node-postgres under Kysely (docs/architecture.md, "Prepared
// statements"). Kysely sends every statement unnamed, so PostgreSQL parses and plans it each time;
// sent as { name, text, values }, it is parsed once per connection and its plan cached. The name
// is a digest of the SQL text: the same text gets the same name on every connection, and
// node-postgres sends Parse only the first time a connection sees a name.

/** More parameters than this: sent unnamed. Such texts grow with a list's length (IN lists, bulk rows). */
export const MAX_NAMED_PARAMETERS = 32;
/** Named statements one connection keeps at most; past it new texts go unnamed (nothing is evicted). */
export const MAX_NAMED_PER_CONNECTION = 200;

// PostgreSQL refuses a prepared statement whose plan went stale in a way it cannot re-plan around
// (a `SELECT *` after a column was added: 0A000), or that the server no longer has (a pooler in
// front dropped it: 26000). The statement did not run; the connection is replaced.
export const STALE_STATEMENT = new Set(['0A000', '26000']);

/** Whether a transaction is open after the plain statement `sql` (BEGIN, COMMIT and ROLLBACK are sent as text). */
export function inTransactionAfter(sql: string, before: boolean): boolean {
  if (/^(begin|start transaction)/i.test(sql)) return true;
  if (/^(commit|rollback)$/i.test(sql)) return false;
  return before;
}

const nameCache = new Map<string, string>();

function statementName(text: string): string {
  let name = nameCache.get(text);
  if (name === undefined) {
    // 120 bits of SHA-1 in 22 characters: well under PostgreSQL's 63-byte limit on names.
    name = `l_${createHash('sha1').update(text).digest('base64url').slice(0, 20)}`;
    if (nameCache.size >= 4 * MAX_NAMED_PER_CONNECTION) nameCache.clear();
    nameCache.set(text, name);
  }
  return name;
}

type Query = pg.QueryConfig | string;

class NamingClient {
  private readonly named = new Set<string>();
  private inTransaction = false;
  private stale = false;

  constructor(private readonly client: pg.PoolClient) {}

  async query(text: string, values: unknown[]) {
    if (values.length === 0) {
      // BEGIN, COMMIT, migrations: the simple protocol, which lets a script hold several statements.
      this.inTransaction = inTransactionAfter(text, this.inTransaction);
      return this.client.query(text, values);
    }
    const name = this.nameFor(text, values.length);
    if (name === undefined) return this.client.query(text, values);
    try {
      return await this.client.query({ name, text, values } satisfies Query);
    } catch (err) {
      if (!STALE_STATEMENT.has((err as { code?: string }).code ?? '')) throw err;
      this.stale = true;
      // Inside a transaction the error has aborted it: the caller sees it. Outside, run it unnamed.
      if (this.inTransaction) throw err;
      return this.client.query(text, values);
    }
  }

  private nameFor(text: string, parameters: number): string | undefined {
    if (this.stale || parameters > MAX_NAMED_PARAMETERS) return undefined;
    const name = statementName(text);
    if (this.named.has(name)) return name;
    if (this.named.size >= MAX_NAMED_PER_CONNECTION) return undefined;
    this.named.add(name);
    return name;
  }

  release(destroy?: boolean) {
    // A connection with a stale statement is closed: its replacement starts with none.
    this.client.release(destroy || this.stale);
  }
}

/**
 * The pool Kysely's PostgresDialect gets: the same connections, each wrapped once, naming the
 * statements it sends. Kysely keeps its own per-connection state keyed on the client it is given,
 * so every checkout of one connection hands back the same wrapper.
 */
export function namingPool(pool: pg.Pool): PostgresPool {
  const wrappers = new WeakMap<pg.PoolClient, NamingClient>();
  return {
    async connect() {
      const client = await pool.connect();
      let wrapper = wrappers.get(client);
      if (!wrapper) {
        wrapper = new NamingClient(client);
        wrappers.set(client, wrapper);
      }
      return wrapper as unknown as PostgresPoolClient;
    },
    end: () => pool.end(),
  };
}
