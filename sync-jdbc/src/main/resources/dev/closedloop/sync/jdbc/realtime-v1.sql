-- Closed Loop Sync: PostgreSQL realtime bus (outbox), schema version 1 (PostgreSQL 12 or later).
-- PostgresRealtimeBus runs this when built with createSchema(true), with ${outbox} replaced by the
-- configured table name, ${topics} by "<table>_topics", ${key_index} by "<table name>_key_idx",
-- ${publish} by "<table>_publish", ${trigger} by "<table>_trigger" and ${channel} by the NOTIFY
-- channel ("<table name>"). A statement ends with ";" at the end of a line outside $$ bodies.
-- To manage the schema yourself (Flyway, Liquibase), copy it with the names filled in.

-- One row per topic: the head position and the retention state. Publishing locks the topic's row
-- until its transaction commits, so positions are handed out, and become visible, in commit order
-- without gaps: a reader that sees position n has seen every position below it.
CREATE TABLE IF NOT EXISTS ${topics} (
  topic            text   NOT NULL PRIMARY KEY,
  -- position of the newest event (0: none yet)
  head             bigint NOT NULL DEFAULT 0,
  -- newest position outside the replay log (0: none); replaying from below it is a reset
  trimmed_through  bigint NOT NULL DEFAULT 0,
  -- newest position whose row was deleted (at most trimmed_through; rows stay a while longer so
  -- that listeners of every node read them); a listener behind it resumes with a reset
  deleted_through  bigint NOT NULL DEFAULT 0,
  -- how many events the replay log keeps; it is cut back once it holds a tenth more
  keep             bigint NOT NULL DEFAULT 10000 CHECK (keep >= 1)
);

-- The outbox: the truth. NOTIFY only rings the bell.
CREATE TABLE IF NOT EXISTS ${outbox} (
  topic            text        NOT NULL,
  position         bigint      NOT NULL,
  type             text        NOT NULL CHECK (type IN ('INSERT', 'UPDATE', 'DELETE', 'BROADCAST')),
  entity_key       text,
  -- the digest of the causing request's idempotency key (base64url SHA-256, 43 characters),
  -- never the key itself
  idempotency_key  text,
  -- json, not jsonb: the text is kept as written
  new_data         json,
  old_data         json,
  created_at       timestamptz NOT NULL DEFAULT now(),
  PRIMARY KEY (topic, position)
);

CREATE INDEX IF NOT EXISTS ${key_index} ON ${outbox} (topic, entity_key, position);

-- Appends one event and returns its position. p_keep, when not null, sets the topic's retention.
CREATE OR REPLACE FUNCTION ${publish}(p_topic text, p_type text, p_key text, p_new json, p_old json,
    p_idempotency_key text, p_keep bigint) RETURNS bigint LANGUAGE plpgsql AS $$
DECLARE
  p bigint;
  cut bigint;
  k bigint;
BEGIN
  INSERT INTO ${topics} AS t (topic, head, keep) VALUES (p_topic, 1, coalesce(p_keep, 10000))
    ON CONFLICT (topic) DO UPDATE SET head = t.head + 1, keep = coalesce(p_keep, t.keep)
    RETURNING t.head, t.trimmed_through, t.keep INTO p, cut, k;
  INSERT INTO ${outbox} (topic, position, type, entity_key, idempotency_key, new_data, old_data)
    VALUES (p_topic, p, p_type, p_key, p_idempotency_key, p_new, p_old);
  IF p - cut > k + greatest(1, k / 10) THEN
    -- the rows themselves are deleted later, by PostgresRealtimeBus.deleteTrimmed()
    UPDATE ${topics} SET trimmed_through = p - k WHERE topic = p_topic;
  END IF;
  PERFORM pg_notify('${channel}', p_topic);
  RETURN p;
END $$;

-- The row trigger that PostgresRealtimeBus.installTrigger attaches: TG_ARGV[0] is the topic,
-- TG_ARGV[1] the key column. The rows go out as JSON (to_jsonb); the idempotency key, if the
-- transaction ran SET LOCAL closedloop.idempotency_key = '...', goes with them as its digest:
-- base64url without padding of the SHA-256 of its UTF-8 bytes, as IdempotencyKey.digest computes.
-- (Rerunning this script on an existing schema replaces the function; the table is unchanged.)
CREATE OR REPLACE FUNCTION ${trigger}() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
  raw text := nullif(current_setting('closedloop.idempotency_key', true), '');
  ik text := CASE WHEN raw IS NULL THEN NULL
      ELSE rtrim(translate(encode(sha256(convert_to(raw, 'UTF8')), 'base64'), '+/', '-_'), '=') END;
BEGIN
  IF TG_OP = 'DELETE' THEN
    PERFORM ${publish}(TG_ARGV[0], 'DELETE', to_jsonb(OLD) ->> TG_ARGV[1], NULL, to_jsonb(OLD)::json, ik, NULL);
    RETURN OLD;
  ELSIF TG_OP = 'UPDATE' THEN
    PERFORM ${publish}(TG_ARGV[0], 'UPDATE', to_jsonb(NEW) ->> TG_ARGV[1], to_jsonb(NEW)::json,
        to_jsonb(OLD)::json, ik, NULL);
    RETURN NEW;
  ELSE
    PERFORM ${publish}(TG_ARGV[0], 'INSERT', to_jsonb(NEW) ->> TG_ARGV[1], to_jsonb(NEW)::json, NULL, ik, NULL);
    RETURN NEW;
  END IF;
END $$;
