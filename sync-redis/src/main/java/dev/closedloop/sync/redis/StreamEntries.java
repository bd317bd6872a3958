package dev.closedloop.sync.redis;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.ChangeType;
import java.io.IOException;
import java.io.StringWriter;
import java.io.UncheckedIOException;
import java.time.Instant;
import org.jspecify.annotations.Nullable;

/**
 * Stream ids, positions and the payload of a stream entry.
 *
 * <p><b>Positions.</b> A stream id {@code ms-seq} is the position {@code (ms << 20) | seq}, as
 * {@code sync-realtime} documents: 43 bits of milliseconds (until the year 2248) and 20 bits of
 * sequence. Redis gives a stream at most 2<sup>20</sup> (1,048,576) entries within one of its
 * milliseconds before the sequence would spill into the millisecond bits; a single Redis appends
 * about a thousand times fewer per millisecond, so this is reached only if the server's clock
 * stands still (or steps back) for a long burst: Redis then keeps the last millisecond and counts
 * the sequence up. An id beyond either bound is refused with a clear error instead of being
 * mapped onto another event's position.
 *
 * <p><b>Payload.</b> Each entry has one field {@code e}: the draft as one line of JSON, {@code
 * {"type":"UPDATE","key":"42","idempotencyKeyDigest":"…","new":"{\"seats\":3}","old":"…"}} with the
 * data as JSON strings (absent fields omitted). The topic comes from the stream's key, the
 * position and time from the entry id, so they are not repeated. The latest-state hash holds
 * {@code "<id> <payload>"} per key.
 *
 * <p>This class is threadsafe (stateless).
 */
final class StreamEntries {
  static final int SEQ_BITS = 20;
  static final long MAX_SEQ = (1L << SEQ_BITS) - 1;
  static final long MAX_MS = (1L << (63 - SEQ_BITS)) - 1;
  private static final JsonFactory JSON = new JsonFactory();

  private StreamEntries() {}

  /** Returns the position of stream id {@code id}. */
  static long position(String id) {
    int dash = id.indexOf('-');
    long ms;
    long seq;
    try {
      ms = Long.parseLong(dash < 0 ? id : id.substring(0, dash));
      seq = dash < 0 ? 0 : Long.parseLong(id.substring(dash + 1));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("not a stream id: '" + id + "'", e);
    }
    if (ms < 0 || ms > MAX_MS || seq < 0 || seq > MAX_SEQ) {
      throw new IllegalArgumentException("stream id " + id + " is outside the position range: at most "
          + MAX_MS + " ms and " + (MAX_SEQ + 1) + " entries in one millisecond");
    }
    return (ms << SEQ_BITS) | seq;
  }

  /** Returns the stream id of {@code position}. */
  static String id(long position) {
    return (position >>> SEQ_BITS) + "-" + (position & MAX_SEQ);
  }

  /** Returns the payload of {@code draft}. */
  static String payload(ChangeDraft draft) {
    StringWriter out = new StringWriter(64);
    try (JsonGenerator g = JSON.createGenerator(out)) {
      g.writeStartObject();
      g.writeStringField("type", draft.type().name());
      writeIfPresent(g, "key", draft.key());
      writeIfPresent(g, "idempotencyKeyDigest", draft.idempotencyKeyDigest());
      writeIfPresent(g, "new", draft.newData());
      writeIfPresent(g, "old", draft.oldData());
      g.writeEndObject();
    } catch (IOException impossible) {
      throw new UncheckedIOException(impossible);
    }
    return out.toString();
  }

  private static void writeIfPresent(JsonGenerator g, String name, @Nullable String value) throws IOException {
    if (value != null) {
      g.writeStringField(name, value);
    }
  }

  /**
   * Returns the event stored as {@code payload} at stream id {@code id} of {@code topic}.
   *
   * @throws IllegalArgumentException naming the problem, if the id or the payload is not ours
   */
  static ChangeEvent event(String topic, String id, String payload) {
    long position = position(id);
    String type = null;
    String key = null;
    String idempotencyKey = null;
    String idempotencyKeyDigest = null;
    String newData = null;
    String oldData = null;
    try (JsonParser p = JSON.createParser(payload)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("stream entry " + id + " of " + topic + " is not a JSON object");
      }
      while (p.nextToken() == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        p.nextToken();
        String value = p.currentToken() == JsonToken.VALUE_STRING ? p.getText() : null;
        switch (field) {
          case "type" -> type = value;
          case "key" -> key = value;
          case "idempotencyKeyDigest" -> idempotencyKeyDigest = value;
          case "idempotencyKey" -> idempotencyKey = value; // an entry written before digests: digested now
          case "new" -> newData = value;
          case "old" -> oldData = value;
          default -> p.skipChildren();
        }
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("stream entry " + id + " of " + topic + " is not JSON: " + e.getMessage(), e);
    }
    if (type == null) {
      throw new IllegalArgumentException("stream entry " + id + " of " + topic + " has no type");
    }
    ChangeType t;
    try {
      t = ChangeType.valueOf(type);
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("stream entry " + id + " of " + topic + " has unknown type " + type, e);
    }
    ChangeDraft draft = ChangeDraft.of(topic, t, key, newData, oldData, idempotencyKey);
    if (idempotencyKeyDigest != null) {
      try {
        draft = draft.withIdempotencyKeyDigest(idempotencyKeyDigest);
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException("stream entry " + id + " of " + topic + ": " + e.getMessage(), e);
      }
    }
    return ChangeEvent.of(draft, position, Instant.ofEpochMilli(position >>> SEQ_BITS));
  }
}
