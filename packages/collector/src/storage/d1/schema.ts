import { MIGRATIONS as SQLITE_MIGRATIONS } from '../sqlite-dialect/schema.ts';

/**
 * D1 is SQLite, so it keeps the very same tables, indexes and triggers as the sqlite adapter.
 * D1 prepares one statement at a time, though: each migration is split at the semicolons that
 * end a line (a trigger's inner `...; end;` stays on one line in sqlite-dialect/schema.ts).
 */
export const MIGRATIONS: readonly (readonly string[])[] = SQLITE_MIGRATIONS.map(statementsOf);

function statementsOf(migration: string): string[] {
  return migration
    .split(/;[ \t]*(?:\r?\n|$)/)
    .map((statement) => statement.replace(/^\s*--.*$/gm, '').trim())
    .filter((statement) => statement !== '');
}
