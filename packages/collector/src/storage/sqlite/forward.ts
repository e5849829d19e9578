import type { DatabaseSync, StatementSync } from 'node:sqlite';
import {
  FORWARD_SQL,
  deadLetterFromRow,
  leaseModifier,
  outboxEventFromRow,
  parsePosition,
  type DeadLetterRow,
  type PendingRow,
} from '../sqlite-dialect/forward.ts';
import type { ForwardStore } from '../storage.ts';

/**
 * The outbox on SQLite: one writer, so seq order is commit order. A position is `epoch:seq`: the
 * epoch changes when the newest event is deleted (its seq is then given out again, see sqlite-dialect/schema.ts),
 * and a cursor only moves from the epoch its batch was read in.
 */
export function createSqliteForwardStore(db: DatabaseSync): ForwardStore {
  // Prepared on first use: the tables exist only once migrate() has run.
  const cache = new Map<string, StatementSync>();
  const sql = (text: string): StatementSync => {
    let statement = cache.get(text);
    if (!statement) cache.set(text, (statement = db.prepare(text)));
    return statement;
  };

  const moveCursor = (destination: string, owner: string, position: string): boolean => {
    const { epoch, seq } = parsePosition(position);
    return sql(FORWARD_SQL.moveCursor).run(seq, destination, owner, epoch).changes > 0;
  };

  return {
    async claimForwarding(destination, owner, leaseMs) {
      return sql(FORWARD_SQL.claim).run(destination, owner, leaseModifier(leaseMs)).changes > 0;
    },

    async releaseForwarding(destination, owner) {
      sql(FORWARD_SQL.release).run(destination, owner);
    },

    async pending(destination, limit) {
      const rows = sql(FORWARD_SQL.pending).all(destination, destination, limit) as unknown as PendingRow[];
      return rows.map(outboxEventFromRow);
    },

    async advance(destination, owner, position) {
      return moveCursor(destination, owner, position);
    },

    async deadLetter(destination, owner, batch, failure) {
      const last = batch.at(-1);
      if (!last) return false;
      db.exec('begin immediate');
      try {
        const moved = moveCursor(destination, owner, last.position);
        if (moved) {
          sql('insert into dead_letters (destination, failed_at, attempts, error, events) values (?, ?, ?, ?, ?)').run(
            destination,
            failure.at,
            failure.attempts,
            failure.error,
            JSON.stringify(batch.map(({ seq, event }) => ({ seq, event }))),
          );
        }
        db.exec('commit');
        return moved;
      } catch (error) {
        if (db.isTransaction) db.exec('rollback');
        throw error;
      }
    },

    async deadLetters(destination, limit) {
      const rows = sql(FORWARD_SQL.deadLetters).all(destination, limit) as unknown as DeadLetterRow[];
      return rows.map(deadLetterFromRow);
    },

    async removeDeadLetter(id) {
      return sql(FORWARD_SQL.removeDeadLetter).run(id).changes > 0;
    },
  };
}
