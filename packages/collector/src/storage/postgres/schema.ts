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
];
