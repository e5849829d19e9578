/** A period of whole days (UTC), both ends included, as an operator gives it: `from=2026-03-01&to=2026-03-31`. */
export interface Period {
  /** Inclusive, ISO-8601. */
  from: string;
  /** Exclusive: midnight after the last day. */
  to: string;
}

const DAY = /^\d{4}-\d{2}-\d{2}$/;

/** Parses the period; returns what to change when it is not one. */
export function parsePeriod(from: string | undefined, to: string | undefined): Period | { problem: string } {
  if (!from || !to) return { problem: 'give the period as from=YYYY-MM-DD and to=YYYY-MM-DD (both days included)' };
  const start = dayStart(from);
  const end = dayStart(to);
  if (start === null)
    return { problem: `from "${from.slice(0, 40)}" is not a day; write it as YYYY-MM-DD, e.g. 2026-03-01` };
  if (end === null) return { problem: `to "${to.slice(0, 40)}" is not a day; write it as YYYY-MM-DD, e.g. 2026-03-31` };
  if (end < start) return { problem: `to (${to}) is before from (${from}); swap them` };
  return { from: new Date(start).toISOString(), to: new Date(end + 86_400_000).toISOString() };
}

/** Midnight UTC of a real calendar day, or null (2026-02-30 is not one). */
export function dayStart(day: string): number | null {
  if (!DAY.test(day)) return null;
  const time = Date.parse(`${day}T00:00:00Z`);
  return Number.isNaN(time) || new Date(time).toISOString().slice(0, 10) !== day ? null : time;
}
