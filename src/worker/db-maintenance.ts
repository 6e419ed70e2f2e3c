import type { Db } from '../db/client.js';
import { type TableActivity, tableActivity, vacuumOrAnalyze } from '../db/queries/maintenance.js';

// What autovacuum would do, for the embedded database (docs/operations.md#embedded-database-maintenance).
// PGlite is one connection in single-user mode: no autovacuum, so dead rows pile up, tables and
// indexes bloat, and without statistics the planner picks poor plans as tables grow. The worker
// vacuums and analyzes the tables that crossed PostgreSQL's own autovacuum thresholds, one
// statement (one table's VACUUM, or its ANALYZE) at a time between the requests it delays: a step
// holds the connection for as long as that takes, and a pass stops starting steps once its time
// budget is spent.

// PostgreSQL's defaults (autovacuum_vacuum_threshold / _scale_factor, the insert and analyze
// ones): a table is due once this many rows changed, plus this share of its size.
const VACUUM_DEAD = { base: 50, share: 0.2 };
const VACUUM_INSERTED = { base: 1_000, share: 0.2 };
const ANALYZE_CHANGED = { base: 50, share: 0.1 };
/** A pass starts no further step once this much time went into the ones before. */
export const MAINTENANCE_BUDGET_MS = 1_000;

type Need = { table: string; vacuum: boolean; analyze: boolean };
/** One statement: VACUUM or ANALYZE of one table (both are two steps, so a request waits for one at most). */
export type MaintenanceStep = { table: string; action: 'vacuum' | 'analyze'; ms: number };
export type MaintenanceSummary =
  | { skipped: 'postgresql-autovacuum' | 'not-due' }
  | { steps: MaintenanceStep[]; remaining: number };

const over = (n: number, rows: number, t: { base: number; share: number }) => n > t.base + t.share * rows;

/**
 * What a table needs. A table not yet vacuumed (or analyzed) since the database was opened gets
 * it once when it holds anything: PGlite's activity counters start at zero on every open, so the
 * dead rows a previous run left are otherwise invisible.
 */
export function needOf(t: TableActivity): Need {
  const vacuum =
    over(t.deadRows, t.rows, VACUUM_DEAD) ||
    over(t.insertedSinceVacuum, t.rows, VACUUM_INSERTED) ||
    (!t.vacuumed && t.pages > 0);
  const analyze = over(t.modifiedSinceAnalyze, t.rows, ANALYZE_CHANGED) || (!t.analyzed && t.pages > 0);
  return { table: t.table, vacuum, analyze };
}

export type MaintenanceDeps = {
  db: Db;
  /** PostgreSQL (or unset): nothing to do, autovacuum runs there. */
  dbKind?: 'pglite' | 'postgres';
  signal?: AbortSignal;
  /** Default MAINTENANCE_BUDGET_MS; Infinity: every due table in one pass. */
  budgetMs?: number;
};

/**
 * One maintenance pass on the embedded database: the due tables, most dead rows first, each
 * VACUUM and each ANALYZE a statement of its own, until the budget is spent. `remaining`: steps
 * left for the next pass.
 */
export async function runDatabaseMaintenance(deps: MaintenanceDeps): Promise<MaintenanceSummary> {
  if (deps.dbKind !== 'pglite') return { skipped: 'postgresql-autovacuum' };
  const budgetMs = deps.budgetMs ?? MAINTENANCE_BUDGET_MS;
  const activity = await tableActivity(deps.db);
  const due = activity
    .sort((a, b) => b.deadRows - a.deadRows || a.table.localeCompare(b.table))
    .map(needOf)
    .flatMap((n) => [
      ...(n.vacuum ? [{ table: n.table, action: 'vacuum' as const }] : []),
      ...(n.analyze ? [{ table: n.table, action: 'analyze' as const }] : []),
    ]);
  const started = performance.now();
  const steps: MaintenanceStep[] = [];
  for (const step of due) {
    if (deps.signal?.aborted || (steps.length > 0 && performance.now() - started >= budgetMs)) break;
    const t = performance.now();
    await vacuumOrAnalyze(deps.db, step.table, step.action);
    steps.push({ ...step, ms: Math.round(performance.now() - t) });
  }
  return { steps, remaining: due.length - steps.length };
}

/** When each database's next pass is due (the worker's passes are far more frequent than maintenance). */
const nextDue = new WeakMap<Db, number>();

/**
 * The worker's job: a maintenance pass every `intervalMs` (the first one interval after the
 * worker's first pass, so start-up and the first requests never wait behind it), and at the next
 * worker pass again while the last one left steps behind (a backlog drains a budget at a time).
 */
export async function maintainIfDue(
  deps: MaintenanceDeps & { intervalMs: number | undefined; now: () => number },
): Promise<MaintenanceSummary> {
  if (deps.dbKind !== 'pglite') return { skipped: 'postgresql-autovacuum' };
  if (!deps.intervalMs) return { skipped: 'not-due' };
  const due = nextDue.get(deps.db);
  if (due === undefined) nextDue.set(deps.db, deps.now() + deps.intervalMs);
  if (due === undefined || deps.now() < due) return { skipped: 'not-due' };
  const summary = await runDatabaseMaintenance(deps);
  if ('remaining' in summary && summary.remaining === 0) nextDue.set(deps.db, deps.now() + deps.intervalMs);
  return summary;
}
