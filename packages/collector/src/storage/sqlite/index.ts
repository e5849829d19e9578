import { mkdirSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync, type SQLInputValue } from 'node:sqlite';
import { storageUnavailable } from '../../errors.ts';
import { decodeCursor } from '../cursor.ts';
import { SQLITE_GRAPH, linkStatements, stitchStatements, traitsStatements } from '../graph.ts';
import { consentChoiceFromRow, funnelReachFromRow, personEventFromRow, type PersonEventRow } from '../figures-rows.ts';
import {
  consentFromRow,
  edgeFromRow,
  erasedCounts,
  eventPage,
  personFromRows,
  personsFromRows,
  rejectedFromRow,
  seqEventFromRow,
  type ConsentRow,
  type EdgeRow,
  type EventRow,
  type RejectedRow,
} from '../rows.ts';
import type {
  FunnelReach,
  ConsentRecord,
  EventPage,
  EventQuery,
  IdSet,
  MigrationStep,
  NodeRef,
  Person,
  PersonHit,
  PersonKey,
  RejectedEvent,
  StitchCandidate,
  Storage,
  StoredEvent,
  WriteResult,
  WriteSet,
} from '../storage.ts';
import { expireStatements, expiredCounts } from '../expire.ts';
import * as q from '../sqlite-dialect/queries.ts';
import { overviewOf, rankHits } from '../console-rows.ts';
import * as consoleQ from '../sqlite-dialect/console-queries.ts';
import * as fq from '../sqlite-dialect/figures-queries.ts';
import * as rollupQ from '../sqlite-dialect/rollup-queries.ts';
import {
  countVisitors,
  factEventsOf,
  figureFactRow,
  isFigureFact,
  personResolver,
  type FactRow,
  type SiteIdentity,
} from '../figure-facts.ts';
import { MIGRATIONS } from '../sqlite-dialect/schema.ts';
import { countsByName, type NamedStatements, type Statement } from '../statement.ts';
import { UPSERT_CONTEXT, contextParams, contextRowsOf } from '../event-context.ts';
import { BANNER_TEXTS, CONSENTS, EVENTS, REJECTED, bannerTextsOf, insertOne, isOwnChange } from '../tables.ts';
import { createSqliteForwardStore } from './forward.ts';

export interface SqliteOptions {
  /** A file path, or ":memory:" for tests. */
  path: string;
  /** How long a write waits for another process's lock on the file before answering 503; default 5 s. */
  busyTimeoutMs?: number;
}

