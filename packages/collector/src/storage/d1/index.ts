import { storageUnavailable } from '../../errors.ts';
import { resultOf, storedSeqs, type StoredKey } from '../write-result.ts';
import { decodeCursor } from '../cursor.ts';
import { SQLITE_GRAPH, linkStatements, stitchStatements, traitsStatements } from '../graph.ts';
import {
  consentChoiceFromRow,
  funnelReachFromRow,
  personEventFromRow,
  figureEventOf,
  type PersonEventRow,
} from '../figures-rows.ts';
import {
  consentFromRow,
  edgeFromRow,
  erasedCounts,
  eventEntryFromRow,
  eventPage,
  personFromRows,
  personsFromRows,
  rejectedFromRow,
  seqEventFromRow,
  type ConsentRow,
  type EdgeRow,
  type EventEntryRow,
  type EventRow,
  type RejectedRow,
} from '../rows.ts';
import { expireStatements, expiredCounts } from '../expire.ts';
import * as q from '../sqlite-dialect/queries.ts';
import { countsByName, type NamedStatements, type Statement } from '../statement.ts';
import { UPSERT_CONTEXT, contextParams, contextRowsOf } from '../event-context.ts';
import { BANNER_TEXTS, CONSENTS, EVENTS, REJECTED, bannerTextsOf, onConflict, type Table } from '../tables.ts';
import { overviewOf, rankHits } from '../console-rows.ts';
import * as consoleQ from '../sqlite-dialect/console-queries.ts';
import type {
  FunnelReach,
  ConsentRecord,
  EventPage,
  EventQuery,
  IdSet,
  NodeRef,
  Person,
  PersonHit,
  PersonKey,
  RejectedEvent,
  StitchCandidate,
  Storage,
  WriteSet,
} from '../storage.ts';
import * as fq from '../sqlite-dialect/figures-queries.ts';
import { createD1ForwardStore } from './forward.ts';
import type { D1Database, D1PreparedStatement } from './binding.ts';
import { ORDER_COMPLETED } from '../figure-facts.ts';
import { MIGRATIONS } from './schema.ts';

export type { D1Database, D1PreparedStatement, D1Result } from './binding.ts';

export interface D1Options {
  /** The D1 binding from the Worker's env (wrangler.toml `[[d1_databases]]`). */
  db: D1Database;
}

// D1 refuses a statement with more than 100 bound parameters, so multi-row INSERTs are chunked.
const MAX_BOUND_PARAMETERS = 100;

/**
 * On Cloudflare Workers: one `db.batch` per write set, which D1 runs as one transaction, so a
 * write set is stored whole or not at all. D1 is SQLite: the tables are the sqlite adapter's.
 */
