-- Closed Loop Sync: idempotency audit log, schema version 1 (PostgreSQL 12 or later).
-- JdbcAuditLog.createSchema() runs this with ${table} replaced by the configured table name and
-- ${at_index} / ${route_index} by "<table name>_at_idx" / "<table name>_route_idx"; statements end
-- with ";" at the end of a line. To manage the schema yourself (Flyway, Liquibase), copy it with
-- your table name filled in.
--
-- Append-only: the writer only INSERTs, the reaper only DELETEs rows older than the retention.
-- To make that a rule for everyone else, grant the application INSERT, SELECT and DELETE only:
--   REVOKE UPDATE ON ${table} FROM app_user;

CREATE TABLE IF NOT EXISTS ${table} (
  -- chosen by the writer before the first attempt; a batch retried after a lost commit
  -- acknowledgement inserts nothing twice (ON CONFLICT DO NOTHING)
  entry_id     uuid        NOT NULL PRIMARY KEY,
  -- when the filter answered, on the node's wall clock
  at           timestamptz NOT NULL,
  -- the node that answered (JdbcAuditLogBuilder.node)
  node         text        NOT NULL,
  -- first: the request ran; the others were answered without running it
  outcome      text        NOT NULL
               CHECK (outcome IN ('first', 'replayed', 'conflict', 'mismatch', 'not_replayable')),
  -- IdempotencyKey.redact(scope): '#' and the first 8 hex digits of SHA-256(scope), as in the logs
  scope_hash   text        NOT NULL,
  -- IdempotencyKey.redacted(): the same short hash of the whole key, as in the logs
  key_hash     text        NOT NULL,
  method       text        NOT NULL,
  -- the path within the application, without the query (at most 2048 characters)
  route        text        NOT NULL,
  -- the status sent; for a first execution the application's, -1 if it threw
  status       integer     NOT NULL,
  -- from the claim to the answer, in microseconds
  duration_us  bigint      NOT NULL,
  written_at   timestamptz NOT NULL DEFAULT now()
);

CREATE INDEX IF NOT EXISTS ${at_index} ON ${table} (at);

CREATE INDEX IF NOT EXISTS ${route_index} ON ${table} (route, at);
