/**
 * The part of Workers' `D1Database` binding this adapter uses. The full type is in
 * @cloudflare/workers-types, which this package does not depend on; the binding satisfies this.
 */
export interface D1Database {
  prepare(sql: string): D1PreparedStatement;
  batch<Row = Record<string, unknown>>(statements: D1PreparedStatement[]): Promise<D1Result<Row>[]>;
}

export interface D1PreparedStatement {
  bind(...values: unknown[]): D1PreparedStatement;
  all<Row = Record<string, unknown>>(): Promise<D1Result<Row>>;
  run(): Promise<D1Result>;
}

export interface D1Result<Row = Record<string, unknown>> {
  results: Row[];
  meta: { changes: number };
}
