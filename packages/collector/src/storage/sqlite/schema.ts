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
];
