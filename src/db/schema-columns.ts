import type { ColumnType } from 'kysely';

// The column types every schema file shares (schema.ts, schema-events.ts, schema-publishing.ts):
// one definition each, imported, never restated.

/** timestamptz: read as a Date, written as a Date or an ISO string. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** bytea. */
export type Bytes = Uint8Array;
/** jsonb: read parsed, written as JSON text. */
export type Json = ColumnType<unknown, string, string>;
export type Platform = 'tiktok' | 'instagram';
/** The environment wall: a key of one environment never reaches the other's rows (docs/environments.md). */
export type AccountEnv = 'live' | 'test';
