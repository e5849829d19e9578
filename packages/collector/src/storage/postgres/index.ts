import pg from 'pg';
import { storageUnavailable } from '../../errors.ts';
import { decodeCursor } from '../cursor.ts';
import * as fq from './figures-queries.ts';
import {
  consentChoiceFromRow,
  funnelReachFromRow,
  personEventFromRow,
  figureEventOf,
  type PersonEventRow,
} from '../figures-rows.ts';
import { POSTGRES_GRAPH, linkStatements, stitchStatements, traitsStatements } from '../graph.ts';
import {
  consentFromRow,
  edgeFromRow,
  erasedCounts,
  eventEntryFromRow,
  eventPage,
  personFromRows,
  personsFromRows,
  type PersonsNodeRow,
  rejectedFromRow,
  seqEventFromRow,
  type ConsentRow,
  type EdgeRow,
  type EventEntryRow,
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
  WriteSet,
} from '../storage.ts';
import { expireStatements, expiredCounts } from '../expire.ts';
import { countsByName, numbered, type NamedStatements, type SqlValue, type Statement } from '../statement.ts';
import { contextRowsOf, type ContextRow } from '../event-context.ts';
import {
  BANNER_TEXTS,
  CONSENTS,
  CONTEXTS,
  EVENTS,
  REJECTED,
  bannerTextsOf,
  type RowValue,
  type Table,
} from '../tables.ts';
import * as q from './queries.ts';
import * as consoleQ from './console-queries.ts';
import { overviewOf, rankHits } from '../console-rows.ts';
import { createPostgresForwardStore } from './forward.ts';
import { createGroupedInsert } from './grouped-insert.ts';
import { resultOf, storedSeqs, type StoredKey } from '../write-result.ts';
import { storable } from './storable.ts';
import { ORDER_COMPLETED } from '../figure-facts.ts';
import { MIGRATIONS } from './schema.ts';

export interface PostgresOptions {
  /** A libpq URL: postgres://user:password@host:5432/database (query options such as sslmode too). */
  url: string;
  /** Connections this collector instance may hold; default 10. */
  poolSize?: number;
  /**
   * Grouped INSERTs of returning browsers' batches this instance runs at once (grouped-insert.ts);
   * default 2, measured best on two cores (bench/RESULTS.md, `bench:postgres-insert`).
   */
  insertsInFlight?: number;
  /**
   * How long an erasure waits for transactions older than it (reports, backups, other collectors'
   * reads) before its vacuum, which cannot remove row versions they may still read; default 10 s.
   */
  erasureWaitMs?: number;
}

// Any number all instances agree on: it makes collectors that start at once migrate one after the other.
const MIGRATION_LOCK = 0x6b697468;
// Graph changes of one site take turns (per transaction), so two instances applying conflicting
// identify calls at once cannot both see "no user yet" and join one anonymous ID to two users.
const GRAPH_LOCK = 0x6b677068;

const newPersonId = () => crypto.randomUUID();
// jsonb (traits) cannot hold \u0000 either; a NUL in a trait becomes U+2400 like in the columns.
const traitsJson = (value: object) => JSON.stringify(value).replaceAll('\\u0000', '\u2400');

/**
 * For several collector instances on one database: one transaction and one INSERT per table per
 * write set; returning browsers' batches that wait at the same time share theirs.
 */
