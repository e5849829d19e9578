import { mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { storageUnavailable } from '../../errors.ts';
import { decodeCursor } from '../cursor.ts';
import { SQLITE_GRAPH, linkStatements, stitchStatements, traitsStatements, type Statement } from '../graph.ts';
import { consentFromRow, edgeFromRow, erasedCounts, eventPage, personFromRows, type ConsentRow, type EdgeRow } from '../rows.ts';
import type { ConsentRecord, EventPage, EventQuery, IdSet, NodeRef, RejectedEvent, StitchCandidate, Storage, WriteResult, WriteSet } from '../storage.ts';
import * as q from './queries.ts';
import { createSqliteForwardStore } from './forward.ts';
import { MIGRATIONS } from './schema.ts';
import { createWriter, type Writer } from './writer-client.ts';
import { connectionPragmas, createGroupCommit, transaction as inTransaction, type PreparedSet } from './writes.ts';

export interface SqliteOptions {
  /** A file path, or ":memory:" for tests. */
  path: string;
  /** How long a write waits for another process's lock on the file before answering 503; default 5 s. */
  busyTimeoutMs?: number;
  /**
   * Where the event writes commit: "thread", a worker thread with its own connection (the default
   * for a file), or "inline" on the caller's event loop (the only way for ":memory:").
   */
  writer?: 'thread' | 'inline';
}

const writers = new WeakMap<Storage, Writer>();
/** For tests: the writer thread of a storage that has one. */
export const writerThreadOf = (storage: Storage): Writer | undefined => writers.get(storage);

/**
 * The embedded default: one file in WAL mode, fsync before ack. Event writes (`write`) go to a
 * writer thread that owns a second connection and commits the sets that arrive together in one
 * transaction; reads, and the rare other writes, stay on this connection: WAL gives each read a
 * snapshot that holds every write acknowledged before it started.
 */
export function createSqliteStorage(options: SqliteOptions): Storage {
  const inMemory = options.path === ':memory:';
  if (!inMemory) mkdirSync(dirname(options.path), { recursive: true });
  const inline = inMemory || options.writer === 'inline';
  const db = new DatabaseSync(options.path);
  const busyTimeoutMs = Math.max(0, Math.trunc(options.busyTimeoutMs ?? 5000));
  // With the writer thread, checkpoints are its job: none on this connection's commits (erase, nonces, forwarding).
  db.exec(`${connectionPragmas(busyTimeoutMs)}${inline ? '' : ' pragma wal_autocheckpoint = 0;'}`);

  // Prepared once per SQL text: the graph's and the person reads' statements repeat with new values.
  const cache = new Map<string, ReturnType<typeof db.prepare>>();
  const statement = (sql: string) => {
    let found = cache.get(sql);
    if (!found) cache.set(sql, (found = db.prepare(sql)));
    return found;
  };
  const run = ({ sql, params }: Statement) => Number(statement(sql).run(...params).changes);
  const all = <Row>({ sql, params }: Statement) => statement(sql).all(...params) as Row[];
  const newPersonId = () => crypto.randomUUID();
  // node:sqlite stores a lone surrogate as U+FFFD; IDs that reach SQL inside JSON must say the same.
  const asStored = <T extends { userIds: string[]; anonymousIds: string[] }>(set: T): T => ({
    ...set,
    userIds: set.userIds.map((id) => id.toWellFormed()),
    anonymousIds: set.anonymousIds.map((id) => id.toWellFormed()),
  });
  const transaction = <T>(work: () => T): T => inTransaction(db, work);

  // The graph's statements are made here, where person IDs are drawn; the writer only runs them.
  const prepare = (set: WriteSet): PreparedSet => ({
    events: set.events,
    consents: set.consents,
    rejected: set.rejected,
    statements: [
      ...(set.links ?? []).flatMap((link) => linkStatements(link, newPersonId)),
      ...(set.traits ?? []).flatMap((update) => traitsStatements(update, newPersonId, SQLITE_GRAPH)),
      ...(set.stitch ?? []).flatMap((signal) => stitchStatements(signal)),
    ],
  });

  const writer: Writer = inline
    ? inlineWriter(db)
    : createWriter({ path: options.path, busyTimeoutMs, checkpointFrames: CHECKPOINT_FRAMES });

  const storage: Storage = {
    ...createSqliteForwardStore(db),
    async migrate() {
      // The version is read under the write lock, so a second instance starting at once waits and then finds it current.
      transaction(() => {
        db.exec('create table if not exists schema_migrations (version integer primary key, applied_at text not null)');
        const row = db.prepare('select coalesce(max(version), 0) as version from schema_migrations').get() as { version: number };
        MIGRATIONS.slice(row.version).forEach((sql, offset) => {
          db.exec(sql);
          db.prepare('insert into schema_migrations (version, applied_at) values (?, ?)').run(row.version + offset + 1, new Date().toISOString());
        });
      });
    },

    write(set: WriteSet) {
      return writer.write(prepare(set));
    },

    async events(query: EventQuery): Promise<EventPage> {
      return eventPage(all(q.eventsPage(asStored(query), decodeCursor(query.before), query.limit)), query.limit);
    },

    async eventSummary(ids: IdSet) {
      const [row] = all<{ eventCount: number; firstSeen: string | null; lastSeen: string | null }>(q.eventSummary(asStored(ids)));
      return { eventCount: row?.eventCount ?? 0, firstSeen: row?.firstSeen ?? null, lastSeen: row?.lastSeen ?? null };
    },

    async rejected(site: string, limit: number): Promise<RejectedEvent[]> {
      return db
        .prepare('select site, received_at as receivedAt, reason, message, payload from rejected where site = ? order by seq desc limit ?')
        .all(site, limit) as unknown as RejectedEvent[];
    },

    async consents(ids: IdSet): Promise<ConsentRecord[]> {
      return all<ConsentRow>(q.consentsOf(asStored(ids))).map(consentFromRow);
    },

    async person(site: string, node: NodeRef) {
      return personFromRows(all(q.personNodes(site, node.kind, node.id)), all(q.personTraits(site, node.kind, node.id)));
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
        return transaction(() => {
          const erased = erasedCounts(q.eraseStatements({ ...asStored(person), deviceIds: person.deviceIds }, receipt).map(run));
          const done = { ...receipt, erased };
          run(q.receiptInsert(done));
          return done;
        });
      } catch (error) {
        throw storageUnavailable(error);
      }
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

    async close() {
      await writer.close();
      if (db.isOpen) db.close();
    },
  };
  if (!inline) writers.set(storage, writer);
  return storage;
}

/** SQLite's own auto-checkpoint mark, kept; only the thread that checkpoints changes. */
const CHECKPOINT_FRAMES = 1000;

/** The writer on the caller's event loop: the sets of one turn share a transaction. */
function inlineWriter(db: DatabaseSync): Writer {
  const commit = createGroupCommit(db);
  let waiting: { set: PreparedSet; resolve: (result: WriteResult) => void; reject: (error: unknown) => void }[] = [];
  let inFlight: Promise<void> | undefined;
  const commitWaiting = () => {
    const group = waiting;
    waiting = [];
    const outcomes = db.isOpen ? commit(group.map(({ set }) => set)) : group.map(() => ({ error: new Error('storage is closed') }));
    group.forEach(({ resolve, reject }, i) => {
      const outcome = outcomes[i]!;
      if ('result' in outcome) resolve(outcome.result);
      else reject(storageUnavailable(outcome.error));
    });
  };
  return {
    write(set) {
      return new Promise<WriteResult>((resolve, reject) => {
        waiting.push({ set, resolve, reject });
        if (waiting.length === 1) inFlight = new Promise((done) => setImmediate(() => done(commitWaiting())));
      });
    },
    async close() {
      await inFlight;
    },
    async crash() {},
  };
}
