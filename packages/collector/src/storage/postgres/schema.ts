/**
 * Ordered migrations; each runs once, recorded in schema_migrations. Same tables as the SQLite
 * adapter's. Times are the pipeline's ISO-8601 UTC strings kept as text in the "C" collation, so
 * they sort as SQLite sorts them and a cursor's timestamp comes back byte for byte. JSON is kept
 * as `json`, not `jsonb`: it returns the text as written, and jsonb refuses the `\u0000` that
 * JSON.stringify writes for a NUL in a client's string.
 */
export const MIGRATIONS: readonly string[] = [
  `
  create table events (
    seq          bigserial primary key,
    site         text not null,
    message_id   text not null,
    type         text not null,
    event        text,
    user_id      text,
    anonymous_id text,
    timestamp    text collate "C" not null,
    received_at  text collate "C" not null,
    body         json not null,
    unique (site, message_id)
  );
  create index events_by_user on events (user_id, timestamp desc, seq desc) where user_id is not null;
  create index events_by_anonymous on events (anonymous_id, timestamp desc, seq desc) where anonymous_id is not null;

  create table rejected (
    seq         bigserial primary key,
    site        text not null,
    received_at text collate "C" not null,
    reason      text not null,
    message     text not null,
    payload     text not null
  );
  create index rejected_by_site on rejected (site, seq desc);

  -- Proof of consent: rows are only ever added.
  create table consent_log (
    seq              bigserial primary key,
    site             text not null,
    message_id       text not null,
    anonymous_id     text,
    user_id          text,
    timestamp        text collate "C" not null,
    received_at      text collate "C" not null,
    policy_version   text not null,
    categories       json not null,
    method           text not null,
    banner_text_hash text,
    locale           text,
    unique (site, message_id)
  );
  create index consent_log_by_user on consent_log (user_id, seq) where user_id is not null;
  create index consent_log_by_anonymous on consent_log (anonymous_id, seq) where anonymous_id is not null;
  create function consent_log_append_only() returns trigger language plpgsql as $$
    begin
      raise exception 'consent_log is append-only' using errcode = 'restrict_violation';
    end
  $$;
  create trigger consent_log_append_only before update or delete on consent_log
    for each row execute function consent_log_append_only();
  -- TRUNCATE skips row triggers, so it gets its own.
  create trigger consent_log_no_truncate before truncate on consent_log
    for each statement execute function consent_log_append_only();

  -- Each version of the banner's texts, once, under the hash the consent log refers to.
  create table banner_texts (
    hash       text primary key,
    texts      json not null,
    first_seen text collate "C" not null
  );
  `,
  // 2: the identity graph, linker nonces, erasure receipts (see the sqlite adapter's schema for what each holds).
  `
  create table identities (
    site       text not null,
    kind       text not null,
    id         text not null,
    person_id  text not null,
    first_seen text collate "C" not null,
    primary key (site, kind, id)
  );
  create index identities_by_person on identities (site, person_id, kind);

  create table identity_edges (
    seq           bigserial primary key,
    site          text not null,
    from_kind     text not null,
    from_id       text not null,
    to_kind       text not null,
    to_id         text not null,
    how           text not null,
    source        text not null,
    at            text collate "C" not null,
    outcome       text not null,
    kept_person   text,
    merged_person text,
    unique (site, from_kind, from_id, to_kind, to_id, how)
  );
  create index identity_edges_to on identity_edges (site, to_kind, to_id);

  create table merge_log (
    edge_seq      bigint primary key,
    site          text not null,
    at            text collate "C" not null,
    kept_person   text not null,
    merged_person text not null
  );
  create table merge_moves (
    edge_seq bigint not null,
    kind     text not null,
    id       text not null,
    primary key (edge_seq, kind, id)
  );

  create table identity_traits (
    site       text not null,
    kind       text not null,
    id         text not null,
    traits     jsonb not null,
    updated_at text collate "C" not null,
    primary key (site, kind, id)
  );

  create table linker_nonces (
    nonce      text primary key,
    expires_at text collate "C" not null
  );
  create index linker_nonces_by_expiry on linker_nonces (expires_at);

  -- Probabilistic stitching (opt-in): what a new anonymous ID arrived with, and the scored candidates
  -- it may be the same visitor as. Kept apart from the graph: a candidate never merges anything by itself.
  create table stitch_signals (
    site         text not null,
    anonymous_id text not null,
    ip           text not null,
    user_agent   text not null,
    seen_epoch   bigint not null,
    primary key (site, anonymous_id)
  );
  create index stitch_signals_by_ip on stitch_signals (site, ip, seen_epoch);
  create table stitch_candidates (
    site         text not null,
    anonymous_id text not null,
    candidate_id text not null,
    score        double precision not null,
    reasons      text not null,
    at           text not null,
    primary key (site, anonymous_id, candidate_id)
  );
  create index stitch_candidates_by_candidate on stitch_candidates (site, candidate_id);

  create table erasures (
    receipt_id text primary key,
    site       text not null,
    erased_at  text collate "C" not null,
    pseudonym  text not null,
    erased     json not null
  );

  -- Still append-only, except that an erasure (GDPR Art. 17) replaces the person's IDs by a pseudonym.
  create function consent_log_erasure_only() returns trigger language plpgsql as $$
    begin
      if tg_op = 'UPDATE'
        and (new.seq, new.site, new.message_id, new.timestamp, new.received_at, new.policy_version, new.categories::text,
             new.method, new.banner_text_hash, new.locale)
          is not distinct from (old.seq, old.site, old.message_id, old.timestamp, old.received_at, old.policy_version,
             old.categories::text, old.method, old.banner_text_hash, old.locale)
        and (new.anonymous_id is not distinct from old.anonymous_id or new.anonymous_id like 'erased:%')
        and (new.user_id is not distinct from old.user_id or new.user_id like 'erased:%')
      then
        return new;
      end if;
      raise exception 'consent_log is append-only; only an erasure may pseudonymise its IDs' using errcode = 'restrict_violation';
    end
  $$;
  drop trigger consent_log_append_only on consent_log;
  create trigger consent_log_append_only before update or delete on consent_log
    for each row execute function consent_log_erasure_only();
  `,
  // 3: forwarding (forward/): the events table is the outbox, read per destination after a cursor.
  `
  -- Which transaction inserted each event. Sequence values are taken before commit, so a lower seq can
  -- commit after a higher one; a forwarder reads in (tx, seq) order and only events of transactions
  -- older than every one still running (see forward.ts).
  alter table events add column tx xid8 not null default pg_current_xact_id();
  create index events_by_tx on events (tx, seq);

  -- One row per destination: how far it has been delivered, and which collector instance forwards it (a lease).
  create table forward_cursors (
    destination text primary key,
    tx          xid8 not null default '0',
    seq         bigint not null default 0,
    owner       text,
    lease_until timestamptz,
    updated_at  timestamptz not null default now()
  );

  -- Batches a destination refused for good or failed on every try, with their events, to inspect and replay.
  create table dead_letters (
    id          bigserial primary key,
    destination text not null,
    failed_at   text collate "C" not null,
    attempts    integer not null,
    error       text not null,
    events      json not null
  );
  create index dead_letters_by_destination on dead_letters (destination, id);
  `,
  // 4: a quarantined event keeps the IDs it names (see the sqlite adapter's schema); a refusal for lack of consent keeps no payload.
  `
  alter table rejected add column anonymous_id text;
  alter table rejected add column user_id text;
  create index rejected_by_anonymous on rejected (anonymous_id) where anonymous_id is not null;
  create index rejected_by_user on rejected (user_id) where user_id is not null;
  create function pg_temp.kith_id(payload text, key text) returns text language plpgsql as $$
    begin
      return case when json_typeof(payload::json -> key) in ('string', 'number') and length(payload::json ->> key) <= 256 then payload::json ->> key end;
    exception when others then
      return null;
    end
  $$;
  update rejected set anonymous_id = pg_temp.kith_id(payload, 'anonymousId'), user_id = pg_temp.kith_id(payload, 'userId');
  update rejected set payload = '{"count":1}', anonymous_id = null, user_id = null where reason = 'no_consent';
  `,
  // 5: predictions (figures/predict.ts): a site's latest fitted parameters with their data window and holdout check.
  `
  create table predictions (
    site      text primary key,
    fitted_at text collate "C" not null,
    model     json not null
  );
  `,
  // 6: figures read a site's window without its bodies (see the sqlite adapter's schema). The campaign index
  // tests the body's text: json's -> refuses a body that holds \u0000, and an index expression that throws
  // would refuse that event's insert.
  `
  create index events_by_site_time on events (site, timestamp, user_id, anonymous_id);
  create index events_by_site_event on events (site, event, timestamp, user_id, anonymous_id) where type = 'track';
  create index events_with_campaign on events (site, timestamp) where strpos(body::text, '"campaign":') > 0;
  `,
  // 7: the console's recent persons and refusals by time. The overview's per-day counts that SQLite keeps
  // by triggers are not kept here: a row per day and name, updated by every batch, would make concurrent
  // collectors wait for each other's commits (and deadlock with the events' unique key), so the overview
  // scans the events on PostgreSQL.
  `
  create index rejected_by_time on rejected (site, received_at, reason);
  create index identities_by_first_seen on identities (site, first_seen);
  `,
  // 8: the collector's own change events (audiences/): the members index finds an audience's members
  // without reading every person; erasure exits wait in the outbox until every forwarder has them.
  // A body with a \u escape (a NUL or a lone surrogate PostgreSQL cannot take apart as json) is left out.
  `
  create index events_by_computed_slot on events (site, (case when strpos(body::text, '\\u') = 0 then body -> 'context' -> 'kith' ->> 'slot' end)) where (case when strpos(body::text, '\\u') = 0 then body -> 'context' -> 'kith' ->> 'computed' end) = 'true';
  create index events_erasure_exits on events (tx, seq) where (case when strpos(body::text, '\\u') = 0 then body -> 'context' -> 'kith' ->> 'erasure' end) = 'true';
  `,
  // 9: what the partial indexes of 6 and 8 tested in each body are text columns set at insert, as on SQLite
  // (tables.ts EVENTS): '1' when the event carries a campaign, the slot of the collector's change event, '1'
  // for an erasure exit. Old rows are filled from their bodies; where PostgreSQL cannot take a body apart (a
  // \u0000 in it), a body that names a campaign counts as one, as the old index's condition did.
  `
  alter table events add column campaign text;
  alter table events add column computed_slot text;
  alter table events add column erasure_exit text;
  create function pg_temp.kith_path(body json, path text[]) returns json language plpgsql as $$
    begin
      return json_build_array(body #> path) -> 0;
    exception when others then
      return '"unreadable"';
    end
  $$;
  update events set campaign = '1' where strpos(body::text, '"campaign":') > 0 and json_typeof(pg_temp.kith_path(body, '{context,campaign}')) <> 'null';
  update events set computed_slot = pg_temp.kith_path(body, '{context,kith,slot}') #>> '{}'
    where strpos(body::text, '"kith":') > 0 and pg_temp.kith_path(body, '{context,kith,computed}')::text = 'true'
      and json_typeof(pg_temp.kith_path(body, '{context,kith,slot}')) = 'string';
  update events set erasure_exit = '1' where strpos(body::text, '"kith":') > 0 and pg_temp.kith_path(body, '{context,kith,erasure}')::text = 'true';
  drop index events_with_campaign;
  drop index events_by_computed_slot;
  drop index events_erasure_exits;
  create index events_with_campaign on events (site, timestamp) where campaign is not null;
  create index events_by_computed_slot on events (site, computed_slot) where computed_slot is not null;
  create index events_erasure_exits on events (tx, seq) where erasure_exit is not null;
  `,
  // 10: the browser's context kept once per site, owner and text (storage/event-context.ts), as on SQLite.
  // Text, not json: the reader parses it, and nothing reads into it in SQL.
  `
  create table contexts (
    site        text not null,
    owner       text not null,
    key         text not null,
    context     text not null,
    received_at text collate "C" not null,
    primary key (site, owner, key)
  );
  create index contexts_by_received on contexts (received_at);
  alter table events add column context_key text;
  `,
  // 11: the collector's own change events (computed_slot set) are the forwarders' outbox, not the shop's activity:
  // the overview and the figures leave them out, so the indexes that only those read hold none of them (see the
  // sqlite adapter's migration 12; PostgreSQL reads a partial index alone without its condition's column).
  `
  drop index events_by_site_time;
  create index events_by_site_time on events (site, timestamp, user_id, anonymous_id) where computed_slot is null;
  drop index events_by_site_event;
  create index events_by_site_event on events (site, event, timestamp, user_id, anonymous_id) where type = 'track' and computed_slot is null;
  `,
];
