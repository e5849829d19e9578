import type pg from 'pg';
import { EVENT_COLUMNS, eventFromRow, type EventColumnsRow } from '../event-row.ts';
import type { DeadLetter, ForwardStore, OutboxEvent } from '../storage.ts';

/**
 * The outbox on PostgreSQL. Several instances insert at once, and a sequence value is taken before
 * its transaction commits, so seq order is not commit order: a forwarder reading `seq > cursor`
 * could pass a lower seq that commits later, and never see it. Events are read instead in
 * (tx, seq) order, tx being the inserting transaction, and only those of transactions older than
 * every transaction still running: no event can appear later before them. A position is `tx:seq`.
 * A transaction left open anywhere on the server holds forwarding back (never loses) until it ends.
 */
export function createPostgresForwardStore(pool: pg.Pool): ForwardStore {
  const changed = async (sql: string, values: unknown[]) => ((await pool.query(sql, values)).rowCount ?? 0) > 0;

  return {
    claimForwarding: (destination, owner, leaseMs) =>
      changed(
        `insert into forward_cursors (destination, owner, lease_until) values ($1, $2, clock_timestamp() + $3::double precision * interval '1 millisecond')
         on conflict (destination) do update set owner = excluded.owner, lease_until = excluded.lease_until, updated_at = now()
         where forward_cursors.owner is null or forward_cursors.owner = excluded.owner or forward_cursors.lease_until < clock_timestamp()`,
        [destination, owner, Math.max(0, leaseMs)],
      ),

    async releaseForwarding(destination, owner) {
      await pool.query(
        'update forward_cursors set owner = null, lease_until = null where destination = $1 and owner = $2',
        [destination, owner],
      );
    },

    async pending(destination, limit) {
      const { rows } = await pool.query<EventColumnsRow & { seq: string; tx: string }>(
        `select seq, tx::text as tx, ${EVENT_COLUMNS} from events
         where (tx, seq) > (coalesce((select tx from forward_cursors where destination = $1), '0'),
                            coalesce((select seq from forward_cursors where destination = $1), 0))
           and tx < pg_snapshot_xmin(pg_current_snapshot())
         order by tx, seq limit $2`,
        [destination, limit],
      );
      return rows.map((row): OutboxEvent => ({
        seq: Number(row.seq),
        position: `${row.tx}:${row.seq}`,
        event: eventFromRow(row),
      }));
    },

    advance(destination, owner, position) {
      return changed(
        `update forward_cursors set ${MOVE_TO_$3_$4}, updated_at = now() where destination = $1 and owner = $2`,
        [destination, owner, ...parsePosition(position)],
      );
    },

    deadLetter(destination, owner, batch, failure) {
      const last = batch.at(-1);
      if (!last) return Promise.resolve(false);
      // One statement, so the letter is kept exactly when the cursor moves past it.
      return changed(
        `with moved as (
           update forward_cursors set ${MOVE_TO_$3_$4}, updated_at = now() where destination = $1 and owner = $2 returning destination
         )
         insert into dead_letters (destination, failed_at, attempts, error, events) select destination, $5, $6, $7, $8::json from moved`,
        [
          destination,
          owner,
          ...parsePosition(last.position),
          failure.at,
          failure.attempts,
          failure.error,
          JSON.stringify(batch.map(({ seq, event }) => ({ seq, event }))),
        ],
      );
    },

    async deadLetters(destination, limit) {
      const { rows } = await pool.query<{
        id: string;
        destination: string;
        failed_at: string;
        attempts: number;
        error: string;
        events: DeadLetter['events'];
      }>(
        'select id, destination, failed_at, attempts, error, events from dead_letters where destination = $1 order by id limit $2',
        [destination, limit],
      );
      return rows.map((row) => ({
        id: Number(row.id),
        destination: row.destination,
        failedAt: row.failed_at,
        attempts: row.attempts,
        error: row.error,
        events: row.events,
      }));
    },

    removeDeadLetter: (id) => changed('delete from dead_letters where id = $1', [id]),
  };
}

// Moves (tx, seq) forward to ($3, $4), never back; both sides read the row's old values.
const FORWARD = '(tx, seq) < ($3::xid8, $4::bigint)';
const MOVE_TO_$3_$4 = `tx = case when ${FORWARD} then $3::xid8 else tx end, seq = case when ${FORWARD} then $4::bigint else seq end`;

function parsePosition(position: string): [tx: string, seq: string] {
  const match = /^(\d+):(\d+)$/.exec(position);
  if (!match) throw new Error(`not a forwarding position: ${position}`);
  return [match[1] as string, match[2] as string];
}
