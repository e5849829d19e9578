import { MIGRATIONS as SQLITE_MIGRATIONS } from '../sqlite-dialect/schema.ts';

/**
 * D1 is SQLite, so it keeps the very same tables, indexes and triggers as the sqlite adapter, but
 * for the overview's per-day counts (migration 7): D1 counts a trigger's writes among a statement's
 * changes, which the adapter reads as events inserted and rows erased, so on D1 the overview scans
 * the events instead (sqlite-dialect/console-queries.ts overviewScanQueries); so do the figures, which
 * read the same per-day senders and the figure_facts their trigger keeps (migration 10).
 * D1 prepares one statement at a time, though: each migration is split at the semicolons that
 * end a line (a trigger's inner `...; end;` stays on one line in sqlite-dialect/schema.ts).
 */
export const MIGRATIONS: readonly (readonly string[])[] = SQLITE_MIGRATIONS.map((migration) =>
  statementsOf(migration).filter((statement) => !statement.includes('overview_') && !statement.includes('figure_')),
);

function statementsOf(migration: string): string[] {
  return migration
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter((statement) => statement !== '');
}