export function createD1Storage(options: D1Options): Storage {
  const { db } = options;

  /** Multi-row INSERTs of `records`, as few statements as D1's parameter limit allows; seq follows the records' order. */
  const inserts = <Item>(table: Table<Item>, records: readonly Item[], returning = ''): D1PreparedStatement[] => {
    const { columns } = table;
    const perStatement = Math.floor(MAX_BOUND_PARAMETERS / columns.length);
    const placeholders = `(${columns.map(() => '?').join(', ')})`;
    const statements: D1PreparedStatement[] = [];
    for (let start = 0; start < records.length; start += perStatement) {
      const chunk = records.slice(start, start + perStatement);
      const sql = `insert into ${table.name} (${columns.join(', ')}) values ${chunk.map(() => placeholders).join(', ')} ${onConflict(table)}${returning}`;
      statements.push(db.prepare(sql).bind(...chunk.flatMap(table.row)));
    }
    return statements;
  };

  const currentVersion = async () => {
    const { results } = await db
      .prepare('select coalesce(max(version), 0) as version from schema_migrations')
      .all<{ version: number }>();
    return results[0]?.version ?? 0;
  };

  const read = <T>(work: () => Promise<T>): Promise<T> => work().catch(unavailable);
  const bound = ({ sql, params }: Statement) => db.prepare(sql).bind(...params);
  const all = <Row>(statement: Statement) => read(() => bound(statement).all<Row>()).then((result) => result.results);
  /** One batch (one transaction); each statement's changes count under its name. */
  const batchNamed = async <Name extends string>(statements: NamedStatements<Name>) => {
    const results = await db.batch(Object.values<Statement>(statements).map(bound)).catch(unavailable);
    return countsByName(
      statements,
      results.map((result) => result.meta.changes),
    );
  };
  const newPersonId = () => crypto.randomUUID();

  return {
    ...createD1ForwardStore(db),
    async migrate() {
      await read(async () => {
        await db
          .prepare(
            'create table if not exists schema_migrations (version integer primary key, applied_at text not null)',
          )
          .run();
        const applied = await currentVersion();
        if (applied >= MIGRATIONS.length) return;
        // D1 has no interactive transactions, but a batch is one. Each migration's version row goes
        // in first: an instance migrating at the same moment fails on that primary key, its whole
        // batch rolls back, and it then finds the schema current.
        const now = new Date().toISOString();
        const statements = MIGRATIONS.slice(applied).flatMap((migration, offset) => [
          db
            .prepare('insert into schema_migrations (version, applied_at) values (?, ?)')
            .bind(applied + offset + 1, now),
          ...migration.map((sql) => db.prepare(sql)),
        ]);
        try {
          await db.batch(statements);
        } catch (error) {
          if ((await currentVersion()) < MIGRATIONS.length) throw error;
        }
      });
    },

    async write(set: WriteSet) {
      // Each stored row's key and seq: what the write answers for each event.
      const events = inserts(EVENTS, set.events, ' returning site, message_id, seq');
      const consents = inserts(CONSENTS, set.consents);
      const bannerTexts = inserts(BANNER_TEXTS, bannerTextsOf(set.consents));
      const rejected = inserts(REJECTED, set.rejected);
      // In the same batch (one transaction) as the events that name them.
      const contexts = contextRowsOf(set.events).map((row) => db.prepare(UPSERT_CONTEXT).bind(...contextParams(row)));

      const graph = [
        ...(set.links ?? []).flatMap((link) => linkStatements(link, newPersonId)),
        ...(set.traits ?? []).flatMap((update) => traitsStatements(update, newPersonId, SQLITE_GRAPH)),
        ...(set.stitch ?? []).flatMap(stitchStatements),
      ].map(bound);
      const statements = [...events, ...contexts, ...consents, ...bannerTexts, ...rejected, ...graph];
      if (statements.length === 0) return { inserted: 0, duplicates: 0, seqs: [] };
      const results = await db.batch(statements).catch(unavailable);
      const stored = results.slice(0, events.length).flatMap((result) => result.results as unknown as StoredKey[]);
      // A lone surrogate comes back from D1 as one U+FFFD per byte, which no key matches: such an event's
      // seq is left unknown (a reader reads it back), and the count is of the rows stored.
      const inserted = stored.length;
      return { ...resultOf(set.events, storedSeqs(stored)), inserted, duplicates: set.events.length - inserted };
    },

    async events(query: EventQuery): Promise<EventPage> {
      const rows = await all<EventRow>(q.eventsPage(query, decodeCursor(query.before), query.limit));
      return eventPage(rows, query.limit);
    },

    async eventSummary(ids: IdSet) {
      const [row] = await all<{ eventCount: number; firstSeen: string | null; lastSeen: string | null }>(
        q.eventSummary(ids),
      );
      return { eventCount: row?.eventCount ?? 0, firstSeen: row?.firstSeen ?? null, lastSeen: row?.lastSeen ?? null };
    },

    async eventEntries(ids: IdSet) {
      return (await all<EventEntryRow>(q.eventEntries(ids))).map(eventEntryFromRow);
    },

    async eventsBySeq(site: string, seqs: number[]) {
      return (await all<EventRow>(q.eventsBySeq(site, seqs))).map(seqEventFromRow);
    },

    async rejected(site: string, limit: number): Promise<RejectedEvent[]> {
      return (await all<RejectedRow>(q.recentRejected(site, limit))).map(rejectedFromRow);
    },

    async rejectedOf(ids: IdSet): Promise<RejectedEvent[]> {
      return (await all<RejectedRow>(q.rejectedOf(ids))).map(rejectedFromRow);
    },

    async personKeys(site: string) {
      return all<PersonKey>(q.personKeys(site));
    },

    async slotEvents(site: string, slot: string) {
      return (await all<EventRow>(q.slotEvents(site, slot))).map((row) => seqEventFromRow(row).event);
    },

    async consents(ids: IdSet): Promise<ConsentRecord[]> {
      return (await all<ConsentRow>(q.consentsOf(ids))).map(consentFromRow);
    },

    async person(site: string, node: NodeRef) {
      const [nodes, traits] = await read(() =>
        db.batch([bound(q.personNodes(site, node.kind, node.id)), bound(q.personTraits(site, node.kind, node.id))]),
      );
      return personFromRows(nodes!.results as never, traits!.results as never);
    },

    async persons(site: string, nodes: NodeRef[]) {
      if (nodes.length === 0) return new Map<string, Person>();
      const [found, traits] = await read(() =>
        db.batch([bound(q.personsNodes(site, nodes)), bound(q.personsTraits(site, nodes))]),
      );
      return personsFromRows(nodes, found!.results as never, traits!.results as never);
    },

    async edges(site: string, personId: string) {
      return (await all<EdgeRow>(q.edgesOf(site, personId))).map(edgeFromRow);
    },

    async stitchCandidates(ids: IdSet) {
      return all<StitchCandidate>(q.stitchCandidates(ids));
    },

    async deviceAnonymousId(site: string, deviceId: string) {
      return (await all<{ id: string }>(q.deviceAnonymousId(site, deviceId)))[0]?.id ?? null;
    },

    async claimNonce(nonce: string, expiresAt: string, now: string) {
      const results = await db.batch(q.claimNonce(nonce, expiresAt, now).map(bound)).catch(unavailable);
      return results.at(-1)?.meta.changes === 1;
    },

    async erase(site, person, receipt) {
      // The receipt's counts are only known once the erasing batch ran, so the receipt follows in its own.
      // Should that one fail, the call fails (503) and can simply be repeated.
      const done = { ...receipt, erased: erasedCounts(await batchNamed(q.eraseStatements(person, receipt))) };
      await db.batch([bound(q.receiptInsert(done))]).catch(unavailable);
      return done;
    },

    async purgeErasureExits(destinations: string[]) {
      // D1's count of changes includes index rows, so the exits are counted before and after instead (one batch, one transaction).
      const statements = q.purgeErasureExitsStatements(destinations);
      const results = await db.batch([statements.at(-1)!, ...statements].map(bound)).catch(unavailable);
      const waiting = (at: number) => (results[at]?.results[0] as { waiting: number } | undefined)?.waiting ?? 0;
      return { purged: waiting(0) - waiting(results.length - 1), waiting: waiting(results.length - 1) };
    },

    async expire(cutoff: Date, chunk: number) {
      return expiredCounts(await batchNamed(expireStatements(cutoff, chunk)));
    },

    async findPersons(site: string, text: string, limit: number) {
      const queries = [
        consoleQ.idsStartingWith(site, text, limit),
        consoleQ.emailsStartingWith(site, text.toLowerCase(), limit),
        consoleQ.eventIds(site, text),
      ];
      const results = await read(() => db.batch<PersonHit>(queries.map(bound)));
      return rankHits(
        text,
        results.flatMap((result) => result.results),
        limit,
      );
    },

    async recentPersons(site: string, limit: number) {
      return all<PersonHit>(consoleQ.recentNodes(site, limit));
    },

    async overview(site: string, from: string, to: string) {
      const results = await read(() =>
        db.batch<Record<string, unknown>>(consoleQ.overviewScanQueries(site, from, to).map(bound)),
      );
      return overviewOf(results.map((result) => result.results));
    },

    async bannerTexts(hashes: string[]) {
      const unique = [...new Set(hashes)];
      const lookups: D1PreparedStatement[] = [];
      for (let start = 0; start < unique.length; start += MAX_BOUND_PARAMETERS) {
        const chunk = unique.slice(start, start + MAX_BOUND_PARAMETERS);
        lookups.push(
          db
            .prepare(`select hash, texts from banner_texts where hash in (${chunk.map(() => '?').join(', ')})`)
            .bind(...chunk),
        );
      }
      if (lookups.length === 0) return {};
      const results = await read(() => db.batch<{ hash: string; texts: string }>(lookups));
      return Object.fromEntries(
        results
          .flatMap((result) => result.results)
          .map((row) => [row.hash, JSON.parse(row.texts) as Record<string, string>]),
      );
    },

    async writable() {
      try {
        // An UPDATE that changes nothing still takes the write lock, as every write must.
        await db.prepare('update schema_migrations set version = version where version < 0').run();
        return null;
      } catch (error) {
        return `D1 cannot be written (${error instanceof Error ? error.message : String(error)}).`;
      }
    },

    async siteEvents(query) {
      return (await all<PersonEventRow>(fq.siteEvents(query))).map(personEventFromRow);
    },

    async siteVisitors(window) {
      const [row] = await all<{ visitors: number; identified: number }>(fq.siteVisitors(window));
      return { visitors: Number(row!.visitors), identified: Number(row!.identified) };
    },

    // No rollups here yet: the orders and touches are read from the events (figure-facts.ts).
    async siteOrdersAndTouches(query) {
      return (await all<PersonEventRow>(fq.siteEvents({ ...query, events: [ORDER_COMPLETED], campaigns: true }))).map(
        (row) => figureEventOf(personEventFromRow(row)),
      );
    },

    async siteConsents(window) {
      return (await all<{ method: string; categories: string }>(fq.siteConsents(window))).map(consentChoiceFromRow);
    },

    async siteFunnel(query) {
      return (await all<FunnelReach>(fq.siteFunnel(query))).map(funnelReachFromRow);
    },

    async savePredictions(site, fittedAt, model) {
      await read(() => bound(fq.savePredictions(site, fittedAt, model)).run());
    },

    async predictions(site) {
      const [row] = await all<{ fittedAt: string; model: string }>(fq.predictions(site));
      return row ? { fittedAt: row.fittedAt, model: JSON.parse(row.model) as unknown } : null;
    },

    // The binding belongs to the Worker's env; there is no connection to close.
    async close() {},
  };
}

/**
 * D1 reports a statement it refuses (a constraint, a missing table) as a SQLite error; anything
 * else (the database unreachable, overloaded, reset, timed out) means try again later: a 503.
 */
function isRefusal(error: unknown): boolean {
  const message = error instanceof Error ? error.message : String(error);
  // A missing table is not among them: the database was emptied or replaced under the Worker, so storage is gone (503).
  return /SQLITE_(CONSTRAINT|MISMATCH|RANGE|TOOBIG)|constraint failed|no such column|syntax error|too many SQL variables/i.test(
    message,
  );
}

function unavailable(error: unknown): never {
  throw isRefusal(error) ? error : storageUnavailable(error);
}
