package dev.closedloop.sync.realtime.spi;

import com.fasterxml.jackson.core.JsonEncoding;
import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.ChangeType;
import dev.closedloop.sync.realtime.Topics;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.format.DateTimeParseException;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The JSON wire form of a {@link ChangeEvent}, used on SSE streams, in Redis streams and in the
 * client. One object on one line, UTF-8, fields in this order, absent ones omitted:
 *
 * <pre>
 * {"topic":"bookings","type":"UPDATE","position":41,"time":"2026-01-01T00:00:00.123Z",
 *  "key":"42","idempotencyKeyDigest":"kq3Xb0…","new":{"seats":3},"old":{"seats":2}}
 * </pre>
 *
 * <table>
 *   <caption>Fields</caption>
 *   <tr><th>field</th><th>JSON type</th><th>presence</th><th>meaning</th></tr>
 *   <tr><td>topic</td><td>string</td><td>always</td><td>a valid topic name ({@link Topics})</td></tr>
 *   <tr><td>type</td><td>string</td><td>always</td><td>INSERT, UPDATE, DELETE or BROADCAST</td></tr>
 *   <tr><td>position</td><td>number</td><td>always</td><td>integer ≥ 1, increasing per topic</td></tr>
 *   <tr><td>time</td><td>string</td><td>always</td><td>ISO-8601 instant in UTC, when published</td></tr>
 *   <tr><td>key</td><td>string</td><td>entity changes</td><td>the entity's key</td></tr>
 *   <tr><td>idempotencyKeyDigest</td><td>string</td><td>when known</td><td>digest of the causing
 *       request's idempotency key: base64url without padding of the SHA-256 of the key's UTF-8
 *       bytes, 43 characters ({@link dev.closedloop.sync.idempotency.IdempotencyKey#digest});
 *       the key itself is never sent, so a subscriber can recognise its own calls but never
 *       learns another caller's key</td></tr>
 *   <tr><td>new</td><td>any JSON</td><td>INSERT, UPDATE; optional on BROADCAST</td><td>new state</td></tr>
 *   <tr><td>old</td><td>any JSON</td><td>optional on UPDATE, DELETE</td><td>previous state</td></tr>
 * </table>
 *
 * <p>Readers ignore fields they do not know, so fields can be added without a version bump. A
 * reader still accepts the field {@code idempotencyKey} (a raw key, written before digests were
 * sent) and keeps only its digest.
 * {@code sync-realtime/WIRE-FORMAT.md} documents this form together with the SSE framing.
 *
 * <p>This class is threadsafe.
 */
public final class ChangeEventJson {
  private static final JsonFactory FACTORY = new JsonFactory();

  private static final Set<String> TYPES = Set.of("INSERT", "UPDATE", "DELETE", "BROADCAST");

  private ChangeEventJson() {}

  /** Returns the wire form of {@code event} as a string. */
  public static String toJson(ChangeEvent event) {
    return new String(toJsonBytes(event), StandardCharsets.UTF_8);
  }

  /**
   * Returns the wire form of {@code event} as UTF-8 bytes (a fresh array the caller owns). Each
   * call encodes; a writer to many streams encodes once and shares the bytes (the SSE servlet
   * keeps a frame per recent event).
   */
  public static byte[] toJsonBytes(ChangeEvent event) {
    return encode(Objects.requireNonNull(event, "event cannot be null"));
  }

  /**
   * Writes the wire form of {@code event} to {@code out} as UTF-8.
   *
   * @throws IOException if {@code out} throws
   */
  public static void writeJson(ChangeEvent event, OutputStream out) throws IOException {
    out.write(toJsonBytes(event));
  }

  private static byte[] encode(ChangeEvent e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(128 + (int) Math.min(1 << 20, e.approximateSizeBytes() / 2));
    try (JsonGenerator g = FACTORY.createGenerator(out, JsonEncoding.UTF8)) {
      g.writeStartObject();
      g.writeStringField("topic", e.topic());
      g.writeStringField("type", e.type().name());
      g.writeNumberField("position", e.position());
      g.writeStringField("time", e.time().toString());
      if (e.key() != null) {
        g.writeStringField("key", e.key());
      }
      if (e.idempotencyKeyDigest() != null) {
        g.writeStringField("idempotencyKeyDigest", e.idempotencyKeyDigest());
      }
      if (e.newData() != null) {
        g.writeFieldName("new");
        g.writeRawValue(e.newData());
      }
      if (e.oldData() != null) {
        g.writeFieldName("old");
        g.writeRawValue(e.oldData());
      }
      g.writeEndObject();
    } catch (IOException impossible) {
      throw new UncheckedIOException(impossible);
    }
    return out.toByteArray();
  }

  /**
   * Reads an event from its wire form. Nested data is taken verbatim from the text (numbers are
   * not rounded).
   *
   * @throws NullPointerException if {@code json} is null
   * @throws IllegalArgumentException naming the problem, if {@code json} is not a valid event
   */
  public static ChangeEvent fromJson(String json) {
    Objects.requireNonNull(json, "json cannot be null");
    String topic = null;
    String type = null;
    Long position = null;
    String time = null;
    String key = null;
    String idempotencyKey = null;
    String idempotencyKeyDigest = null;
    String newData = null;
    String oldData = null;
    try (JsonParser p = FACTORY.createParser(json)) {
      if (p.nextToken() != JsonToken.START_OBJECT) {
        throw new IllegalArgumentException("change event must be a JSON object");
      }
      JsonToken t;
      while ((t = p.nextToken()) == JsonToken.FIELD_NAME) {
        String field = p.currentName();
        JsonToken v = p.nextToken();
        switch (field) {
          case "topic" -> topic = string(p, v, field);
          case "type" -> type = string(p, v, field);
          case "time" -> time = string(p, v, field);
          case "key" -> key = string(p, v, field);
          case "idempotencyKeyDigest" -> idempotencyKeyDigest = string(p, v, field);
          case "idempotencyKey" -> idempotencyKey = string(p, v, field); // written before digests
          case "position" -> {
            if (v != JsonToken.VALUE_NUMBER_INT) {
              throw new IllegalArgumentException("change event field 'position' must be an integer");
            }
            position = p.getLongValue();
          }
          case "new" -> newData = rawValue(p, v, json);
          case "old" -> oldData = rawValue(p, v, json);
          default -> p.skipChildren();
        }
      }
      if (t != JsonToken.END_OBJECT || p.nextToken() != null) {
        throw new IllegalArgumentException("change event has trailing content");
      }
    } catch (IOException e) {
      throw new IllegalArgumentException("change event is not JSON: " + e.getMessage(), e);
    }
    if (topic == null || type == null || position == null || time == null) {
      throw new IllegalArgumentException(
          "change event needs 'topic', 'type', 'position' and 'time'");
    }
    if (!TYPES.contains(type)) {
      throw new IllegalArgumentException("change event has unknown type '" + Topics.printable(type) + "'");
    }
    Instant instant;
    try {
      instant = Instant.parse(time);
    } catch (DateTimeParseException e) {
      throw new IllegalArgumentException("change event has a malformed 'time': " + Topics.printable(time), e);
    }
    ChangeDraft draft = ChangeDraft.of(topic, ChangeType.valueOf(type), key, newData, oldData, idempotencyKey);
    if (idempotencyKeyDigest != null) {
      draft = draft.withIdempotencyKeyDigest(idempotencyKeyDigest);
    }
    return ChangeEvent.of(draft, position, instant);
  }

  private static @Nullable String string(JsonParser p, JsonToken v, String field) throws IOException {
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    if (v != JsonToken.VALUE_STRING) {
      throw new IllegalArgumentException("change event field '" + field + "' must be a string");
    }
    return p.getText();
  }

  /** Returns the exact text of the value at {@code v}; null for a JSON null. */
  private static @Nullable String rawValue(JsonParser p, JsonToken v, String json) throws IOException {
    if (v == JsonToken.VALUE_NULL) {
      return null;
    }
    int start = (int) p.currentTokenLocation().getCharOffset();
    if (v == JsonToken.VALUE_STRING) {
      p.getText(); // finish the token so that the location is past it
    }
    p.skipChildren();
    int end = (int) p.currentLocation().getCharOffset();
    return json.substring(start, end);
  }
}
