package dev.closedloop.sync.jdbc;

import java.nio.BufferUnderflowException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * The binary form of a stored response's headers in the {@code headers} column. All integers are
 * big-endian; strings are UTF-8; names keep their order.
 *
 * <pre>
 * offset  size  field
 *      0     1  format version: 1
 *      1     4  number of header names, n
 *               n times:
 *                 4  name length in bytes, then the name
 *                 4  number of values, m
 *                    m times: 4  value length in bytes, then the value
 * </pre>
 *
 * <p>Decoding checks every length against what is left, so a truncated or foreign value is
 * reported as such and never misread.
 *
 * <p>This class is threadsafe (stateless).
 */
final class HeaderCodec {
  static final int VERSION = 1;

  private HeaderCodec() {}

  static byte[] encode(Map<String, List<String>> headers) {
    List<byte[]> parts = new ArrayList<>();
    int size = 1 + 4;
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
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
    out.putInt(headers.size());
    int i = 0;
    for (Map.Entry<String, List<String>> e : headers.entrySet()) {
      putBytes(out, parts.get(i++));
      out.putInt(e.getValue().size());
      for (int j = 0; j < e.getValue().size(); j++) {
        putBytes(out, parts.get(i++));
      }
    }
    return out.array();
  }

  /**
   * Reads what {@link #encode} wrote.
   *
   * @throws IllegalArgumentException naming what is wrong, if {@code data} is not such a value
   */
  static Map<String, List<String>> decode(byte[] data) {
    ByteBuffer in = ByteBuffer.wrap(data);
    try {
      int version = in.get() & 0xFF;
      if (version != VERSION) {
        throw new IllegalArgumentException("unknown header format version " + version + ", expected " + VERSION);
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
      if (in.hasRemaining()) {
        throw new IllegalArgumentException(in.remaining() + " bytes after the last header");
      }
      return headers;
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
