package dev.closedloop.sync.idempotency.spi;

import dev.closedloop.sync.idempotency.StoredResponse;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The one binary form of a {@link StoredResponse} that remote stores keep
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
 * <p>This class is threadsafe: it is stateless.
 */
public final class StoredResponseCodec {
  /** The version {@link #encode} writes and the only one {@link #decode} reads. */
  public static final int FORMAT_VERSION = 1;

  private static final int REPLAYABLE = 1;

  private StoredResponseCodec() {}

  /**
   * Returns {@code response} in the binary form described in the class comment (a fresh array).
   *
   * @throws NullPointerException if {@code response} is null
   */
  public static byte[] encode(StoredResponse response) {
    Map<String, List<String>> headers = response.headers();
    List<byte[]> parts = new ArrayList<>();
    int n = 1 + 1 + 2 + 4 + 4 + response.bodyLength();
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
    out.put((byte) (response.isReplayable() ? REPLAYABLE : 0));
    out.putShort((short) response.status());
    out.putInt(headers.size());
    int i = 0;
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      putBytes(out, parts.get(i++));
      out.putInt(e.getValue().size());
      for (int j = 0; j < e.getValue().size(); j++) {
        putBytes(out, parts.get(i++));
      }
    }
    out.putInt(response.bodyLength());
    out.put(response.body()); // a copy, once per completion, beside a round trip to the store
    return out.array();
  }

  /**
   * Reads a response from the binary form {@link #encode} writes.
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
        return StoredResponse.notReplayable(status);
      }
      return StoredResponse.of(status, decoded, b);
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
}
