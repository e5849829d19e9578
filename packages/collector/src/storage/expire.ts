// Retention (config "retentionDays"): what is older than the period is deleted, oldest first and a
// chunk at a time, so no run holds the database for long. One set of SQL for SQLite and D1, and for
// PostgreSQL with numbered placeholders (statement.ts). Kept beyond it: the consent log (the proof of
// consent) and the identity graph's IDs (pseudonymous, erased with the person).
import type { NamedStatements, Statement } from './statement.ts';

/** Rows deleted by one chunk, per kind. */
export interface ExpiredCounts {
  events: number;
  rejected: number;
  deadLetters: number;
  traits: number;
  stitching: number;
}

/** The oldest `chunk` rows of a table (by its insertion order), of those the ones before the cutoff. */
const oldestBefore = (table: string, key: string, time: string, chunk: number, cutoff: string): Statement => ({
  sql: `delete from ${table} where ${key} in (select ${key} from (select ${key}, ${time} from ${table} order by ${key} limit ${chunk}) as oldest where ${time} < ?)`,
  params: [cutoff],
});

/** One chunk of each kind; run them in one transaction, and again while a chunk came back full. */
export function expireStatements(cutoff: Date, chunk: number): NamedStatements<ExpireStep> {
  const size = Math.max(1, Math.trunc(chunk));
  const iso = cutoff.toISOString();
  return {
    events: oldestBefore('events', 'seq', 'received_at', size, iso),
    // A shared context (event-context.ts) keeps its events' latest receipt: once that is past, so are they.
    contexts: { sql: 'delete from contexts where received_at < ?', params: [iso] },
    rejected: oldestBefore('rejected', 'seq', 'received_at', size, iso),
    deadLetters: oldestBefore('dead_letters', 'id', 'failed_at', size, iso),
    // A person's traits (an email, a name) last set before the period.
    traits: { sql: 'delete from identity_traits where updated_at < ?', params: [iso] },
    stitchCandidates: { sql: 'delete from stitch_candidates where at < ?', params: [iso] },
    stitchSignals: {
      sql: 'delete from stitch_signals where seen_epoch < ?',
      params: [String(Math.floor(cutoff.getTime() / 1000))],
    },
  };
}

type ExpireStep = 'events' | 'contexts' | 'rejected' | 'deadLetters' | 'traits' | 'stitchCandidates' | 'stitchSignals';

/** The chunk's figures from its statements' changes counts. */
export function expiredCounts(changes: Record<ExpireStep, number>): ExpiredCounts {
  const { events, rejected, deadLetters, traits, stitchCandidates, stitchSignals } = changes;
  return { events, rejected, deadLetters, traits, stitching: stitchCandidates + stitchSignals };
}