export function createPostgresStorage(options: PostgresOptions): Storage {
  const poolSize = options.poolSize ?? 10;
  const pool = new pg.Pool({
    connectionString: options.url,
    max: poolSize,
    // An unreachable or hung server becomes a 503 within seconds instead of a request held open.
    connectionTimeoutMillis: 5_000,
    query_timeout: 30_000,
    keepAlive: true,
  });
  // The server may close an idle connection (restart, failover); the pool drops it and opens a new
  // one when next needed. Unheard, this event would end the process.
  pool.on('error', () => {});

  async function transaction<T>(work: (client: pg.PoolClient) => Promise<T>): Promise<T> {
    const client = await pool.connect().catch(unavailable);
    // A connection lost between two statements also emits here; the next statement reports it.
    const quiet = () => {};
    client.on('error', quiet);
    let failure: Error | undefined;
    try {
      await client.query('begin');
      const result = await work(client);
      await client.query('commit');
      return result;
    } catch (error) {
      failure = error instanceof Error ? error : new Error(String(error));
      await client.query('rollback').catch(() => {});
      return unavailable(error);
    } finally {
      client.off('error', quiet);
      // After a failure the connection may be broken: close it rather than hand it out again.
      client.release(failure);
    }
  }

  /**
   * Waits (at most `erasureWaitMs`) until no other session holds a snapshot as old as transaction
   * `xid`. Past that, the caller's vacuum still runs and autovacuum removes what the late snapshot
   * kept once it ends; a long report or backup should not hold an erasure's answer for ever.
   */
  async function olderSnapshotsEnded(xid: string): Promise<void> {
    const until = Date.now() + (options.erasureWaitMs ?? 10_000);
    for (;;) {
      const { rows } = await pool.query<{ open: number }>(q.OLDER_SNAPSHOTS, [xid]).catch(unavailable);
      if ((rows[0]?.open ?? 0) === 0 || Date.now() >= until) return;
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
  }

  const read = <Row extends pg.QueryResultRow>(sql: string, values: unknown[]) =>
    pool.query<Row>(sql, values).then((result) => result.rows, unavailable);
  const run = <Row extends pg.QueryResultRow>(statement: Statement) =>
    read<Row>(numbered(statement.sql), statement.params);
  /** Runs the statements in order inside the caller's transaction; each one's changes count under its name. */
  const runNamed = async <Name extends string>(client: pg.PoolClient, statements: NamedStatements<Name>) => {
    const changes: number[] = [];
    for (const { sql, params } of Object.values<Statement>(statements))
      changes.push((await client.query(numbered(sql), params)).rowCount ?? 0);
    return countsByName(statements, changes);
  };
  const text = (value: string) => storable(value) ?? '';
  const insertGrouped = createGroupedInsert(
    async (events) =>
      (
        await pool.query<StoredKey>({
          ...NAMED_INSERT_EVENTS_RETURNING,
          values: eventsAndContexts(events),
        })
      ).rows,
    isUnreachable,
    // One leaves the server idle during each round trip, more make smaller groups. A group stays
    // far below PostgreSQL's parameter limits.
    { inFlight: Math.min(options.insertsInFlight ?? 2, poolSize), maxEvents: 2000 },
  );

  return {
    ...createPostgresForwardStore(pool),
    async migrate(onStep?: MigrationStep) {
      await transaction(async (client) => {
        await client.query('select pg_advisory_xact_lock($1)', [MIGRATION_LOCK]);
        await client.query(
          'create table if not exists schema_migrations (version integer primary key, applied_at timestamptz not null default now())',
        );
        const { rows } = await client.query<{ version: number }>(
          'select coalesce(max(version), 0)::integer as version from schema_migrations',
        );
        const applied = rows[0]?.version ?? 0;
        for (const [offset, sql] of MIGRATIONS.slice(applied).entries()) {
          onStep?.(applied + offset + 1, MIGRATIONS.length);
          await client.query(sql);
          await client.query('insert into schema_migrations (version) values ($1)', [applied + offset + 1]);
        }
      });
    },

    async write(set: WriteSet) {
      // A returning browser's batch holds only events: one INSERT is its own transaction, durable
      // when it returns, so it needs one round trip instead of begin, insert and commit; batches
      // waiting at the same time share that INSERT (grouped-insert.ts).
      if (
        set.events.length > 0 &&
        !set.links?.length &&
        !set.traits?.length &&
        !set.stitch?.length &&
        set.consents.length === 0 &&
        set.rejected.length === 0
      ) {
        return insertGrouped(set.events).catch(unavailable);
      }
      return transaction(async (client) => {
        const graph = [
          ...(set.links ?? []).flatMap((link) => linkStatements(link, newPersonId)),
          ...(set.traits ?? []).flatMap((update) => traitsStatements(update, newPersonId, POSTGRES_GRAPH, traitsJson)),
          ...(set.stitch ?? []).flatMap(stitchStatements),
        ];
        // Taken first, before any row lock, so a writer waiting for it holds nothing another needs.
        if (graph.length > 0)
          await client.query('select pg_advisory_xact_lock($1, hashtext($2))', [
            GRAPH_LOCK,
            set.links?.[0]?.site ?? set.traits?.[0]?.site ?? set.stitch?.[0]?.site ?? '',
          ]);
        const stored =
          set.events.length > 0
            ? (
                await client.query<StoredKey>({
                  ...NAMED_INSERT_EVENTS_RETURNING,
                  values: eventsAndContexts(set.events),
                })
              ).rows
            : [];
        if (set.consents.length > 0) await client.query(INSERT_CONSENTS, byColumn(CONSENTS, set.consents));
        const texts = bannerTextsOf(set.consents);
        if (texts.length > 0) await client.query(INSERT_BANNER_TEXTS, byColumn(BANNER_TEXTS, texts));
        if (set.rejected.length > 0) await client.query(INSERT_REJECTED, byColumn(REJECTED, set.rejected));
        for (const statement of graph) await client.query(numbered(statement.sql), statement.params.map(storableValue));
        return resultOf(set.events, storedSeqs(stored), storable);
      });
    },

    async events(query: EventQuery): Promise<EventPage> {
      const rows = await run<EventRow>(q.eventsPage(query, decodeCursor(query.before), query.limit, text));
      return eventPage(rows, query.limit);
    },

    async eventSummary(ids: IdSet) {
      const [row] = await run<{ eventCount: number; firstSeen: string | null; lastSeen: string | null }>(
        q.eventSummary(ids, text),
      );
      return { eventCount: row?.eventCount ?? 0, firstSeen: row?.firstSeen ?? null, lastSeen: row?.lastSeen ?? null };
    },

    async eventEntries(ids: IdSet) {
      return (await run<EventEntryRow>(q.eventEntries(ids, text))).map(eventEntryFromRow);
    },

    async eventsBySeq(site: string, seqs: number[]) {
      return (await run<EventRow>(q.eventsBySeq(site, seqs))).map(seqEventFromRow);
    },

    async rejected(site: string, limit: number): Promise<RejectedEvent[]> {
      const rows = await read<RejectedRow>(
        'select site, received_at, reason, message, payload, anonymous_id, user_id from rejected where site = $1 order by seq desc limit $2',
        [site, limit],
      );
      return rows.map(rejectedFromRow);
    },

    async rejectedOf(ids: IdSet): Promise<RejectedEvent[]> {
      return (await run<RejectedRow>(q.rejectedOf(ids, text))).map(rejectedFromRow);
    },

    async personKeys(site: string) {
      return run<{ kind: PersonKey['kind']; id: string }>(q.personKeys(site));
    },

    async slotEvents(site: string, slot: string) {
      return (await run<EventRow>(q.slotEvents(site, slot))).map((row) => seqEventFromRow(row).event);
    },

    async consents(ids: IdSet): Promise<ConsentRecord[]> {
      return (await run<ConsentRow>(q.consentsOf(ids, text))).map(consentFromRow);
    },

    async person(site: string, node: NodeRef) {
      const [nodes, traits] = await Promise.all([
        run<{ kind: string; id: string; personId: string }>(q.personNodes(site, node.kind, text(node.id))),
        run<{ traits: Record<string, unknown> }>(q.personTraits(site, node.kind, text(node.id))),
      ]);
      return personFromRows(nodes, traits);
    },

    async persons(site: string, nodes: NodeRef[]) {
      if (nodes.length === 0) return new Map<string, Person>();
      const [found, traits] = await Promise.all([
        run<PersonsNodeRow>(q.personsNodes(site, nodes, text)),
        run<{ personId: string; traits: Record<string, unknown> }>(q.personsTraits(site, nodes, text)),
      ]);
      return personsFromRows(nodes, found, traits);
    },

    async edges(site: string, personId: string) {
      return (await run<EdgeRow>(q.edgesOf(site, personId))).map(edgeFromRow);
    },

    async stitchCandidates(ids: IdSet) {
      const rows = await run<StitchCandidate>(q.stitchCandidates(ids, text));
      return rows.map((row) => ({ ...row, score: Number(row.score) }));
    },

    async deviceAnonymousId(site: string, deviceId: string) {
      return (await run<{ id: string }>(q.deviceAnonymousId(site, text(deviceId))))[0]?.id ?? null;
    },

    async claimNonce(nonce: string, expiresAt: string, now: string) {
      return transaction(async (client) => {
        await client.query('delete from linker_nonces where expires_at < $1', [now]);
        const claimed = await client.query(
          'insert into linker_nonces (nonce, expires_at) values ($1, $2) on conflict (nonce) do nothing',
          [text(nonce), expiresAt],
        );
        return claimed.rowCount === 1;
      });
    },

    async erase(site, person, receipt) {
      const done = await transaction(async (client) => {
        await client.query('select pg_advisory_xact_lock($1, hashtext($2))', [GRAPH_LOCK, site]);
        const done = {
          ...receipt,
          erased: erasedCounts(await runNamed(client, q.eraseStatements(person, receipt, text))),
        };
        await client.query(
          'insert into erasures (receipt_id, site, erased_at, pseudonym, erased) values ($1, $2, $3, $4, $5)',
          [done.receiptId, site, done.erasedAt, done.pseudonym, JSON.stringify(done.erased)],
        );
        const { rows } = await client.query<{ xid: string }>(q.OWN_XID);
        return { done, xid: rows[0]!.xid };
      });
      // A deleted row stays in the table's pages as a dead version until a vacuum removes it; the
      // erasure answers once it has. A vacuum keeps the versions an older snapshot may still read, so
      // it waits for those transactions first. INDEX_CLEANUP on: the indexes hold the IDs too, and
      // vacuum would otherwise skip them when few rows died.
      await olderSnapshotsEnded(done.xid);
      await pool.query(`vacuum (index_cleanup on) ${q.ERASED_TABLES.join(', ')}`).catch(unavailable);
      return done.done;
    },

    async purgeErasureExits(destinations: string[]) {
      const [remove, unletter, empty, count] = q.purgeErasureExitsStatements(destinations) as [
        Statement,
        Statement,
        Statement,
        Statement,
      ];
      const done = await transaction(async (client) => {
        const purged = (await client.query(numbered(remove.sql), remove.params)).rowCount ?? 0;
        if (purged > 0) for (const { sql, params } of [unletter, empty]) await client.query(numbered(sql), params);
        const { rows } = await client.query<{ waiting: number }>(numbered(count.sql), count.params);
        const own = await client.query<{ xid: string }>(q.OWN_XID);
        return { purged, waiting: rows[0]?.waiting ?? 0, xid: own.rows[0]!.xid };
      });
      // As after an erasure: the deleted rows' dead versions go before the answer.
      if (done.purged > 0) {
        await olderSnapshotsEnded(done.xid);
        await pool.query('vacuum (index_cleanup on) events, dead_letters').catch(unavailable);
      }
      return { purged: done.purged, waiting: done.waiting };
    },

    async expire(cutoff: Date, chunk: number) {
      return transaction(async (client) => expiredCounts(await runNamed(client, expireStatements(cutoff, chunk))));
    },

    async findPersons(site: string, query: string, limit: number) {
      const searched = text(query);
      const hits = await Promise.all(
        [
          consoleQ.idsStartingWith(site, searched, limit),
          consoleQ.emailsStartingWith(site, searched.toLowerCase(), limit),
          consoleQ.eventIds(site, searched),
        ].map((statement) => run<PersonHit>(statement)),
      );
      return rankHits(searched, hits.flat(), limit);
    },

    async recentPersons(site: string, limit: number) {
      return run<PersonHit>(consoleQ.recentNodes(site, limit));
    },

    async overview(site: string, from: string, to: string) {
      return overviewOf(
        await Promise.all(
          consoleQ.overviewQueries(site, from, to).map((statement) => run<Record<string, unknown>>(statement)),
        ),
      );
    },

    async bannerTexts(hashes: string[]) {
      const rows = await read<{ hash: string; texts: Record<string, string> }>(
        'select hash, texts from banner_texts where hash = any($1::text[])',
        [hashes],
      );
      return Object.fromEntries(rows.map((row) => [row.hash, row.texts]));
    },

    async writable() {
      try {
        // A standby after failover, or a database without the schema, reads but cannot take events.
        const [row] = await read<{ standby: boolean; schema: string | null }>(
          "select pg_is_in_recovery() as standby, to_regclass('events')::text as schema",
          [],
        );
        if (row?.standby) return 'PostgreSQL is a read-only standby; point --storage at the primary.';
        if (!row?.schema) return 'The database has no Kith tables; run "kith migrate".';
        return null;
      } catch (error) {
        const cause = (error as { cause?: unknown }).cause ?? error;
        return `PostgreSQL cannot be reached (${cause instanceof Error ? cause.message : String(cause)}).`;
      }
    },

    async siteEvents(query) {
      return (await run<PersonEventRow>(fq.siteEvents(query, text))).map(personEventFromRow);
    },

    async siteVisitors(window) {
      const [row] = await run<{ visitors: number; identified: number }>(fq.siteVisitors(window, text));
      return { visitors: row!.visitors, identified: row!.identified };
    },

    // No rollups here yet: the orders and touches are read from the events (figure-facts.ts).
    async siteOrdersAndTouches(query) {
      return (
        await run<PersonEventRow>(fq.siteEvents({ ...query, events: [ORDER_COMPLETED], campaigns: true }, text))
      ).map((row) => figureEventOf(personEventFromRow(row)));
    },

    async siteConsents(window) {
      return (await run<{ method: string; categories: Record<string, boolean> }>(fq.siteConsents(window, text))).map(
        consentChoiceFromRow,
      );
    },

    async siteFunnel(query) {
      return (await run<FunnelReach>(fq.siteFunnel(query, text))).map(funnelReachFromRow);
    },

    async savePredictions(site, fittedAt, model) {
      await run(fq.savePredictions(site, fittedAt, model));
    },

    async predictions(site) {
      const [row] = await run<{ fittedAt: string; model: unknown }>(fq.predictions(site));
      return row ? { fittedAt: row.fittedAt, model: row.model } : null;
    },

    async close() {
      await pool.end();
    },
  };
}

/**
 * One INSERT for all of a write set's rows, sent as one parameter per column: a text[] array, or
 * for a json column one JSON array of the values, so the client joins the JSON texts it already
 * has instead of quoting each one as an array element (measured in bench/RESULTS.md). `seq`
 * follows the rows' order in the set (newest-first paging breaks ties by it), while the rows go in
 * ordered by their key: two instances writing overlapping sets then lock the same keys in the same
 * order, so one waits for the other instead of deadlocking.
 */
function batchInsert(table: Table<never>, also = ''): string {
  const names = table.columns.join(', ');
  const key = table.key.join(', ');
  const onConflict = key ? `order by ${key} on conflict (${key}) do nothing` : 'order by seq';
  return `with incoming as materialized (
      select nextval('${table.name}_seq_seq') as seq, ${names}
      from ${columnSources(table)} with ordinality as given (${names}, position)
      order by position
    )${also}
    insert into ${table.name} (seq, ${names}) select seq, ${names} from incoming ${onConflict}`;
}

/** The parameters side by side, row n of each together (what byColumn sends). */
const columnSources = (table: Table<never>, offset = 0) =>
  `rows from (${table.columns
    .map((column, i) =>
      table.json.includes(column)
        ? `json_array_elements($${offset + i + 1}::json)`
        : `unnest($${offset + i + 1}::text[])`,
    )
    .join(', ')})`;

/**
 * The events' shared contexts (event-context.ts) upserted by the events' own statement, so the group
 * stays one INSERT and one transaction; its parameters follow the events'. In key order, so that two
 * collectors' statements lock the rows they share in the same order.
 */
const UPSERT_CONTEXTS = `, contexts_stored as (
      insert into contexts (${CONTEXTS.columns.join(', ')})
      select ${CONTEXTS.columns.join(', ')} from ${columnSources(CONTEXTS as Table<never>, EVENTS.columns.length)}
        as given (${CONTEXTS.columns.join(', ')}) order by site, owner, key
      on conflict (site, owner, key) do update set received_at = excluded.received_at where excluded.received_at > contexts.received_at
    )`;

const INSERT_EVENTS = batchInsert(EVENTS, UPSERT_CONTEXTS);
// Named, so each connection parses and plans them once instead of on every write (measured in
// bench/RESULTS.md). It returns the stored rows' keys and seqs: what each request's events were stored as.
const NAMED_INSERT_EVENTS_RETURNING = {
  name: 'kith_insert_events_returning',
  text: `${INSERT_EVENTS} returning site, message_id, seq`,
};
const INSERT_CONSENTS = batchInsert(CONSENTS);
const INSERT_REJECTED = batchInsert(REJECTED);
// banner_texts has no seq: its rows go in as given, in key order.
const INSERT_BANNER_TEXTS = `insert into banner_texts (hash, texts, first_seen)
  select hash, texts, first_seen from ${columnSources(BANNER_TEXTS as Table<never>)} as given (hash, texts, first_seen)
  order by hash on conflict (hash) do nothing`;

/** Records to one parameter per column: a text[] array, or for a json column one JSON array text. */
function byColumn<Source>(table: Table<Source>, records: readonly Source[]): (RowValue[] | string)[] {
  const columns = table.columns.map(() => [] as RowValue[]);
  for (const record of records) table.row(record).forEach((value, i) => columns[i]!.push(storable(value)));
  // A json column is never null (each table's json columns are not null).
  return columns.map((values, i) => (table.json.includes(table.columns[i]!) ? `[${values.join(',')}]` : values));
}

/** INSERT_EVENTS's parameters: the events' columns, then their contexts'. */
const eventsAndContexts = (events: readonly StoredEvent[]) => [
  ...byColumn(EVENTS, events),
  ...byColumn(CONTEXTS, storedOnce(contextRowsOf(events))),
];

/**
 * Each context row once as its columns keep it: two owners that differ only by a NUL and a U+2400
 * are one owner here (storable.ts), and one upsert may not touch a row twice.
 */
function storedOnce(rows: ContextRow[]): ContextRow[] {
  const once = new Map<string, ContextRow>();
  for (const row of rows) {
    const id = `${storable(row.site)}\n${storable(row.owner)}\n${row.key}`;
    const seen = once.get(id);
    if (!seen || row.receivedAt > seen.receivedAt) once.set(id, row);
  }
  return [...once.values()];
}

const storableValue = (value: SqlValue): SqlValue => (typeof value === 'string' ? storable(value) : value);

/** The server could not be reached or is going away, as opposed to refusing a statement. */
function isUnreachable(error: unknown): boolean {
  // Socket errors, timeouts, a terminated connection or an ended pool: no answer from the server.
  if (!(error instanceof pg.DatabaseError)) return true;
  // Connection (08), login refused (28), deadlock or serialization (40), out of resources (53),
  // shutting down (57P), statement timeout (57014), a read-only standby after failover (25006).
  // The database or its tables dropped under a running collector (3D000, 42P01): storage is gone, not the request wrong.
  return /^(08|28|40|53|57P|57014|25006|3D000|42P01)/.test(error.code ?? '');
}

function unavailable(error: unknown): never {
  throw isUnreachable(error) ? storageUnavailable(error) : error;
}
