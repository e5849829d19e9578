/** Ordered migrations; each runs once, in a transaction, recorded in schema_migrations. */
export const MIGRATIONS: readonly string[] = [
  `
  create table events (
    seq          integer primary key,
    site         text not null,
    message_id   text not null,
    type         text not null,
    event        text,
    user_id      text,
    anonymous_id text,
    timestamp    text not null,
    received_at  text not null,
    body         text not null,
    unique (site, message_id)
  );
  create index events_by_user on events (user_id, timestamp desc, seq desc) where user_id is not null;
  create index events_by_anonymous on events (anonymous_id, timestamp desc, seq desc) where anonymous_id is not null;

  create table rejected (
    seq         integer primary key,
    site        text not null,
    received_at text not null,
    reason      text not null,
    message     text not null,
    payload     text not null
  );
  create index rejected_by_site on rejected (site, seq desc);

  -- Proof of consent: rows are only ever added.
  create table consent_log (
    seq              integer primary key,
    site             text not null,
    message_id       text not null,
    anonymous_id     text,
    user_id          text,
    timestamp        text not null,
    received_at      text not null,
    policy_version   text not null,
    categories       text not null,
    method           text not null,
    banner_text_hash text,
    locale           text,
    unique (site, message_id)
  );
  create index consent_log_by_user on consent_log (user_id) where user_id is not null;
  create index consent_log_by_anonymous on consent_log (anonymous_id) where anonymous_id is not null;
  create trigger consent_log_append_only_update before update on consent_log
    begin select raise(abort, 'consent_log is append-only'); end;
  create trigger consent_log_append_only_delete before delete on consent_log
    begin select raise(abort, 'consent_log is append-only'); end;

  -- Each version of the banner's texts, once, under the hash the consent log refers to.
  create table banner_texts (
    hash       text primary key,
    texts      text not null,
    first_seen text not null
  );
  `,
  // 2: the identity graph, linker nonces, erasure receipts; the consent log lets an erasure pseudonymise its IDs.
  `
  -- A node: an anonymous, device or user ID, and the person (connected component) it belongs to now.
  create table identities (
    site       text not null,
    kind       text not null,
    id         text not null,
    person_id  text not null,
    first_seen text not null,
    primary key (site, kind, id)
  );
  create index identities_by_person on identities (site, person_id, kind);

  -- Every edge as first learnt, with what applying it did: merged, same (already one person), refused.
  create table identity_edges (
    seq           integer primary key,
    site          text not null,
    from_kind     text not null,
    from_id       text not null,
    to_kind       text not null,
    to_id         text not null,
    how           text not null,
    source        text not null,
    at            text not null,
    outcome       text not null,
    kept_person   text,
    merged_person text,
    unique (site, from_kind, from_id, to_kind, to_id, how)
  );
  create index identity_edges_to on identity_edges (site, to_kind, to_id);

  -- The merge log: which edge joined which person into which, and the nodes it moved (to undo it).
  create table merge_log (
    edge_seq      integer primary key,
    site          text not null,
    at            text not null,
    kept_person   text not null,
    merged_person text not null
  );
  create table merge_moves (
    edge_seq integer not null,
    kind     text not null,
    id       text not null,
    primary key (edge_seq, kind, id)
  );

  create table identity_traits (
    site       text not null,
    kind       text not null,
    id         text not null,
    traits     text not null,
    updated_at text not null,
    primary key (site, kind, id)
  );

  -- Linker tokens are one-time: a nonce is claimed once.
  create table linker_nonces (
    nonce      text primary key,
    expires_at text not null
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
    score        real not null,
    reasons      text not null,
    at           text not null,
    primary key (site, anonymous_id, candidate_id)
  );
  create index stitch_candidates_by_candidate on stitch_candidates (site, candidate_id);

  create table erasures (
    receipt_id text primary key,
    site       text not null,
    erased_at  text not null,
    pseudonym  text not null,
    erased     text not null
  );

  -- Still append-only, except that an erasure (GDPR Art. 17) replaces the person's IDs by a pseudonym.
  drop trigger consent_log_append_only_update;
  create trigger consent_log_append_only_update before update on consent_log
    when new.seq is not old.seq or new.site is not old.site or new.message_id is not old.message_id
      or new.timestamp is not old.timestamp or new.received_at is not old.received_at
      or new.policy_version is not old.policy_version or new.categories is not old.categories or new.method is not old.method
      or new.banner_text_hash is not old.banner_text_hash or new.locale is not old.locale
      or (new.anonymous_id is not old.anonymous_id and new.anonymous_id not like 'erased:%')
      or (new.user_id is not old.user_id and new.user_id not like 'erased:%')
    begin select raise(abort, 'consent_log is append-only; only an erasure may pseudonymise its IDs'); end;
  `,
  // 3: forwarding (forward/): the events table is the outbox, read per destination after a cursor.
  `
  -- One row per destination: how far it has been delivered, and which collector instance forwards it (a lease).
  create table forward_cursors (
    destination text primary key,
    seq         integer not null default 0,
    epoch       integer not null default 0,
    owner       text,
    lease_until text,
    updated_at  text not null
  );

  -- Batches a destination refused for good or failed on every try, with their events, to inspect and replay.
  create table dead_letters (
    id          integer primary key,
    destination text not null,
    failed_at   text not null,
    attempts    integer not null,
    error       text not null,
    events      text not null
  );
  create index dead_letters_by_destination on dead_letters (destination, id);

  -- SQLite gives the next row the seq of a deleted newest one (an erasure): cursors past it come back, and
  -- the epoch tells a forwarder that read a batch before the delete not to move its cursor (see forward.ts).
  create trigger events_seq_reuse after delete on events when old.seq > (select coalesce(max(seq), 0) from events) begin update forward_cursors set epoch = epoch + 1, seq = min(seq, (select coalesce(max(seq), 0) from events)); end;
  `,
  // 4: a quarantined event keeps the IDs it names, so the person's export finds it and their erasure
  // removes it by exact match; a refusal for lack of consent keeps no payload, only that it happened.
  `
  alter table rejected add column anonymous_id text;
  alter table rejected add column user_id text;
  create index rejected_by_anonymous on rejected (anonymous_id) where anonymous_id is not null;
  create index rejected_by_user on rejected (user_id) where user_id is not null;
  update rejected set anonymous_id = case when json_type(payload, '$.anonymousId') in ('text', 'integer') then cast(json_extract(payload, '$.anonymousId') as text) end, user_id = case when json_type(payload, '$.userId') in ('text', 'integer') then cast(json_extract(payload, '$.userId') as text) end where json_valid(payload) and json_type(payload) = 'object';
  update rejected set payload = '{"count":1}', anonymous_id = null, user_id = null where reason = 'no_consent';
  `,
  // 5: predictions (figures/predict.ts): a site's latest fitted parameters with their data window and holdout check.
  `
  create table predictions (
    site      text primary key,
    fitted_at text not null,
    model     text not null
  );
  `,
  // 6: figures read a site's window without its bodies: the persons seen (covered by the first index), the
  // orders and funnel steps by name (covered, for a funnel), and the few events that carry a campaign (a partial index: a
  // query that names the same condition reads those rows alone, without parsing every body).
  `
  create index events_by_site_time on events (site, timestamp, user_id, anonymous_id);
  create index events_by_site_event on events (site, event, timestamp, user_id, anonymous_id) where type = 'track';
  create index events_with_campaign on events (site, timestamp) where json_extract(body, '$.context.campaign') is not null;
  `,
  // 7: the console's overview reads per-day counts kept as events and consents are stored and
  // deleted (erasure, retention), so a 90-day overview of a million events reads a few
  // thousand rows instead of scanning the events. A sender's row (its ID) goes with its last event.
  // Each trigger stays on one line: D1 splits a migration at the semicolons that end a line.
  `
  create table overview_events (
    site  text not null,
    day   text not null,
    type  text not null,
    event text not null,
    count integer not null,
    primary key (site, day, type, event)
  ) without rowid;
  -- One row per sender (u:<user ID>, else a:<anonymous ID>) and day, with how many of its events remain.
  create table overview_senders (
    site   text not null,
    day    text not null,
    sender text not null,
    events integer not null,
    primary key (site, day, sender)
  ) without rowid;
  create table overview_consents (
    site           text not null,
    day            text not null,
    method         text not null,
    policy_version text not null,
    count          integer not null,
    primary key (site, day, method, policy_version)
  ) without rowid;
  create table overview_consent_categories (
    site     text not null,
    day      text not null,
    category text not null,
    granted  integer not null,
    total    integer not null,
    primary key (site, day, category)
  ) without rowid;
  create index rejected_by_time on rejected (site, received_at, reason);
  -- The recent persons, newest first; the search by e-mail, by its start.
  create index identities_by_first_seen on identities (site, first_seen);
  create index identity_traits_by_email on identity_traits (site, lower(json_extract(traits, '$.email')));

  insert into overview_events select site, substr(timestamp, 1, 10), type, coalesce(event, ''), count(*) from events group by 1, 2, 3, 4;
  insert into overview_senders select site, substr(timestamp, 1, 10), case when user_id is not null then 'u:' || user_id else 'a:' || coalesce(anonymous_id, '') end, count(*) from events group by 1, 2, 3;
  insert into overview_consents select site, substr(timestamp, 1, 10), method, policy_version, count(*) from consent_log group by 1, 2, 3, 4;
  insert into overview_consent_categories select c.site, substr(c.timestamp, 1, 10), j.key, sum(case when j.value = 1 then 1 else 0 end), count(*) from consent_log c, json_each(c.categories) j group by 1, 2, 3;

  -- Stored events are counted in by the adapter, once per write set (OverviewCounts in sqlite/index.ts): a trigger
  -- upserting two rows per event doubled the CPU of a stored batch. Deletions are rare and stay a trigger.
  create trigger overview_event_deleted after delete on events begin update overview_events set count = count - 1 where site = old.site and day = substr(old.timestamp, 1, 10) and type = old.type and event = coalesce(old.event, ''); delete from overview_events where site = old.site and day = substr(old.timestamp, 1, 10) and type = old.type and event = coalesce(old.event, '') and count <= 0; update overview_senders set events = events - 1 where site = old.site and day = substr(old.timestamp, 1, 10) and sender = case when old.user_id is not null then 'u:' || old.user_id else 'a:' || coalesce(old.anonymous_id, '') end; delete from overview_senders where site = old.site and day = substr(old.timestamp, 1, 10) and sender = case when old.user_id is not null then 'u:' || old.user_id else 'a:' || coalesce(old.anonymous_id, '') end and events <= 0; end;
  create trigger overview_consent_stored after insert on consent_log begin insert into overview_consents values (new.site, substr(new.timestamp, 1, 10), new.method, new.policy_version, 1) on conflict do update set count = count + 1; insert into overview_consent_categories select new.site, substr(new.timestamp, 1, 10), key, case when value = 1 then 1 else 0 end, 1 from json_each(new.categories) where true on conflict do update set granted = granted + excluded.granted, total = total + 1; end;
  `,
  // 8: the collector's own change events (audiences/): the members index finds an audience's members
  // without reading every person; erasure exits wait in the outbox until every forwarder has them.
  `
  create index events_by_computed_slot on events (site, json_extract(body, '$.context.kith.slot')) where json_extract(body, '$.context.kith.computed') = 1;
  create index events_erasure_exits on events (seq) where json_extract(body, '$.context.kith.erasure') = 1;
  `,
  // 9: what the partial indexes of 6 and 8 tested in each body are columns set at insert (tables.ts EVENTS):
  // SQLite evaluates a partial index's condition on every insert, and json_extract parsed each stored body
  // again for each of the three. Null for nearly every event, so they cost a row almost nothing.
  `
  alter table events add column campaign integer;
  alter table events add column computed_slot text;
  alter table events add column erasure_exit integer;
  update events set campaign = 1 where json_extract(body, '$.context.campaign') is not null;
  update events set computed_slot = json_extract(body, '$.context.kith.slot') where json_extract(body, '$.context.kith.computed') = 1;
  update events set erasure_exit = 1 where json_extract(body, '$.context.kith.erasure') = 1;
  drop index events_with_campaign;
  drop index events_by_computed_slot;
  drop index events_erasure_exits;
  create index events_with_campaign on events (site, timestamp) where campaign is not null;
  create index events_by_computed_slot on events (site, computed_slot) where computed_slot is not null;
  create index events_erasure_exits on events (seq) where erasure_exit is not null;
  `,
  // 10: the figures' rollups (figures/service.ts). The persons seen in a period are read from the overview's
  // senders per day (migration 7), each sender found through this index, not from a month of events; the orders
  // and campaign touches from narrow rows written beside their events (storage/figure-facts.ts; the adapter writes
  // them as it stores the events, the trigger takes them away with their event: erasure, retention).
  `
  create index overview_senders_by_sender on overview_senders (site, sender, day);
  create table figure_facts (
    site         text not null,
    timestamp    text not null,
    seq          integer not null,
    user_id      text,
    anonymous_id text,
    is_order     integer not null,
    extracted    text not null,
    primary key (site, timestamp, seq)
  ) without rowid;
  insert into figure_facts select site, timestamp, seq, user_id, anonymous_id, coalesce(type = 'track' and event = 'Order Completed', 0), json_extract(body, '$.properties.revenue', '$.properties.total', '$.context.campaign.source', '$.context.campaign.medium', '$.context.campaign.name') from events where (type = 'track' and event = 'Order Completed') or campaign is not null;
  create trigger figure_fact_deleted after delete on events when old.campaign is not null or (old.type = 'track' and old.event = 'Order Completed') begin delete from figure_facts where site = old.site and timestamp = old.timestamp and seq = old.seq; end;
  `,
  // 11: the browser's context kept once per site, owner and text (storage/event-context.ts), each event
  // naming it by key; rows stored before keep their whole context in their body and read the same.
  // Erasure deletes a person's by owner, retention by the latest receipt of their events.
  `
  create table contexts (
    site        text not null,
    owner       text not null,
    key         text not null,
    context     text not null,
    received_at text not null,
    primary key (site, owner, key)
  ) without rowid;
  create index contexts_by_received on contexts (received_at);
  alter table events add column context_key text;
  `,
  // 12: the collector's own change events (computed_slot set, audiences/reconcile.ts) are the forwarders' outbox,
  // not the shop's activity: the overview and the figures leave them out, so the indexes that only those read
  // hold none of them (a change event's row then pays for two index entries fewer), the overview's per-day
  // counts lose what they had counted of them, and the delete trigger takes down only what was counted.
  // The condition's column ends each index, though always null there: SQLite reads a partial index alone (covering)
  // only when it holds every column the query names. Each trigger stays on one line (see 7).
  `
  drop index events_by_site_time;
  create index events_by_site_time on events (site, timestamp, user_id, anonymous_id, computed_slot) where computed_slot is null;
  drop index events_by_site_event;
  create index events_by_site_event on events (site, event, timestamp, user_id, anonymous_id, computed_slot) where type = 'track' and computed_slot is null;
  update overview_events set count = count - own.n from (select site, substr(timestamp, 1, 10) as day, type, coalesce(event, '') as event, count(*) as n from events where computed_slot is not null group by 1, 2, 3, 4) own where overview_events.site = own.site and overview_events.day = own.day and overview_events.type = own.type and overview_events.event = own.event;
  delete from overview_events where count <= 0;
  update overview_senders set events = events - own.n from (select site, substr(timestamp, 1, 10) as day, case when user_id is not null then 'u:' || user_id else 'a:' || coalesce(anonymous_id, '') end as sender, count(*) as n from events where computed_slot is not null group by 1, 2, 3) own where overview_senders.site = own.site and overview_senders.day = own.day and overview_senders.sender = own.sender;
  delete from overview_senders where events <= 0;
  drop trigger overview_event_deleted;
  create trigger overview_event_deleted after delete on events when old.computed_slot is null begin update overview_events set count = count - 1 where site = old.site and day = substr(old.timestamp, 1, 10) and type = old.type and event = coalesce(old.event, ''); delete from overview_events where site = old.site and day = substr(old.timestamp, 1, 10) and type = old.type and event = coalesce(old.event, '') and count <= 0; update overview_senders set events = events - 1 where site = old.site and day = substr(old.timestamp, 1, 10) and sender = case when old.user_id is not null then 'u:' || old.user_id else 'a:' || coalesce(old.anonymous_id, '') end; delete from overview_senders where site = old.site and day = substr(old.timestamp, 1, 10) and sender = case when old.user_id is not null then 'u:' || old.user_id else 'a:' || coalesce(old.anonymous_id, '') end and events <= 0; end;
  `,
];
