import { type Compilable, type CompiledQuery, NoResultError, type QueryNode, type RawBuilder } from 'kysely';
import type { Queryable } from './client.js';

// Queries built and compiled once (docs/performance.md, "What changed"): on the request's hot
// paths Kysely's building and compiling cost more JavaScript than running the statement through
// the driver. The SQL text is the same on both drivers (PGlite compiles PostgreSQL's), and on
// PostgreSQL a fixed text is one named statement, planned once per connection.

/** Stands in for an argument while the query is built: its place among the parameters is recorded. */
class Slot {
  constructor(readonly name: string) {}
}

type Buildable<R> = Compilable<R> | RawBuilder<R>;
const compile = <R>(db: Queryable, q: Buildable<R>): CompiledQuery<R> =>
  'isRawBuilder' in q ? q.compile(db) : q.compile();

type Template<R> = { query: CompiledQuery<R>; fill: ((args: Record<string, unknown>) => unknown)[] };

/**
 * A query whose SQL does not depend on its arguments. `build` is called once with stand-ins for
 * the arguments and may use each only as a value (in a comparison, a `set`, a `values` row, a
 * `sql` parameter), never to choose the SQL nor inside an expression computed in JavaScript;
 * arguments are flat (`{ id, now }`, not `{ after: { id } }`) and never undefined (a `values`
 * row built per call would drop an undefined column; here it is sent as NULL). Queries whose shape varies are
 * several of these, one per shape. Each call runs the compiled text with its own arguments.
 */
export function compiledOnce<A extends Record<string, unknown>, R>(build: (db: Queryable, args: A) => Buildable<R>) {
  let template: Template<R> | undefined;
  const stand = new Proxy({} as A, { get: (_, name) => new Slot(String(name)) });

  async function rows(db: Queryable, args: A): Promise<R[]> {
    // A plugin (a test's statement counter, the bench's recorder) sees queries as they are built: built per call then.
    if (db.getExecutor().plugins.length > 0) return (await db.executeQuery(compile(db, build(db, args)))).rows;
    template ??= compileTemplate(compile(db, build(db, stand)));
    const parameters = template.fill.map((f) => f(args));
    return (await db.executeQuery<R>({ ...template.query, parameters })).rows;
  }

  return {
    /** Every row. */
    rows,
    /** The first row, or undefined (Kysely's executeTakeFirst). */
    first: async (db: Queryable, args: A): Promise<R | undefined> => (await rows(db, args))[0],
    /** The first row, or Kysely's NoResultError (executeTakeFirstOrThrow). */
    firstOrThrow: async (db: Queryable, args: A): Promise<R> => {
      const [row] = await rows(db, args);
      if (row === undefined)
        throw new NoResultError((template?.query ?? compile(db, build(db, args))).query as QueryNode);
      return row;
    },
  };
}

function compileTemplate<R>(query: CompiledQuery<R>): Template<R> {
  const fill = query.parameters.map((p) => {
    if (p instanceof Slot) return (args: Record<string, unknown>) => args[p.name];
    // A constant of the query itself ('pending', the 1 of token_version + 1).
    return () => p;
  });
  return { query, fill };
}
