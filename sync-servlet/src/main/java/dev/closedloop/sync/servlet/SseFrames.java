package dev.closedloop.sync.servlet;

import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.spi.ChangeEventJson;
import dev.closedloop.sync.realtime.Cursor;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicReferenceArray;

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

  /**
   * Returns the frame of {@code e} for a stream that hears only {@code e}'s topic: its id is
   * {@code topic:position}, so every such stream gets the same bytes. The layout is {@code
   * "id: " + id + tail}; a stream over several topics writes its own id line and then the shared
   * tail, from {@link Shared#tailOffset()}.
   */
  static Shared event(ChangeEvent e) {
    Cursor id = Cursor.of(e.topic(), e.position());
    ByteArrayOutputStream out = new ByteArrayOutputStream(96 + (int) Math.min(e.approximateSizeBytes(), 1 << 20));
    ascii(out, "id: " + id.format());
    int tail = out.size();
    ascii(out, "\nevent: " + EVENT_NAMES[e.type().ordinal()] + "\ndata: ");
    try {
      ChangeEventJson.writeJson(e, out);
    } catch (IOException impossible) {
      throw new UncheckedIOException(impossible);
    }
    out.write('\n');
    out.write('\n');
    return new Shared(e, id, out.toByteArray(), tail);
  }

  /** Returns the id line of a stream's own cursor, without its line end: {@code id: a:1,b:2}. */
  static byte[] idLine(Cursor id) {
    return utf8("id: " + id.format());
  }

  /**
   * The frame of one event, encoded once for every stream that receives it.
   *
   * @param event the event
   * @param cursor the cursor {@code topic:position} of a single-topic stream after the event
   * @param frame the whole frame for single-topic streams
   * @param tailOffset where the part after the id line starts
   */
  record Shared(ChangeEvent event, Cursor cursor, byte[] frame, int tailOffset) {}

  /**
   * The frames of recent events, so that the streams that receive an event share one encoding:
   * a small direct-mapped table keyed by topic and position and checked by identity, because
   * every stream of a node is handed the same {@link ChangeEvent} instance. A miss (first stream,
   * or a slot taken by another event meanwhile) encodes again; concurrent encoders of one event
   * produce equal bytes, so a lost race costs only the work.
   *
   * <p>This class is threadsafe.
   */
  static final class Cache {
    private static final int SLOTS = 256; // far more than events in flight at once
    private final AtomicReferenceArray<Shared> slots = new AtomicReferenceArray<>(SLOTS);

    Shared frame(ChangeEvent e) {
      int slot = (e.topic().hashCode() * 31 + Long.hashCode(e.position())) & (SLOTS - 1);
      Shared s = slots.get(slot);
      if (s == null || s.event() != e) {
        s = event(e);
        slots.set(slot, s);
      }
      return s;
    }
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
