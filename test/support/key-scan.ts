import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { unseal } from '../../src/crypto/aead.js';
import { openKeyRing } from '../../src/crypto/key-ring.js';
import { createTokenCrypto } from '../../src/crypto/token-envelope.js';
import { openDatabase, openEmbeddedDatabase } from '../../src/db/client.js';

// "The token is gone", checked against the bytes a database keeps — live rows, dead tuples, WAL,
// dumps — not against SELECT. A wrapped data key is 1 | epoch(4) | iv | tag | key (65 bytes): for
// every epoch the ring still holds, every place its header occurs is tried as a wrapped key of
// every subject the test made. What opens names a subject whose token is still recoverable.

const WRAPPED = 65;

/** Subjects (account ids) whose wrapped data key some remaining key opens, somewhere in `bytes`. */
export function openableSubjects(
  bytes: Buffer,
  keyRing: { dir: string; masterKey: Buffer },
  subjects: string[],
): Set<string> {
  const found = new Set<string>();
  for (const e of openKeyRing(keyRing.dir, keyRing.masterKey).epochs()) {
    const header = Buffer.alloc(5);
    header[0] = 1;
    header.writeUInt32BE(e.epoch, 1);
    for (let at = bytes.indexOf(header); at !== -1; at = bytes.indexOf(header, at + 1)) {
      const blob = bytes.subarray(at + 5, at + WRAPPED);
      if (blob.length !== WRAPPED - 5) break;
      for (const s of subjects) {
        try {
          unseal(e.key, blob, `dek:${s}:e${e.epoch}`);
          found.add(s);
        } catch {
          // not this subject's key (or not a wrapped key at all)
        }
      }
    }
  }
  return found;
}

/** Every file under `dir`, whole (an embedded database's heap, WAL, free space maps …). */
export function filesUnder(dir: string): { file: string; bytes: Buffer }[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((d) => d.isFile())
    .map((d) => path.join(d.parentPath ?? (d as unknown as { path: string }).path, d.name))
    .map((file) => ({ file, bytes: fs.readFileSync(file) }));
}

/**
 * What a PostgreSQL database keeps of our rows: every heap page of every table (dead tuples too,
 * through pageinspect), a plain pg_dump with its bytea values decoded, and the cluster's WAL files.
 */
export async function postgresBytes(url: string): Promise<{ source: string; bytes: Buffer }[]> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  const out: { source: string; bytes: Buffer }[] = [];
  try {
    await c.query('CREATE EXTENSION IF NOT EXISTS pageinspect');
    const rels = await c.query<{ rel: string; pages: number }>(`
      SELECT c.oid::regclass::text AS rel, (pg_relation_size(c.oid) / current_setting('block_size')::int)::int AS pages
      FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
      WHERE c.relkind IN ('r', 't') AND n.nspname NOT IN ('pg_catalog', 'information_schema')`);
    for (const { rel, pages } of rels.rows) {
      const chunks: Buffer[] = [];
      for (let i = 0; i < pages; i++)
        chunks.push((await c.query<{ p: Buffer }>('SELECT get_raw_page($1, $2) AS p', [rel, i])).rows[0]!.p);
      out.push({ source: `heap ${rel}`, bytes: Buffer.concat(chunks) });
    }
    const dataDir = (await c.query<{ d: string }>("SELECT current_setting('data_directory') AS d")).rows[0]!.d;
    for (const f of fs.readdirSync(path.join(dataDir, 'pg_wal'), { withFileTypes: true })) {
      if (f.isFile())
        out.push({ source: `wal ${f.name}`, bytes: fs.readFileSync(path.join(dataDir, 'pg_wal', f.name)) });
    }
  } finally {
    await c.end();
  }
  const u = new URL(url);
  const dump = execFileSync(
    'pg_dump',
    ['-h', u.hostname, '-p', u.port || '5432', '-U', u.username || 'postgres', u.pathname.slice(1)],
    { maxBuffer: 1 << 28 },
  ).toString('utf8');
  const bytea = [...dump.matchAll(/\\\\x([0-9a-f]+)/g)].map((m) => Buffer.from(m[1]!, 'hex'));
  out.push({ source: 'pg_dump', bytes: Buffer.concat(bytea) });
  return out;
}

/**
 * Opens every token the database stores (accounts, upstream-revocation jobs, the lease pool) with
 * the master key and the ring in `keyRingDir`, as a restarted process would: the ids that fail.
 */
export async function unopenableTokens(opts: {
  databaseUrl?: string;
  dataDir: string;
  keyRingDir: string;
  masterKey: Buffer;
}) {
  // The embedded database opens as a server would: holding the data directory's lock.
  const handle = opts.databaseUrl
    ? await openDatabase({ databaseUrl: opts.databaseUrl })
    : await openEmbeddedDatabase(opts.dataDir);
  const crypto = createTokenCrypto(opts.masterKey, openKeyRing(opts.keyRingDir, opts.masterKey));
  try {
    const rows = [
      ...(await handle.db
        .selectFrom('social_accounts')
        .select(['id as subject', 'token_version as version', 'token_ciphertext', 'token_wrapped_key'])
        .execute()),
      ...(await handle.db
        .selectFrom('upstream_revocations')
        .select(['social_account_id as subject', 'token_version as version', 'token_ciphertext', 'token_wrapped_key'])
        .execute()),
      ...(
        await handle.db
          .selectFrom('lease_pool_accounts')
          .select(['id as subject', 'token_ciphertext', 'token_wrapped_key'])
          .execute()
      ).map((r) => ({ ...r, version: 0 })),
    ].filter((r) => r.token_wrapped_key !== null);
    const failed: string[] = [];
    for (const r of rows) {
      try {
        crypto.open(r.subject, r.version, { ciphertext: r.token_ciphertext!, wrappedKey: r.token_wrapped_key! });
      } catch (err) {
        failed.push(`${r.subject}: ${(err as Error).message}`);
      }
    }
    return { opened: rows.length - failed.length, failed };
  } finally {
    await handle.close();
  }
}