/** The embedded default: one file in WAL mode, one transaction per group of write sets, fsync before ack. */
export function createSqliteStorage(options: SqliteOptions): Storage {
  if (options.path !== ':memory:') mkdirSync(dirname(options.path), { recursive: true });
  const db = new DatabaseSync(options.path);
  const busyTimeout = Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000));
  // secure_delete: a deleted row's bytes are overwritten with zeros, so an erased person cannot be read back from the file.
  // wal_autocheckpoint: a checkpoint copies each page the WAL holds into the file once, however often it was
  // written since the last one. Random messageIds touch a random index page per event; a WAL of 10,000 pages
  // (40 MB, reused, not grown) instead of 1,000 lets a checkpoint write each such page once for more events:
  // 16% fewer bytes written and 10% less CPU per request in `.ci/pnpm bench` (bench/RESULTS.md).
  db.exec(
    `pragma journal_mode = wal; pragma synchronous = full; pragma secure_delete = on; pragma busy_timeout = ${busyTimeout}; pragma foreign_keys = on; pragma wal_autocheckpoint = ${WAL_CHECKPOINT_PAGES};`,
  );
  const file = fileIdentity(options.path);

  const prepared = () => ({
    insertEvent: db.prepare(insertOne(EVENTS)),
    insertConsent: db.prepare(insertOne(CONSENTS)),
    insertBannerText: db.prepare(insertOne(BANNER_TEXTS)),
    insertRejected: db.prepare(insertOne(REJECTED)),
    upsertContext: db.prepare(UPSERT_CONTEXT),
    insertFigureFact: db.prepare(rollupQ.insertFigureFact),
  });
  let statements: ReturnType<typeof prepared> | undefined;

  // Prepared once per SQL text: the graph's and the person reads' statements repeat with new values.
  const cache = new Map<string, ReturnType<typeof db.prepare>>();
  const statement = (sql: string) => {
    let found = cache.get(sql);
    if (!found) cache.set(sql, (found = db.prepare(sql)));
    return found;
  };
  // SQLite-dialect SQL binds no lists (see statement.ts).
  const run = ({ sql, params }: Statement) => Number(statement(sql).run(...(params as SQLInputValue[])).changes);
  const all = <Row>({ sql, params }: Statement) => statement(sql).all(...(params as SQLInputValue[])) as Row[];
  // Rows as arrays: the figures' rollups return a row per sender or order, where objects cost more than the query.
  const arrays = <Row>({ sql, params }: Statement) => {
    const prepared = statement(sql);
    prepared.setReturnArrays(true);
    try {
      return prepared.all(...(params as SQLInputValue[])) as unknown as Row[];
    } finally {
      prepared.setReturnArrays(false);
    }
  };
  const runNamed = <Name extends string>(statements: NamedStatements<Name>) =>
    countsByName(statements, Object.values<Statement>(statements).map(run));
  const newPersonId = () => crypto.randomUUID();
  // node:sqlite stores a lone surrogate as U+FFFD; IDs that reach SQL inside JSON must say the same.
  const asStored = <T extends { userIds: string[]; anonymousIds: string[] }>(set: T): T => ({
    ...set,
    userIds: set.userIds.map((id) => id.toWellFormed()),
    anonymousIds: set.anonymousIds.map((id) => id.toWellFormed()),
  });

  const transaction = <T>(work: () => T): T => {
    db.exec('begin immediate');
    try {
      const result = work();
      db.exec('commit');
      return result;
    } catch (error) {
      if (db.isTransaction) db.exec('rollback');
      throw error;
    }
  };

  /** Writes one set inside the caller's transaction; returns what it stored. */
  const writeSet = (set: WriteSet): WriteResult => {
    const s = statements ?? (statements = prepared());
    let inserted = 0;
    const seqs: (number | null)[] = [];
    const counted = new OverviewCounts();
    for (const e of set.events) {
      const stored = s.insertEvent.run(...EVENTS.row(e));
      if (Number(stored.changes) === 0) {
        seqs.push(null);
        continue;
      }
      seqs.push(Number(stored.lastInsertRowid));
      inserted++;
      if (!isOwnChange(e)) counted.add(e);
      if (isFigureFact(e)) s.insertFigureFact.run(...figureFactRow(e, Number(stored.lastInsertRowid)));
    }
    counted.statements().forEach(run);
    for (const row of contextRowsOf(set.events)) s.upsertContext.run(...contextParams(row));
    for (const c of set.consents) s.insertConsent.run(...CONSENTS.row(c));
    for (const b of bannerTextsOf(set.consents)) s.insertBannerText.run(...BANNER_TEXTS.row(b));
    for (const r of set.rejected) s.insertRejected.run(...REJECTED.row(r));
    for (const link of set.links ?? []) linkStatements(link, newPersonId).forEach(run);
    for (const update of set.traits ?? []) traitsStatements(update, newPersonId, SQLITE_GRAPH).forEach(run);
    for (const signal of set.stitch ?? []) stitchStatements(signal).forEach(run);
    return { inserted, duplicates: set.events.length - inserted, seqs };
  };

  // Group commit: the write sets of requests that arrive together (within one turn of the event
  // loop) share one transaction, and so one fsync; each is acknowledged only once it is durable.
  // On the event loop, by measurement: a writer thread (its own connection, the same group commit)
  // cost more CPU per request in hand-over than it took off this thread, on 2 cores.
  let waiting: { set: WriteSet; resolve: (result: WriteResult) => void; reject: (error: unknown) => void }[] = [];
  let committing: Promise<void> | undefined;
  const commitWaiting = () => {
    const group = waiting;
    waiting = [];
    // A file deleted or replaced under a running collector still takes writes, into a file nobody will open again.
    const gone = file && fileProblem(options.path, file);
    if (gone) return group.forEach(({ reject }) => reject(storageUnavailable(new Error(gone))));
    try {
      const results = transaction(() => group.map(({ set }) => writeSet(set)));
      group.forEach(({ resolve }, i) => resolve(results[i]!));
    } catch (error) {
      // Another holds the lock: the others would only wait out the busy timeout again, one by one.
      if (group.length === 1 || isBusy(error)) return group.forEach(({ reject }) => reject(storageUnavailable(error)));
      // A set the database refuses must not take the others down with it: each again on its own.
      for (const { set, resolve, reject } of group) {
        try {
          resolve(transaction(() => writeSet(set)));
        } catch (own) {
          reject(storageUnavailable(own));
        }
      }
    }
  };

  // The WAL keeps the pages as they were before the erasure until a checkpoint: copy them into the
  // file (where secure_delete has zeroed the rows) and empty the WAL. A reader of another process may
  // hold the checkpoint back for a moment; the erasure answers only once the WAL is empty.
  const truncateWal = async () => {
    if (options.path === ':memory:') return;
    for (let attempt = 0; ; attempt++) {
      const [result] = db.prepare('pragma wal_checkpoint(truncate)').all() as { busy: number }[];
      if (result?.busy === 0) return;
      if (attempt >= 50)
        throw new Error('the WAL could not be checkpointed: another process keeps reading the database');
      await new Promise((done) => setTimeout(done, 20));
    }
  };

  return {
    ...createSqliteForwardStore(db),
    async migrate(onStep?: MigrationStep) {
      // The version is read under the write lock, so a second instance starting at once waits and then finds it current.
      transaction(() => {
        db.exec('create table if not exists schema_migrations (version integer primary key, applied_at text not null)');
        const row = db.prepare('select coalesce(max(version), 0) as version from schema_migrations').get() as {
          version: number;
        };
        MIGRATIONS.slice(row.version).forEach((sql, offset) => {
          onStep?.(row.version + offset + 1, MIGRATIONS.length);
          db.exec(sql);
          db.prepare('insert into schema_migrations (version, applied_at) values (?, ?)').run(
            row.version + offset + 1,
            new Date().toISOString(),
          );
        });
      });
      statements = prepared();
    },

    write(set: WriteSet) {
      return new Promise<WriteResult>((resolve, reject) => {
        waiting.push({ set, resolve, reject });
        if (waiting.length === 1) committing = new Promise((done) => setImmediate(() => done(commitWaiting())));
      });
    },

    async events(query: EventQuery): Promise<EventPage> {
      return eventPage(all(q.eventsPage(asStored(query), decodeCursor(query.before), query.limit)), query.limit);
    },

    async eventSummary(ids: IdSet) {
      const [row] = all<{ eventCount: number; firstSeen: string | null; lastSeen: string | null }>(
        q.eventSummary(asStored(ids)),
      );
      return { eventCount: row?.eventCount ?? 0, firstSeen: row?.firstSeen ?? null, lastSeen: row?.lastSeen ?? null };
    },

    async eventEntries(ids: IdSet) {
      // As arrays: a row object cost more than the query, per entry (bench/RESULTS.md).
      return arrays<[number, string | null, string | null]>(q.eventEntries(asStored(ids))).map(
        ([seq, userId, anonymousId]) => ({ seq, userId, anonymousId }),
      );
    },

    async eventsBySeq(site: string, seqs: number[]) {
      return all<EventRow>(q.eventsBySeq(site, seqs)).map(seqEventFromRow);
    },

    async rejected(site: string, limit: number): Promise<RejectedEvent[]> {
      return all<RejectedRow>(q.recentRejected(site, limit)).map(rejectedFromRow);
    },

    async rejectedOf(ids: IdSet): Promise<RejectedEvent[]> {
      return all<RejectedRow>(q.rejectedOf(asStored(ids))).map(rejectedFromRow);
    },

    async personKeys(site: string) {
      return all<PersonKey>(q.personKeys(site));
    },

    async slotEvents(site: string, slot: string) {
      return all<EventRow>(q.slotEvents(site, slot)).map((row) => seqEventFromRow(row).event);
    },

    async consents(ids: IdSet): Promise<ConsentRecord[]> {
      return all<ConsentRow>(q.consentsOf(asStored(ids))).map(consentFromRow);
    },

    async person(site: string, node: NodeRef) {
      return personFromRows(
        all(q.personNodes(site, node.kind, node.id)),
        all(q.personTraits(site, node.kind, node.id)),
      );
    },

    async persons(site: string, nodes: NodeRef[]) {
      if (nodes.length === 0) return new Map<string, Person>();
      const stored = nodes.map((node) => ({ kind: node.kind, id: node.id.toWellFormed() }));
      return personsFromRows(nodes, all(q.personsNodes(site, stored)), all(q.personsTraits(site, stored)));
    },

    async edges(site: string, personId: string) {
      return all<EdgeRow>(q.edgesOf(site, personId)).map(edgeFromRow);
    },

    async stitchCandidates(ids: IdSet) {
      return all<StitchCandidate>(q.stitchCandidates(asStored(ids)));
    },

    async deviceAnonymousId(site: string, deviceId: string) {
      return all<{ id: string }>(q.deviceAnonymousId(site, deviceId))[0]?.id ?? null;
    },

    async claimNonce(nonce: string, expiresAt: string, now: string) {
      try {
        return transaction(() => q.claimNonce(nonce, expiresAt, now).map(run).at(-1) === 1);
      } catch (error) {
        throw storageUnavailable(error);
      }
    },

    async erase(site, person, receipt) {
      try {
        const done = transaction(() => {
          const erased = erasedCounts(
            runNamed(q.eraseStatements({ ...asStored(person), deviceIds: person.deviceIds }, receipt)),
          );
          const done = { ...receipt, erased };
          run(q.receiptInsert(done));
          return done;
        });
        await truncateWal();
        return done;
      } catch (error) {
        throw storageUnavailable(error);
      }
    },

    async purgeErasureExits(destinations: string[]) {
      try {
        const [remove, unletter, count] = q.purgeErasureExitsStatements(destinations) as [
          Statement,
          Statement,
          Statement,
        ];
        const { purged, waiting } = transaction(() => {
          const purged = run(remove);
          if (purged > 0) run(unletter);
          return { purged, waiting: all<{ waiting: number }>(count)[0]!.waiting };
        });
        if (purged > 0) await truncateWal();
        return { purged, waiting };
      } catch (error) {
        throw storageUnavailable(error);
      }
    },

    async expire(cutoff: Date, chunk: number) {
      try {
        return expiredCounts(transaction(() => runNamed(expireStatements(cutoff, chunk))));
      } catch (error) {
        throw storageUnavailable(error);
      }
    },

    async findPersons(site: string, text: string, limit: number) {
      const hits = [
        consoleQ.idsStartingWith(site, text, limit),
        consoleQ.emailsStartingWith(site, text.toLowerCase(), limit),
        consoleQ.eventIds(site, text),
      ].flatMap((query) => all<PersonHit>(query));
      return rankHits(text, hits, limit);
    },

    async recentPersons(site: string, limit: number) {
      return all<PersonHit>(consoleQ.recentNodes(site, limit));
    },

    async overview(site: string, from: string, to: string) {
      return overviewOf(consoleQ.overviewQueries(site, from, to).map((query) => all<Record<string, unknown>>(query)));
    },

    async bannerTexts(hashes: string[]) {
      const texts: Record<string, Record<string, string>> = {};
      const select = db.prepare('select texts from banner_texts where hash = ?');
      for (const hash of new Set(hashes)) {
        const row = select.get(hash) as { texts: string } | undefined;
        if (row) texts[hash] = JSON.parse(row.texts);
      }
      return texts;
    },

    async writable() {
      const gone = file && fileProblem(options.path, file);
      if (gone) return gone;
      try {
        // Takes and lets go of the write lock: what every write needs.
        db.exec('begin immediate; rollback');
        return null;
      } catch (error) {
        if (db.isTransaction) db.exec('rollback');
        return `${options.path} cannot be written (${(error as Error).message}).`;
      }
    },

    async siteEvents(query) {
      return all<PersonEventRow>(fq.siteEvents(query)).map(personEventFromRow);
    },

    async siteVisitors(window) {
      const from = window.from ?? '0000-01-01T00:00:00.000Z';
      const to = window.to ?? '9999-12-31T00:00:00.000Z';
      const senders = arrays<[string]>(rollupQ.sendersSeen(window.site, from.slice(0, 10), to.slice(0, 10)));
      return countVisitors(
        senders.map(([sender]) => sender),
        personResolver(arrays<SiteIdentity>(rollupQ.siteIdentities(window.site))),
        (userId) =>
          arrays<[string | null]>(rollupQ.anonymousIdsOfUser(window.site, userId, from, to)).map(([id]) => id),
      );
    },

    async siteOrdersAndTouches(query) {
      const { personOf } = personResolver(arrays<SiteIdentity>(rollupQ.siteIdentities(query.site)));
      return factEventsOf(arrays<FactRow>(rollupQ.figureFacts(query.site, query.to)), personOf);
    },

    async siteConsents(window) {
      return all<{ method: string; categories: string }>(fq.siteConsents(window)).map(consentChoiceFromRow);
    },

    async siteFunnel(query) {
      return all<FunnelReach>(fq.siteFunnel(query)).map(funnelReachFromRow);
    },

    async savePredictions(site, fittedAt, model) {
      try {
        run(fq.savePredictions(site, fittedAt, model));
      } catch (error) {
        throw storageUnavailable(error);
      }
    },

    async predictions(site) {
      const [row] = all<{ fittedAt: string; model: string }>(fq.predictions(site));
      return row ? { fittedAt: row.fittedAt, model: JSON.parse(row.model) as unknown } : null;
    },

    async close() {
      // The writes already taken are committed first.
      await committing;
      if (db.isOpen) db.close();
    },
  };
}

