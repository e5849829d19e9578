// PostgreSQL text cannot hold U+0000, which a client may put in an ID; refusing it would fail the
// whole batch on every retry. It is kept as U+2400 (the symbol for NUL) in the columns, the same in
// lookups; the event's JSON body keeps the exact value.
export function storable(value: string): string;
export function storable(value: string | null | undefined): string | null;
export function storable(value: string | null | undefined): string | null {
  return value === undefined || value === null ? null : value.replaceAll('\0', '\u2400');
}
