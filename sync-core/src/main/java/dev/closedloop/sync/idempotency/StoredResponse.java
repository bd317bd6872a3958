package dev.closedloop.sync.idempotency;

import java.io.IOException;
import java.io.OutputStream;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The response a completed request left behind, to be replayed byte for byte: the status, the
 * headers the front end chose to keep (it filters them; a store keeps what it is given) and the
 * body.
 *
 * <p>A response too large to store is kept as {@linkplain #notReplayable(int) not replayable}:
 * only its status survives, and a replay is answered with a conflict that says so. The claim
 * still counts as completed, so the effect never runs twice.
 *
 * <p>{@link #size()} is the estimate stores count against their byte bounds: the body length,
 * plus for each header value its name and value lengths and 32 bytes, plus 64 bytes.
 *
 * <h2>Binary form</h2>
 *
 * {@link #encode()} and {@link #decode(byte[])} give the one binary form that remote stores keep
 * (Redis in a hash field, JDBC in a {@code bytea} column). All integers are big-endian, strings
 * UTF-8, header names in their order:
 *
 * <pre>
 * offset  size  field
 *      0     1  format version: 1
 *      1     1  flags: bit 0 set = replayable (otherwise no header and an empty body follow);
 *               the other bits are 0
 *      2     2  HTTP status, 100..599
 *      4     4  number of header names, n
 *               n times:
 *                 4  name length in bytes, then the name (not empty)
 *                 4  number of values, m
 *                    m times: 4  value length in bytes, then the value
 *      .     4  body length in bytes, then the body (to the end)
 * </pre>
 *
 * <p>Decoding checks every length against what is left, so a truncated, padded or foreign value
 * is reported as such (with the byte offset) and never misread. A new layout gets a new version
 * number; decoders refuse versions they do not know.
 *
 * <p>This class is immutable and threadsafe: the body is copied in and out.
 */
public final class StoredResponse {
  /** The version {@link #encode()} writes and the only one {@link #decode(byte[])} reads. */
  public static final int FORMAT_VERSION = 1;

  private static final byte[] EMPTY = new byte[0];
  private static final int REPLAYABLE = 1;

  private final int status;
  private final Map<String, List<String>> headers;
  private final byte[] body;
  private final boolean replayable;
  private final long size;

  private StoredResponse(int status, Map<String, List<String>> headers, byte[] body, boolean replayable) {
    this.status = status;
    this.headers = headers;
    this.body = body;
    this.replayable = replayable;
    long s = 64L + body.length;
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      for (String v : e.getValue()) {
        s += e.getKey().length() + v.length() + 32L;
      }
    }
    this.size = s;
  }

  /**
   * Returns a replayable response.
   *
   * @param status the HTTP status, 100 to 599
   * @param headers header names to their values in order; copied, iteration order kept
   * @param body the body; copied
   * @throws NullPointerException if {@code headers}, {@code body}, a name, a value list or a value
   *     is null
   * @throws IllegalArgumentException if {@code status} is out of range or a header name is empty
   */
  public static StoredResponse of(int status, Map<String, ? extends List<String>> headers, byte[] body) {
    checkStatus(status);
    Objects.requireNonNull(headers, "headers cannot be null");
    Objects.requireNonNull(body, "body cannot be null");
    Map<String, List<String>> copy = new LinkedHashMap<>();
    for (Map.Entry<String, ? extends List<String>> e : headers.entrySet()) {
      String name = Objects.requireNonNull(e.getKey(), "header name cannot be null");
      if (name.isEmpty()) {
        throw new IllegalArgumentException("header name cannot be empty");
      }
      List<String> values = new ArrayList<>(Objects.requireNonNull(e.getValue(), "header values cannot be null"));
      for (String v : values) {
        Objects.requireNonNull(v, "header value cannot be null");
      }
      copy.put(name, Collections.unmodifiableList(values));
    }
    return new StoredResponse(status, Collections.unmodifiableMap(copy), body.clone(), true);
  }

  /**
   * Returns the record of a response that was too large to store: only its status is kept.
   *
   * @throws IllegalArgumentException if {@code status} is out of range
   */
  public static StoredResponse notReplayable(int status) {
    checkStatus(status);
    return new StoredResponse(status, Map.of(), EMPTY, false);
  }

  private static void checkStatus(int status) {
    if (status < 100 || status > 599) {
      throw new IllegalArgumentException("status must be between 100 and 599: " + status);
    }
  }

  /** Returns the HTTP status. */
  public int status() {
    return status;
  }

  /** Returns the kept headers, unmodifiable, in the order given; empty if not replayable. */
  public Map<String, List<String>> headers() {
    return headers;
  }

  /** Returns a copy of the body; empty if not replayable. */
  public byte[] body() {
    return body.clone();
  }

  /** Returns the body length in bytes. */
  public int bodyLength() {
    return body.length;
  }

  /** Writes the body to {@code out} without copying it. */
  public void writeBodyTo(OutputStream out) throws IOException {
    out.write(body);
  }

  /** Returns whether the response can be replayed; false when it was too large to store. */
  public boolean isReplayable() {
    return replayable;
  }

  /** Returns the size estimate described in the class comment. */
  public long size() {
    return size;
  }

  /**
   * Returns this response in the binary form described in the class comment (a fresh array).
   */
  public byte[] encode() {
    List<byte[]> parts = new ArrayList<>();
    int n = 1 + 1 + 2 + 4 + 4 + body.length;
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
      parts.add(name);
      n += 4 + name.length + 4;
      for (String v : e.getValue()) {
        byte[] value = v.getBytes(StandardCharsets.UTF_8);
        parts.add(value);
        n += 4 + value.length;
      }
    }
    ByteBuffer out = ByteBuffer.allocate(n);
    out.put((byte) FORMAT_VERSION);
    out.put((byte) (replayable ? REPLAYABLE : 0));
    out.putShort((short) status);
    out.putInt(headers.size());
    int i = 0;
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      putBytes(out, parts.get(i++));
      out.putInt(e.getValue().size());
      for (int j = 0; j < e.getValue().size(); j++) {
        putBytes(out, parts.get(i++));
      }
    }
    out.putInt(body.length);
    out.put(body);
    return out.array();
  }

  /**
   * Reads a response from the binary form {@link #encode()} writes.
   *
   * @throws NullPointerException if {@code data} is null
   * @throws IllegalArgumentException naming what is wrong and where, if {@code data} is not such
   *     a value (unknown version or flags, status out of range, a length beyond the end, bytes
   *     after the body)
   */
  public static StoredResponse decode(byte[] data) {
    Objects.requireNonNull(data, "data cannot be null");
    ByteBuffer in = ByteBuffer.wrap(data);
    try {
      int version = in.get() & 0xFF;
      if (version != FORMAT_VERSION) {
        throw new IllegalArgumentException(
            "unknown response format version " + version + ", expected " + FORMAT_VERSION);
      }
      int flags = in.get() & 0xFF;
      if ((flags & ~REPLAYABLE) != 0) {
        throw new IllegalArgumentException("unknown response flags " + flags);
      }
      int status = in.getShort() & 0xFFFF;
      if (status < 100 || status > 599) {
        throw new IllegalArgumentException("status out of range: " + status);
      }
      int names = count(in, "header count");
      Map<String, List<String>> decoded = new LinkedHashMap<>();
      for (int h = 0; h < names; h++) {
        String name = string(in, "header name");
        if (name.isEmpty()) {
          throw new IllegalArgumentException("empty header name at byte " + in.position());
        }
        int values = count(in, "header value count");
        List<String> list = new ArrayList<>(values);
        for (int v = 0; v < values; v++) {
          list.add(string(in, "header value"));
        }
        decoded.put(name, list);
      }
      byte[] b = new byte[count(in, "body length")];
      in.get(b);
      if (in.hasRemaining()) {
        throw new IllegalArgumentException(in.remaining() + " bytes after the body");
      }
      if ((flags & REPLAYABLE) == 0) {
        if (!decoded.isEmpty() || b.length > 0) {
          throw new IllegalArgumentException("a response that is not replayable has headers or a body");
        }
        return notReplayable(status);
      }
      return new StoredResponse(status, Collections.unmodifiableMap(decoded), b, true);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("response truncated at byte " + in.position() + " of " + data.length);
    }
  }

  private static void putBytes(ByteBuffer out, byte[] bytes) {
    out.putInt(bytes.length);
    out.put(bytes);
  }

  private static int count(ByteBuffer in, String what) {
    int at = in.position();
    int n = in.getInt();
    if (n < 0 || n > in.remaining()) {
      throw new IllegalArgumentException(
          what + " " + n + " at byte " + at + " exceeds the " + in.remaining() + " bytes left");
    }
    return n;
  }

  private static String string(ByteBuffer in, String what) {
    byte[] bytes = new byte[count(in, what + " length")];
    in.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof StoredResponse)) {
      return false;
    }
    StoredResponse r = (StoredResponse) o;
    return status == r.status
        && replayable == r.replayable
        && headers.equals(r.headers)
        && Arrays.equals(body, r.body);
  }

  @Override
  public int hashCode() {
    return Objects.hash(status, replayable, headers, Arrays.hashCode(body));
  }

  @Override
  public String toString() {
    return replayable
        ? "StoredResponse[" + status + ", " + headers.size() + " headers, " + body.length + " bytes]"
        : "StoredResponse[" + status + ", not replayable]";
  }
}
