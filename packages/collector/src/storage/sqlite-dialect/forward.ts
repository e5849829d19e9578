// The outbox's SQL and rows in SQLite's dialect, shared by the sqlite and D1 adapters (D1 is SQLite).
import { EVENT_COLUMNS, eventFromRow, type EventColumnsRow } from '../event-row.ts';
import type { DeadLetter, OutboxEvent } from '../storage.ts';

// Times in the database's clock, so that instances sharing a file agree on when a lease runs out.
const NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
const LATER = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now', ?)";

/** The statements of the outbox. */
export const FORWARD_SQL = {
  /** destination, owner, leaseModifier(ms) */
  claim: `insert into forward_cursors (destination, owner, lease_until, updated_at) values (?, ?, ${LATER}, ${NOW})
    on conflict (destination) do update set owner = excluded.owner, lease_until = excluded.lease_until, updated_at = excluded.updated_at
    where forward_cursors.owner is null or forward_cursors.owner = excluded.owner or forward_cursors.lease_until < excluded.updated_at`,
  /** destination, owner */
  release: 'update forward_cursors set owner = null, lease_until = null where destination = ? and owner = ?',
  /** destination, destination, limit */
  pending: `select coalesce((select epoch from forward_cursors where destination = ?), 0) as epoch, seq, ${EVENT_COLUMNS} from events
    where seq > coalesce((select seq from forward_cursors where destination = ?), 0) order by seq limit ?`,
  /** seq, destination, owner, epoch */
  moveCursor: `update forward_cursors set seq = max(seq, ?), updated_at = ${NOW} where destination = ? and owner = ? and epoch = ?`,
  /** destination, limit */
  deadLetters:
    'select id, destination, failed_at, attempts, error, events from dead_letters where destination = ? order by id limit ?',
  /** id */
  removeDeadLetter: 'delete from dead_letters where id = ?',
} as const;

export interface PendingRow extends EventColumnsRow {
  epoch: number;
  seq: number;
}

export const outboxEventFromRow = (row: PendingRow): OutboxEvent => ({
  seq: row.seq,
  position: `${row.epoch}:${row.seq}`,
  event: eventFromRow(row),
});

/** A dead letter as SQLite and D1 keep it: its events as JSON text. */
export interface DeadLetterRow {
  id: number;
  destination: string;
  failed_at: string;
  attempts: number;
  error: string;
  events: string;
}

export function deadLetterFromRow(row: DeadLetterRow): DeadLetter {
  return {
    id: row.id,
    destination: row.destination,
    failedAt: row.failed_at,
    attempts: row.attempts,
    error: row.error,
    events: JSON.parse(row.events) as DeadLetter['events'],
  };
}

/** SQLite's date modifier for a lease of `ms` milliseconds. */
export const leaseModifier = (ms: number): string => `+${Math.max(0, ms) / 1000} seconds`;

export function parsePosition(position: string): { epoch: number; seq: number } {
  const [epoch, seq] = position.split(':').map(Number);
  if (!Number.isSafeInteger(epoch) || !Number.isSafeInteger(seq))
    throw new Error(`not a forwarding position: ${position}`);
  return { epoch: epoch as number, seq: seq as number };
}