/** Pages the WAL may hold before a commit copies them into the file (SQLite's default is 1,000). */
export const WAL_CHECKPOINT_PAGES = 10_000;

/** SQLITE_BUSY and SQLITE_LOCKED: the file is out of reach, whichever set asked. */
const isBusy = (error: unknown): boolean => {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' && ((code & 0xff) === 5 || (code & 0xff) === 6);
};

interface FileIdentity {
  dev: number;
  ino: number;
}

/** The file as opened: a later stat that finds another (or none) means it was deleted or replaced. */
function fileIdentity(path: string): FileIdentity | undefined {
  if (path === ':memory:') return undefined;
  const { dev, ino } = statSync(path);
  return { dev, ino };
}

function fileProblem(path: string, opened: FileIdentity): string | null {
  const now = statSync(path, { throwIfNoEntry: false });
  if (!now)
    return `${path} was deleted while the collector ran; restore it from a backup or restart the collector to start a new one.`;
  if (now.dev !== opened.dev || now.ino !== opened.ino)
    return `${path} was replaced while the collector ran; restart the collector to open the new file.`;
  return null;
}

/**
 * The overview's per-day counts of a write set's stored events (a resent one is not counted, nor the
 * collector's own change events: tables.ts isOwnChange), summed
 * before they are written: one upsert per day and name and per day and sender instead of two per event.
 * Keys are the values as stored (node:sqlite stores a lone surrogate as U+FFFD), so the delete trigger,
 * which reads the stored row, finds the same rows.
 */
class OverviewCounts {
  private readonly events = new Map<string, { key: string[]; count: number }>();
  private readonly senders = new Map<string, { key: string[]; count: number }>();

  add(e: StoredEvent) {
    const stored = (value: string) => value.toWellFormed();
    const [site, day] = [stored(e.site), e.timestamp.slice(0, 10)];
    const userId = e.userId ?? null;
    const sender = userId !== null ? `u:${stored(userId)}` : `a:${stored(e.anonymousId ?? '')}`;
    tally(this.events, [site, day, stored(e.type), stored(e.event ?? '')]);
    tally(this.senders, [site, day, sender]);
  }

  statements(): Statement[] {
    return [
      ...[...this.events.values()].map(({ key: [site, day, type, event], count }) =>
        consoleQ.countEventsIn(site!, day!, type!, event!, count),
      ),
      ...[...this.senders.values()].map(({ key: [site, day, sender], count }) =>
        consoleQ.countSenderIn(site!, day!, sender!, count),
      ),
    ];
  }
}

function tally(counts: Map<string, { key: string[]; count: number }>, key: string[]) {
  const id = key.join('\u0000');
  const found = counts.get(id);
  if (found) found.count++;
  else counts.set(id, { key, count: 1 });
}
