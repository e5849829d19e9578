// The one shape every store's SQL is written in: `?` placeholders and their values, in order.
// SQLite and D1 run it as it is; PostgreSQL numbers the placeholders first (`numbered`).

/**
 * A bound value. A list of strings is a PostgreSQL `text[]`; SQLite-dialect SQL passes a list as
 * one JSON text instead (read with json_each), so it never binds an array.
 */
export type SqlValue = string | number | null | readonly string[];

export interface Statement {
  sql: string;
  params: SqlValue[];
}

/** `?` placeholders to PostgreSQL's `$1, $2, ...`. Kith's SQL has no `?` anywhere else (no jsonb `?` operator). */
export function numbered(sql: string): string {
  let n = 0;
  return sql.replace(/\?/g, () => `$${++n}`);
}

/** Statements that each answer one count, run in their key order: counts are then read by name, never by position. */
export type NamedStatements<Name extends string> = Record<Name, Statement>;

/** Each statement's changes count under its statement's name. */
export function countsByName<Name extends string>(
  statements: NamedStatements<Name>,
  changes: readonly number[],
): Record<Name, number> {
  const names = Object.keys(statements) as Name[];
  return Object.fromEntries(names.map((name, i) => [name, changes[i] ?? 0])) as Record<Name, number>;
}
