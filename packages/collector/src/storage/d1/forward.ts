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
import type { D1Database } from './binding.ts';

/**
 * The outbox on D1: the sqlite adapter's tables, statements and positions (see sqlite-dialect/forward.ts).
 * D1 has no interactive transactions, so a dead letter and its cursor move are one `db.batch`,
 * both under the same condition.
 */
export function createD1ForwardStore(db: D1Database): ForwardStore {
  const run = async (sql: string, ...values: unknown[]) =>
    (
      await db
        .prepare(sql)
        .bind(...values)
        .run()
    ).meta.changes > 0;

  return {
    claimForwarding: (destination, owner, leaseMs) =>
      run(FORWARD_SQL.claim, destination, owner, leaseModifier(leaseMs)),

    async releaseForwarding(destination, owner) {
      await run(FORWARD_SQL.release, destination, owner);
    },

    async pending(destination, limit) {
      const { results } = await db.prepare(FORWARD_SQL.pending).bind(destination, destination, limit).all<PendingRow>();
      return results.map(outboxEventFromRow);
    },

    async advance(destination, owner, position) {
      const { epoch, seq } = parsePosition(position);
      return run(FORWARD_SQL.moveCursor, seq, destination, owner, epoch);
    },

    async deadLetter(destination, owner, batch, failure) {
      const last = batch.at(-1);
      if (!last) return false;
      const { epoch, seq } = parsePosition(last.position);
      const events = JSON.stringify(batch.map(({ seq, event }) => ({ seq, event })));
      // The letter goes in first, while the cursor is still where the condition looks for it.
      const [, moved] = await db.batch([
        db
          .prepare(
            `insert into dead_letters (destination, failed_at, attempts, error, events) select ?, ?, ?, ?, ?
             where exists (select 1 from forward_cursors where destination = ? and owner = ? and epoch = ?)`,
          )
          .bind(destination, failure.at, failure.attempts, failure.error, events, destination, owner, epoch),
        db.prepare(FORWARD_SQL.moveCursor).bind(seq, destination, owner, epoch),
      ]);
      return (moved?.meta.changes ?? 0) > 0;
    },

    async deadLetters(destination, limit) {
      const { results } = await db.prepare(FORWARD_SQL.deadLetters).bind(destination, limit).all<DeadLetterRow>();
      return results.map(deadLetterFromRow);
    },

    removeDeadLetter: (id) => run(FORWARD_SQL.removeDeadLetter, id),
  };
}
