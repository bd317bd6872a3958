package dev.closedloop.sync.servlet;

import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.ChangeEventJson;
import dev.closedloop.sync.realtime.Cursor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;

/** Builds the UTF-8 bytes of SSE frames; see {@link RealtimeSseServlet} for the format. */
final class SseFrames {
  static final byte[] HEARTBEAT = ": keep-alive\n\n".getBytes(StandardCharsets.US_ASCII);
  private static final String[] EVENT_NAMES = eventNames();

  private SseFrames() {}

  private static String[] eventNames() {
    dev.closedloop.sync.realtime.ChangeType[] types = dev.closedloop.sync.realtime.ChangeType.values();
    String[] names = new String[types.length];
    for (int i = 0; i < types.length; i++) {
      names[i] = types[i].name().toLowerCase(Locale.ROOT);
    }
    return names;
  }

  static byte[] event(Cursor id, ChangeEvent e) {
    ByteArrayOutputStream out = new ByteArrayOutputStream(96 + (int) Math.min(e.approximateSizeBytes(), 1 << 20));
    ascii(out, "id: " + id.format() + "\nevent: " + EVENT_NAMES[e.type().ordinal()] + "\ndata: ");
    try {
      ChangeEventJson.writeJson(e, out);
    } catch (IOException impossible) {
      throw new UncheckedIOException(impossible);
    }
    out.write('\n');
    out.write('\n');
    return out.toByteArray();
  }

  static byte[] subscribed(Cursor start, long retryMillis) {
    String retry = retryMillis > 0 ? "retry: " + retryMillis + "\n" : "";
    return utf8(retry + "id: " + start.format() + "\nevent: subscribed\ndata: {\"cursor\":"
        + quote(start.format()) + "}\n\n");
  }

  static byte[] reset(Cursor id, String topic, long head, String reason) {
    return utf8("id: " + id.format() + "\nevent: reset\ndata: {\"topic\":" + quote(topic)
        + ",\"position\":" + head + ",\"reason\":" + quote(reason) + "}\n\n");
  }

  private static void ascii(ByteArrayOutputStream out, String s) {
    byte[] b = s.getBytes(StandardCharsets.UTF_8);
    out.write(b, 0, b.length);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Returns {@code s} as a JSON string literal. */
  static String quote(String s) {
    return JsonText.quote(s);
  }
}
