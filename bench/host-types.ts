import type { RateLimitStore } from '../src/http/guards/rate-limit.js';

export type DbKind = 'pglite' | 'postgres';

export type HostOptions = {
  kind: DbKind;
  /** PostgreSQL server; the host works in a fresh schema of its own and drops it on close. */
  databaseUrl: string;
  /** The server's log level; logs go wherever the process's stdout goes (/dev/null in a child). */
  logLevel: 'silent' | 'info' | 'warn';
};

export type HostInfo = {
  kind: DbKind;
  /** The server process. */
  pid: number;
  apiUrl: string;
  /** The recorded statements behind bare node:http (floor.ts), for the same load client. */
  floorUrl: string;
  /** PostgreSQL: the application_name of the server's connections ('' on PGlite). */
  applicationName: string;
  /** One `Bearer` header per API key of the bench organization (KEYS of them, all scopes, partner tier). */
  authorizations: string[];
  /** The revoke fixtures' project. */
  projectId: string;
  /** A project holding LIST_ACCOUNTS connected accounts: the list measurement's page. */
  listProjectId: string;
  serverVersion: string;
  driver: string;
  poolSize: number;
  rateLimitStore: RateLimitStore['kind'];
};

/** A list's filters, as the query string gives them to the service. */
export type ListFilter = {
  status?: 'connected' | 'reauth_required' | 'disconnected';
  platform?: 'tiktok' | 'instagram';
  leased?: boolean;
};
