import { randomUUID } from 'node:crypto';
import { CompiledQuery, type KyselyPlugin, PostgresQueryCompiler, type QueryId, type UnknownRow } from 'kysely';
import type pg from 'pg';
import type { Db } from '../src/db/client.js';
import { newRequestId } from '../src/ids.js';

// The bare baselines are the server's own statements, recorded and replayed straight through the
// driver: the same SQL text, in the same order, in the same transaction, with the same round trips
// — only without the server (HTTP, guards, Kysely's query building, services). Whatever the db
// layer issues today is what the baseline races, so a change to the queries changes both sides.

/** One statement as the driver received it, with the rows it returned. */
export type Statement = { sql: string; parameters: readonly unknown[]; rows: UnknownRow[] };

/**
 * A Kysely plugin that records every statement a handle runs: it compiles each query as the
 * dialect does (PostgresQueryCompiler, for both databases) and keeps the rows it returns.
 * Used only on a recording handle (db.withPlugin), never on the handle the server serves with.
 */
export function recorder() {
  const compiler = new PostgresQueryCompiler();
  const log: Statement[] = [];
  const byQuery = new WeakMap<QueryId, Statement>();
  const plugin: KyselyPlugin = {
    transformQuery({ node, queryId }) {
      const { sql, parameters } = compiler.compileQuery(node, queryId);
      const s: Statement = { sql, parameters, rows: [] };
      log.push(s);
      byQuery.set(queryId, s);
      return node;
    },
    async transformResult({ result, queryId }) {
      const s = byQuery.get(queryId);
      if (s) s.rows = [...result.rows];
      return result;
    },
  };
  return { plugin, log };
}

/** Runs one statement and returns its rows. */
export type Run = (sql: string, parameters: unknown[]) => Promise<UnknownRow[]>;

/** The driver under the server, used bare: the same pool (PostgreSQL) or the same one connection (PGlite). */
export type Driver = {
  /** BEGIN, fn, COMMIT on one connection (ROLLBACK on error), as Kysely's transaction does. */
  transaction<T>(fn: (run: Run) => Promise<T>): Promise<T>;
  /** One autocommit statement on a connection of its own, as Kysely runs a query outside a transaction. */
  run: Run;
};

/**
 * node-postgres with named statements (`{ name, text, values }`): each connection parses and
 * plans a statement once, then only binds and executes it — as the server's driver layer does
 * (src/db/prepared-statements.ts, by SQL text), with its exceptions: no parameters → the simple
 * protocol, more than 32 (its MAX_NAMED_PARAMETERS) → unnamed.
 */
export function pgDriver(pool: pg.Pool): Driver {
  const names = new Map<string, string>();
  const named = (text: string, values: unknown[]): pg.QueryConfig | string => {
    if (values.length === 0) return text;
    if (values.length > 32) return { text, values };
    let name = names.get(text);
    if (!name) {
      name = `bench_bare_${names.size}`;
      names.set(text, name);
    }
    return { name, text, values };
  };
  return {
    async transaction(fn) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const result = await fn(async (text, values) => (await client.query(named(text, values))).rows);
        await client.query('COMMIT');
        return result;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    run: async (text, values) => (await pool.query(named(text, values))).rows,
  };
}

/**
 * PGlite through the connection Kysely hands out (its FIFO mutex: PGlite is one connection, and
 * a transaction must hold it throughout), each statement sent as the server's dialect sends it.
 */
export function pgliteDriver(db: Db): Driver {
  const exec = (conn: Db, sql: string, parameters: unknown[]) =>
    conn.executeQuery(CompiledQuery.raw(sql, parameters)).then((r) => r.rows as UnknownRow[]);
  return {
    transaction: (fn) =>
      db.connection().execute(async (conn) => {
        await exec(conn, 'BEGIN', []);
        try {
          const result = await fn((sql, parameters) => exec(conn, sql, parameters));
          await exec(conn, 'COMMIT', []);
          return result;
        } catch (err) {
          await exec(conn, 'ROLLBACK', []).catch(() => {});
          throw err;
        }
      }),
    run: (sql, parameters) => db.connection().execute((conn) => exec(conn, sql, parameters)),
  };
}

// Ids (prefix_uuid, req_ulid) and wire timestamps, wherever they occur in a parameter (JSON included).
const UUID = '[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}';
const ULID = '[0-9A-HJKMNP-TV-Z]{26}';
const TOKEN = new RegExp(
  `\\b([a-z]{2,5})_(?:${UUID}|${ULID})\\b|\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z`,
  'g',
);

const keyOf = (v: unknown): string | undefined =>
  typeof v === 'string'
    ? `s${v}`
    : v instanceof Date
      ? `d${v.getTime()}`
      : v instanceof Uint8Array
        ? `b${Buffer.from(v).toString('base64')}`
        : undefined;

/**
 * Replays a recorded statement sequence for another subject (another account): every value that
 * came from the recorded subject — its id, the rows the statements returned (post ids, the
 * sealed token), ids and timestamps inside JSON — is mapped to the subject's own; ids the server
 * generated during the recording (event ids) are generated afresh; the recording's `now` becomes
 * the replay's. Values in `constants` (the organization, the key, the request id) stay as they
 * are. Each statement must return as many rows as it did when recorded: the replay does the
 * same work or fails. Returns the last statement's rows.
 */
export function replayer(statements: Statement[], constants: string[]) {
  const fixed = new Set(constants.map((c) => `s${c}`));
  for (const s of statements) for (const row of s.rows) for (const v of Object.values(row)) fixed.add(keyOf(v) ?? '');

  return async function replay(run: Run, subject: { from: string; to: string }, only?: (s: Statement) => boolean) {
    const now = new Date();
    const nowWire = now.toISOString();
    const map = new Map<string, unknown>([[`s${subject.from}`, subject.to]]);
    const token = (t: string, prefix?: string) => {
      const mapped = map.get(`s${t}`);
      if (mapped !== undefined) return mapped as string;
      if (!prefix) return nowWire; // a timestamp not read from a row: the recording's `now`
      if (fixed.has(`s${t}`)) return t;
      const fresh = prefix === 'req' ? newRequestId() : `${prefix}_${randomUUID()}`;
      map.set(`s${t}`, fresh);
      return fresh;
    };
    const param = (v: unknown): unknown => {
      const k = keyOf(v);
      if (k === undefined) return v;
      if (map.has(k)) return map.get(k);
      if (v instanceof Date) return now;
      if (typeof v === 'string') return v.replace(TOKEN, (t, prefix?: string) => token(t, prefix));
      return v;
    };
    let last: UnknownRow[] = [];
    for (const s of statements) {
      if (only && !only(s)) continue;
      const rows = await run(s.sql, s.parameters.map(param));
      last = rows;
      if (rows.length !== s.rows.length)
        throw new Error(`bare replay: ${rows.length} rows, recorded ${s.rows.length}: ${s.sql.slice(0, 120)}`);
      rows.forEach((row, i) => {
        for (const [col, was] of Object.entries(s.rows[i]!)) {
          const k = keyOf(was);
          if (k === undefined || keyOf(row[col]) === k) continue;
          map.set(k, row[col]);
          if (was instanceof Date) map.set(`s${was.toISOString()}`, (row[col] as Date).toISOString());
        }
      });
    }
    return last;
  };
}

/** What the report shows of a recording: each statement's SQL, one line each. */
export const describe = (statements: Statement[]) => statements.map((s) => s.sql.replace(/\s+/g, ' ').trim());
