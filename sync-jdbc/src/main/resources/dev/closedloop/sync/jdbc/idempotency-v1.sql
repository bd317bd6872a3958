-- Closed Loop Sync: idempotency store, schema version 1 (PostgreSQL 12 or later).
-- JdbcIdempotencyStore.createSchema() runs this with ${table} replaced by the configured table
-- name and ${index} by "<table name>_expires_at_idx"; statements end with ";" at the end of a line.
-- To manage the schema yourself (Flyway, Liquibase), copy it with your table name filled in.

CREATE TABLE IF NOT EXISTS ${table} (
  -- SHA-256 of IdempotencyKey.storageKey() in UTF-8: a fixed 32-byte key, however long the scope
  -- and the client key (up to 1024 characters each) are.
  key_hash          bytea       NOT NULL PRIMARY KEY,
  scope             text        NOT NULL,
  client_key        text        NOT NULL,
  fingerprint       text        NOT NULL,
  -- the owner token; complete and release compare it
  token             text        NOT NULL,
  state             text        NOT NULL CHECK (state IN ('in_progress', 'completed')),
  -- end of the owner's lease, database time
  lease_expires_at  timestamptz NOT NULL,
  -- when the row is dead (free to claim, and to reap): the lease under RE_EXECUTE, the
  -- abandoned-claim retention under CONFLICT_UNTIL_EXPIRY, the retention once completed
  expires_at        timestamptz NOT NULL,
  -- the response, once completed; headers in the binary form HeaderCodec documents
  status            integer,
  replayable        boolean,
  headers           bytea,
  body              bytea,
  created_at        timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS ${index} ON ${table} (expires_at);
