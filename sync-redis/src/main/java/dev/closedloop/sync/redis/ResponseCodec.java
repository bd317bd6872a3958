package dev.closedloop.sync.redis;

import dev.closedloop.sync.idempotency.StoredResponse;
import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The binary form of a {@link StoredResponse} in the entry's {@code r} field. All integers are
 * big-endian; strings are UTF-8.
 *
 * <pre>
 * offset  size  field
 *      0     1  format version: 1
 *      1     1  flags: bit 0 set = replayable (otherwise no header and an empty body follow)
 *      2     2  HTTP status, 100..599
 *      4     4  number of header names, n
 *               n times:
 *                 4  name length in bytes, then the name
 *                 4  number of values, m
 *                    m times: 4  value length in bytes, then the value
 *      .     4  body length in bytes, then the body (to the end)
 * </pre>
 *
 * <p>Decoding checks every length against what is left, so a truncated or foreign value is
 * reported as such and never misread.
 *
 * <p>This class is threadsafe (stateless).
 */
final class ResponseCodec {
  static final int VERSION = 1;
  private static final int REPLAYABLE = 1;

  private ResponseCodec() {}

  static byte[] encode(StoredResponse response) {
    List<byte[]> parts = new ArrayList<>();
    int size = 1 + 1 + 2 + 4 + 4 + response.bodyLength();
    for (Map.Entry<String, List<String>> e : response.headers().entrySet()) {
      byte[] name = e.getKey().getBytes(StandardCharsets.UTF_8);
      parts.add(name);
      size += 4 + name.length + 4;
      for (String v : e.getValue()) {
        byte[] value = v.getBytes(StandardCharsets.UTF_8);
        parts.add(value);
        size += 4 + value.length;
      }
    }
    ByteBuffer out = ByteBuffer.allocate(size);
    out.put((byte) VERSION);
    out.put((byte) (response.isReplayable() ? REPLAYABLE : 0));
    out.putShort((short) response.status());
    out.putInt(response.headers().size());
    int i = 0;
    for (Map.Entry<String, List<String>> e : response.headers().entrySet()) {
      putBytes(out, parts.get(i++));
      out.putInt(e.getValue().size());
      for (int j = 0; j < e.getValue().size(); j++) {
        putBytes(out, parts.get(i++));
      }
    }
    out.putInt(response.bodyLength());
    out.put(response.body());
    return out.array();
  }

  /**
   * Reads what {@link #encode} wrote.
   *
   * @throws IllegalArgumentException naming what is wrong, if {@code data} is not such a value
   */
  static StoredResponse decode(byte[] data) {
    ByteBuffer in = ByteBuffer.wrap(data);
    try {
      int version = in.get() & 0xFF;
      if (version != VERSION) {
        throw new IllegalArgumentException("unknown response format version " + version + ", expected " + VERSION);
      }
      boolean replayable = (in.get() & REPLAYABLE) != 0;
      int status = in.getShort() & 0xFFFF;
      if (status < 100 || status > 599) {
        throw new IllegalArgumentException("status out of range: " + status);
      }
      int names = count(in, "header count");
      Map<String, List<String>> headers = new LinkedHashMap<>();
      for (int n = 0; n < names; n++) {
        String name = string(in, "header name");
        int values = count(in, "header value count");
        List<String> list = new ArrayList<>(values);
        for (int v = 0; v < values; v++) {
          list.add(string(in, "header value"));
        }
        headers.put(name, list);
      }
      byte[] body = new byte[count(in, "body length")];
      in.get(body);
      if (in.hasRemaining()) {
        throw new IllegalArgumentException(in.remaining() + " bytes after the body");
      }
      return replayable ? StoredResponse.of(status, headers, body) : StoredResponse.notReplayable(status);
    } catch (BufferUnderflowException e) {
      throw new IllegalArgumentException("truncated at byte " + in.position() + " of " + data.length);
    }
  }

  private static void putBytes(ByteBuffer out, byte[] bytes) {
    out.putInt(bytes.length);
    out.put(bytes);
  }

  private static int count(ByteBuffer in, String what) {
    int n = in.getInt();
    if (n < 0 || n > in.remaining()) {
      throw new IllegalArgumentException(what + " " + n + " exceeds the " + in.remaining() + " bytes left");
    }
    return n;
  }

  private static String string(ByteBuffer in, String what) {
    byte[] bytes = new byte[count(in, what + " length")];
    in.get(bytes);
    return new String(bytes, StandardCharsets.UTF_8);
  }
}
