// The write path both SQLite writers share: the worker thread's (writer.ts, files) and the
// in-thread one (":memory:", which a second thread cannot open). Type imports only besides
// node:sqlite: the worker loads this file under Node's type stripping, outside any bundler.
import type { DatabaseSync } from 'node:sqlite';
import type { Statement } from '../graph.ts';
import type { ConsentRecord, RejectedEvent, StoredEvent, WriteResult } from '../storage.ts';

/** What every connection to the file sets; the writer's also takes checkpoints off auto. */
export const connectionPragmas = (busyTimeoutMs: number) =>
  `pragma journal_mode = wal; pragma synchronous = full; pragma busy_timeout = ${busyTimeoutMs}; pragma foreign_keys = on;`;

/** A write set as the writer takes it: its graph changes already turned into statements (graph.ts). */
export interface PreparedSet {
  events: StoredEvent[];
  consents: ConsentRecord[];
  rejected: RejectedEvent[];
  statements: Statement[];
}

/** A set's fate: stored, or refused with the database's error. */
export type Outcome = { result: WriteResult } | { error: unknown };

/** SQLITE_BUSY and SQLITE_LOCKED: the file is out of reach, whichever set asked. */
export const isBusy = (error: unknown): boolean => {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' && ((code & 0xff) === 5 || (code & 0xff) === 6);
};

export function transaction<T>(db: DatabaseSync, work: () => T): T {
  db.exec('begin immediate');
  try {
    const result = work();
    db.exec('commit');
    return result;
  } catch (error) {
    if (db.isTransaction) db.exec('rollback');
    throw error;
  }
}

/**
 * Group commit: the sets given together share one transaction, and so one fsync. A set the
 * database refuses must not take the others down: then each again on its own. When the file is
 * locked by another, the others would only wait out the busy timeout again, one by one: all fail.
 */
export function createGroupCommit(db: DatabaseSync): (group: PreparedSet[]) => Outcome[] {
  // Prepared on first use: the tables exist only once migrate() has run.
  let statements: ReturnType<typeof prepare> | undefined;
  const prepare = () => ({
    insertEvent: db.prepare(
      `insert into events (site, message_id, type, event, user_id, anonymous_id, timestamp, received_at, body)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (site, message_id) do nothing`,
    ),
    insertConsent: db.prepare(
      `insert into consent_log (site, message_id, anonymous_id, user_id, timestamp, received_at,
         policy_version, categories, method, banner_text_hash, locale)
       values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict (site, message_id) do nothing`,
    ),
    insertBannerText: db.prepare('insert into banner_texts (hash, texts, first_seen) values (?, ?, ?) on conflict (hash) do nothing'),
    insertRejected: db.prepare('insert into rejected (site, received_at, reason, message, payload) values (?, ?, ?, ?, ?)'),
  });
  const cache = new Map<string, ReturnType<typeof db.prepare>>();
  const run = ({ sql, params }: Statement) => {
    let found = cache.get(sql);
    if (!found) cache.set(sql, (found = db.prepare(sql)));
    found.run(...params);
  };

  const writeSet = (set: PreparedSet): WriteResult => {
    const s = statements ?? (statements = prepare());
    let inserted = 0;
    for (const e of set.events) {
      inserted += Number(
        s.insertEvent.run(e.site, e.messageId, e.type, e.event ?? null, e.userId ?? null, e.anonymousId ?? null,
          e.timestamp, e.receivedAt, JSON.stringify(e)).changes,
      );
    }
    for (const c of set.consents) {
      s.insertConsent.run(c.site, c.messageId, c.anonymousId ?? null, c.userId ?? null, c.timestamp, c.receivedAt,
        c.consent.policyVersion, JSON.stringify(c.consent.categories), c.consent.method,
        c.consent.bannerTextHash ?? null, c.consent.locale ?? null);
      const { bannerText, bannerTextHash } = c.consent as { bannerText?: unknown; bannerTextHash?: string };
      if (bannerText && bannerTextHash) s.insertBannerText.run(bannerTextHash, JSON.stringify(bannerText), c.receivedAt);
    }
    for (const r of set.rejected) s.insertRejected.run(r.site, r.receivedAt, r.reason, r.message, r.payload);
    set.statements.forEach(run);
    return { inserted, duplicates: set.events.length - inserted };
  };

  return (group) => {
    try {
      return transaction(db, () => group.map(writeSet)).map((result) => ({ result }));
    } catch (error) {
      if (group.length === 1 || isBusy(error)) return group.map(() => ({ error }));
      return group.map((set) => {
        try {
          return { result: transaction(db, () => writeSet(set)) };
        } catch (own) {
          return { error: own };
        }
      });
    }
  };
}
