/** One SQL statement with `?` placeholders and its parameters, as the identity graph and retention write them. */
export interface Statement {
  sql: string;
  params: (string | null)[];
}
