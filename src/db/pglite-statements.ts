import { type PGlite, parse, protocol } from '@electric-sql/pglite';
import {
  inTransactionAfter,
  MAX_NAMED_PARAMETERS,
  MAX_NAMED_PER_CONNECTION,
  STALE_STATEMENT,
} from './prepared-statements.js';

// Named prepared statements on PGlite (docs/architecture.md, "Prepared statements"). PGlite's own
// query() sends each statement unnamed, as six separate calls into the WebAssembly backend (Parse,
// Describe, Bind, Describe, Execute, Sync): every call is parsed and planned again. Here a
// statement is parsed and described once, under a name, and each call is one message buffer (Bind,
// Execute, Sync) through the public wire-protocol entry point: about a third of the CPU per
// statement, and PostgreSQL's plan cache works as it does on a server connection (a generic plan
// after five executions when it is no worse).

const { serialize } = protocol;
type Messages = Awaited<ReturnType<PGlite['execProtocol']>>['messages'];

function concat(parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.set(p, offset);
    offset += p.length;
  }
  return out;
}

/** A named statement: its parameters' types, and its result's columns (none for a bare write). */
type Prepared = { name: string; types: number[]; columns: Messages };

export class PGliteStatements {
  private readonly prepared = new Map<string, Prepared>();
  private named = 0;
  /** Whether a transaction is open: a stale statement inside one has aborted it; the caller sees it. */
  private inTransaction = false;

  constructor(private readonly pg: PGlite) {}

  /** Follows BEGIN, COMMIT and ROLLBACK, which arrive as plain statements. */
  noteTransaction(sql: string) {
    this.inTransaction = inTransactionAfter(sql, this.inTransaction);
  }

  /** Runs one parameterized statement, named after its first use (unnamed past the caps). */
  async query<R>(text: string, values: readonly unknown[]): Promise<{ rows: R[]; affectedRows?: number }> {
    // runExclusive: PGlite's own lock, which its query() and exec() take too (not re-entrant).
    const named = await this.pg.runExclusive(async () => {
      const statement = await this.statementFor(text, values.length);
      if (!statement) return undefined;
      try {
        const { messages } = await this.pg.execProtocol(this.bind(statement, values));
        return this.parse<R>([...statement.columns, ...messages]);
      } catch (err) {
        if (!STALE_STATEMENT.has((err as { code?: string }).code ?? '')) throw err;
        // A plan whose result type changed under it (a migration: 0A000), or names dropped behind
        // our back (DEALLOCATE ALL: 26000). As a fresh server connection would: start with none.
        this.prepared.clear();
        // (Refused inside the aborted transaction: those names stay unused, new ones are numbered on.)
        await this.pg.execProtocol(serialize.query('DEALLOCATE ALL'), { throwOnError: false });
        if (this.inTransaction) throw err;
        return undefined;
      }
    });
    return named ?? this.pg.query<R>(text, values as unknown[]);
  }

  private async statementFor(text: string, parameters: number): Promise<Prepared | undefined> {
    const known = this.prepared.get(text);
    if (known || parameters > MAX_NAMED_PARAMETERS || this.prepared.size >= MAX_NAMED_PER_CONNECTION) return known;
    const name = `l_${++this.named}`;
    const described = await this.pg.execProtocol(
      concat([serialize.parse({ name, text, types: [] }), serialize.describe({ type: 'S', name }), serialize.sync()]),
    );
    const statement = {
      name,
      types: parse.parseDescribeStatementResults(described.messages),
      // Its columns, described once here: the calls need not ask again (a change of them is 0A000).
      columns: described.messages.filter((m) => m.name === 'rowDescription'),
    };
    this.prepared.set(text, statement);
    return statement;
  }

  private bind({ name, types }: Prepared, values: readonly unknown[]): Uint8Array {
    // The same text form PGlite's query() sends: its serializer for the parameter's type, else toString.
    const serialized = values.map((v, i) => {
      if (v === null || v === undefined) return null;
      const serializer = this.pg.serializers[types[i]!];
      return serializer ? serializer(v) : String(v);
    });
    return concat([serialize.bind({ statement: name, values: serialized }), serialize.execute({}), serialize.sync()]);
  }

  private parse<R>(messages: Messages) {
    const result = parse.parseResults(messages, this.pg.parsers)[0];
    return { rows: (result?.rows ?? []) as R[], affectedRows: result?.affectedRows };
  }
}
