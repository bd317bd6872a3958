package dev.closedloop.sync.client;

import dev.closedloop.sync.queue.Offer;
import dev.closedloop.sync.queue.QueuedItem;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URISyntaxException;
import java.nio.charset.StandardCharsets;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An HTTP request waiting in the offline queue: everything needed to send it again, with the same
 * idempotency key, possibly after the app restarted. Secret headers (the ones a mutation marks,
 * such as {@code Authorization}) are never part of it; {@link OfflineSync} asks its header
 * supplier for them at replay time.
 *
 * <p>Stored as the payload of a {@link QueuedItem}; the key, priority and scope are the item's own
 * fields. The payload layout (all integers big-endian; {@code str} is a u32 byte length followed
 * by that many UTF-8 bytes):
 *
 * <pre>
 *   u8   format version (1)
 *   str  mutation name
 *   str  method
 *   str  absolute URI
 *   u16  header count n
 *   n x (str name, str value)
 *   u32  body length, then the body bytes
 * </pre>
 *
 * A payload of another version, cut short or with bytes left over is refused with an {@link
 * IOException} saying which; {@link OfflineSync} dead-letters such an item rather than guess.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class QueuedRequest {
  /** The payload format version written by this class. */
  public static final int FORMAT_VERSION = 1;
  private static final int MAX_HEADERS = 0xFFFF;

  private final String mutationName;
  private final String method;
  private final URI uri;
  private final Map<String, String> headers;
  private final byte[] body;
  private final String idempotencyKey;
  private final int priority;
  private final @Nullable String scope;

  private QueuedRequest(String mutationName, String method, URI uri, Map<String, String> headers, byte[] body,
      String idempotencyKey, int priority, @Nullable String scope) {
    this.mutationName = mutationName;
    this.method = method;
    this.uri = uri;
    this.headers = headers;
    this.body = body;
    this.idempotencyKey = idempotencyKey;
    this.priority = priority;
    this.scope = scope;
  }

  /**
   * Returns a request with no headers, priority 0 and no scope.
   *
   * @param mutationName the name its outcome is reported under (see {@link ReplayHandler})
   * @param method the HTTP method, such as {@code POST}
   * @param uri the absolute http(s) URI
   * @param idempotencyKey the key sent with every replay
   * @param body the body bytes (copied); empty for none
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if the name or method is blank, the URI is not absolute
   *     http(s), or the key is not 1–255 printable ASCII characters
   */
  public static QueuedRequest of(String mutationName, String method, URI uri, String idempotencyKey, byte[] body) {
    Objects.requireNonNull(mutationName, "mutationName cannot be null");
    Objects.requireNonNull(method, "method cannot be null");
    Objects.requireNonNull(uri, "uri cannot be null");
    Objects.requireNonNull(idempotencyKey, "idempotencyKey cannot be null");
    Objects.requireNonNull(body, "body cannot be null");
    if (mutationName.isBlank()) {
      throw new IllegalArgumentException("mutationName must not be blank");
    }
    Http.checkMethod(method);
    Http.checkUri(uri, "uri");
    Http.checkKey(idempotencyKey);
    return new QueuedRequest(mutationName, method, uri, Map.of(), body.clone(), idempotencyKey, 0, null);
  }

  /**
   * Returns this request with {@code headers} (copied, in their order) instead of its own.
   *
   * @throws NullPointerException if the map, a name or a value is null
   * @throws IllegalArgumentException if a header may not be set by hand (see {@link
   *     SyncMutationBuilder#header})
   */
  public QueuedRequest withHeaders(Map<String, String> headers) {
    Objects.requireNonNull(headers, "headers cannot be null");
    LinkedHashMap<String, String> copy = new LinkedHashMap<>();
    headers.forEach((n, v) -> {
      Http.checkHeader(n, v);
      copy.put(n, v);
    });
    if (copy.size() > MAX_HEADERS) {
      throw new IllegalArgumentException("too many headers: " + copy.size());
    }
    return new QueuedRequest(mutationName, method, uri, Collections.unmodifiableMap(copy), body, idempotencyKey,
        priority, scope);
  }

  /**
   * Returns this request in priority lane {@code priority} (higher lanes replay first).
   *
   * @throws IllegalArgumentException if {@code priority} is negative
   */
  public QueuedRequest withPriority(int priority) {
    if (priority < 0) {
      throw new IllegalArgumentException("priority must not be negative: " + priority);
    }
    return new QueuedRequest(mutationName, method, uri, headers, body, idempotencyKey, priority, scope);
  }

  /**
   * Returns this request in {@code scope} (requests of one scope replay one at a time, in order),
   * or in none if null.
   *
   * @throws IllegalArgumentException if the scope is empty or longer than {@link Offer#MAX_KEY_LENGTH}
   */
  public QueuedRequest withScope(@Nullable String scope) {
    if (scope != null) {
      Offer.of("k", new byte[0]).scope(scope); // the queue's own check, with its message
    }
    return new QueuedRequest(mutationName, method, uri, headers, body, idempotencyKey, priority, scope);
  }

  /** Returns the name of the mutation that queued it. */
  public String mutationName() {
    return mutationName;
  }

  /** Returns the HTTP method. */
  public String method() {
    return method;
  }

  /** Returns the absolute URI. */
  public URI uri() {
    return uri;
  }

  /** Returns the headers stored with it (never secret ones), unmodifiable, in their order. */
  public Map<String, String> headers() {
    return headers;
  }

  /** Returns a copy of the body. */
  public byte[] body() {
    return body.clone();
  }

  /** Returns the idempotency key sent with every replay. */
  public String idempotencyKey() {
    return idempotencyKey;
  }

  /** Returns the priority lane. */
  public int priority() {
    return priority;
  }

  /** Returns the scope, or null. */
  public @Nullable String scope() {
    return scope;
  }

  byte[] bodyUnsafe() {
    return body;
  }

  /** Returns the queue offer for this request. */
  Offer toOffer() {
    return Offer.of(idempotencyKey, encode()).priority(priority).scope(scope);
  }

  byte[] encode() {
    ByteArrayOutputStream bytes = new ByteArrayOutputStream(64 + body.length);
    try (DataOutputStream out = new DataOutputStream(bytes)) {
      out.writeByte(FORMAT_VERSION);
      writeString(out, mutationName);
      writeString(out, method);
      writeString(out, uri.toString());
      out.writeShort(headers.size());
      for (Map.Entry<String, String> h : headers.entrySet()) {
        writeString(out, h.getKey());
        writeString(out, h.getValue());
      }
      out.writeInt(body.length);
      out.write(body);
    } catch (IOException e) {
      throw new UncheckedIOException(e); // a ByteArrayOutputStream does not fail
    }
    return bytes.toByteArray();
  }

  /**
   * Reads the request stored in {@code item}.
   *
   * @throws IOException if the payload is of another version, truncated, too long or invalid
   */
  static QueuedRequest decode(QueuedItem item) throws IOException {
    byte[] payload = item.payload();
    DataInputStream in = new DataInputStream(new ByteArrayInputStream(payload));
    try {
      int version = in.readUnsignedByte();
      if (version != FORMAT_VERSION) {
        throw new IOException("unsupported queued request format version " + version + " (this client reads "
            + FORMAT_VERSION + ")");
      }
      String name = readString(in, payload.length);
      String method = readString(in, payload.length);
      String uriText = readString(in, payload.length);
      int count = in.readUnsignedShort();
      LinkedHashMap<String, String> headers = new LinkedHashMap<>();
      for (int i = 0; i < count; i++) {
        String n = readString(in, payload.length);
        headers.put(n, readString(in, payload.length));
      }
      int length = in.readInt();
      if (length < 0 || length > in.available()) {
        throw new IOException("queued request body length " + length + " exceeds the " + in.available()
            + " bytes left");
      }
      byte[] body = in.readNBytes(length);
      if (in.available() > 0) {
        throw new IOException("queued request has " + in.available() + " unexpected bytes after the body");
      }
      QueuedRequest r = of(name, method, new URI(uriText), item.idempotencyKey(), body).withHeaders(headers)
          .withPriority(item.priority()).withScope(item.scope());
      return r;
    } catch (EOFException e) {
      throw new IOException("queued request payload is truncated (" + payload.length + " bytes)", e);
    } catch (URISyntaxException | IllegalArgumentException e) {
      throw new IOException("queued request payload is invalid: " + e.getMessage(), e);
    }
  }

  private static void writeString(DataOutputStream out, String s) throws IOException {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.writeInt(b.length);
    out.write(b);
  }

  private static String readString(DataInputStream in, int payloadLength) throws IOException {
    int n = in.readInt();
    if (n < 0 || n > in.available()) {
      throw new IOException("queued request string length " + n + " exceeds the payload (" + payloadLength + " bytes)");
    }
    return new String(in.readNBytes(n), StandardCharsets.UTF_8);
  }

  @Override
  public String toString() {
    return "QueuedRequest[" + mutationName + ": " + method + " " + uri + ", key=" + idempotencyKey + ", priority="
        + priority + ", scope=" + scope + ", headers=" + headers.keySet() + ", body=" + body.length + " bytes]";
  }
}
