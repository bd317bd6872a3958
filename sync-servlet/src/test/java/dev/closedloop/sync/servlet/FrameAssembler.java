package dev.closedloop.sync.servlet;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.function.Consumer;

/**
 * A deliberately simple, test-only reader of the frames our servlet writes (LF line ends only):
 * HTTP/1.0 status line and headers, then SSE lines. The full WHATWG parser lives in sync-client.
 */
final class FrameAssembler {
  private final ByteArrayOutputStream line = new ByteArrayOutputStream();
  private final StringBuilder head = new StringBuilder();
  private boolean inBody;
  private String id = "";
  private String event = "";
  private final StringBuilder data = new StringBuilder();
  private String comment = "";
  private final Consumer<SseFrame> sink;

  FrameAssembler(Consumer<SseFrame> sink) {
    this.sink = sink;
  }

  String head() {
    return head.toString();
  }

  boolean inBody() {
    return inBody;
  }

  void feed(byte[] bytes, int off, int len) {
    for (int i = off; i < off + len; i++) {
      byte b = bytes[i];
      if (b == '\n') {
        String l = line.toString(StandardCharsets.UTF_8);
        line.reset();
        onLine(l);
      } else {
        line.write(b);
      }
    }
  }

  private void onLine(String l) {
    if (!inBody) {
      if (l.equals("\r") || l.isEmpty()) {
        inBody = true;
      } else {
        head.append(l.replace("\r", "")).append('\n');
      }
      return;
    }
    if (l.isEmpty()) {
      sink.accept(new SseFrame(id, event, data.toString(), comment));
      event = "";
      data.setLength(0);
      comment = "";
      return;
    }
    if (l.startsWith(":")) {
      comment = l.substring(1).strip();
      return;
    }
    int colon = l.indexOf(':');
    String field = colon < 0 ? l : l.substring(0, colon);
    String value = colon < 0 ? "" : l.substring(colon + 1);
    if (value.startsWith(" ")) {
      value = value.substring(1);
    }
    switch (field) {
      case "id" -> id = value;
      case "event" -> event = value;
      case "data" -> data.append(data.length() > 0 ? "\n" : "").append(value);
      default -> { }
    }
  }
}
