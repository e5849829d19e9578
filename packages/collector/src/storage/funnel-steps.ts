// The funnel's steps in the SQL both dialects share (sqlite-dialect/ and postgres/figures-queries.ts):
// each dialect only says how the steps' events `ev` (seq, timestamp, event, person_id) are read.

/**
 * `s0 ... s<count - 1>` as common table expressions over `ev`: step k is the person's first event of the
 * k-th name (one `?` each, in order) after their step k - 1, by time, then storage order.
 */
export function funnelSteps(count: number): string {
  const firstOf = (from: string, after: string) =>
    `select person_id, timestamp, seq from (select ev.person_id, ev.timestamp, ev.seq,
        row_number() over (partition by ev.person_id order by ev.timestamp, ev.seq) as n
      from ${from} where ev.event = ?${after}) first where n = 1`;
  return Array.from({ length: count }, (_, k) =>
    k === 0
      ? `s0 as (${firstOf('ev', '')})`
      : `s${k} as (${firstOf(
          `ev join s${k - 1} p on p.person_id = ev.person_id`,
          ' and (ev.timestamp > p.timestamp or (ev.timestamp = p.timestamp and ev.seq > p.seq))',
        )})`,
  ).join(',\n      ');
}

/** Each person's row in every step done: whoever did step k did every step before it, so the rows per person are the steps done. */
export const funnelDone = (count: number): string =>
  `(${Array.from({ length: count }, (_, k) => `select person_id from s${k}`).join(' union all ')}) done`;
