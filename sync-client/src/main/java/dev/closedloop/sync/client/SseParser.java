package dev.closedloop.sync.client;

import java.nio.ByteBuffer;
import java.nio.CharBuffer;
import java.nio.charset.CharsetDecoder;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;

/**
 * An incremental parser of the WHATWG {@code text/event-stream} format (HTML Living Standard,
 * "Server-sent events", §9.2.5–9.2.6), fed bytes as they arrive in chunks of any size.
 *
 * <ul>
 *   <li>Bytes are decoded as UTF-8, invalid sequences becoming U+FFFD, a sequence split across
 *       chunks decoded whole; one U+FEFF at the very start of the stream is dropped.
 *   <li>Lines end with CRLF, LF or CR, including a CRLF split across chunks.
 *   <li>A line starting with {@code :} is a comment. Otherwise the field name runs to the first
 *       {@code :} (the whole line if there is none, with an empty value) and one space after the
 *       colon is dropped.
 *   <li>{@code event} sets the type; {@code data} appends the value and a LF; {@code id} sets the
 *       last event id unless the value contains U+0000; {@code retry} with only ASCII digits sets
 *       the reconnection time; other fields are ignored.
 *   <li>An empty line dispatches: the last event id is updated even when nothing is dispatched;
 *       an empty data buffer dispatches nothing; one trailing LF is removed from the data; the
 *       type defaults to {@code message}. Type and data are then cleared; the id is kept.
 *   <li>At the end of the stream an incomplete event is discarded.
 * </ul>
 *
 * <p>Bad input never stalls it: a line or an event's data longer than {@code maxChars} throws
 * {@link IllegalStateException}, and the caller drops the connection.
 *
 * <p>This class is not threadsafe: one stream feeds it from one thread at a time.
 */
final class SseParser {

  /** Receives what the stream says. */
  interface Handler {
    /** An event: its type ({@code message} by default), data, and the last event id then. */
    void onEvent(String type, String data, String lastEventId);

    /** The server asked for this reconnection time. */
    default void onRetry(long millis) {}

    /** A comment line (without its colon), e.g. a heartbeat. */
    default void onComment(String comment) {}
  }

  private final Handler handler;
  private final int maxChars;
  private final CharsetDecoder decoder =
      StandardCharsets.UTF_8.newDecoder()
          .onMalformedInput(CodingErrorAction.REPLACE)
          .onUnmappableCharacter(CodingErrorAction.REPLACE);
  private byte[] carry = new byte[0];
  private boolean started;
  private boolean lastWasCr;
  private final StringBuilder line = new StringBuilder();
  private final StringBuilder data = new StringBuilder();
  private String eventType = "";
  private String lastEventIdBuffer = "";
  private String lastEventId = "";

  SseParser(Handler handler, int maxChars) {
    this.handler = handler;
    this.maxChars = maxChars;
  }

  /** Returns the last event id as of the last dispatch (what a reconnect sends). */
  String lastEventId() {
    return lastEventId;
  }

  /** Sets the last event id a new stream starts from. */
  void lastEventId(String id) {
    this.lastEventId = id;
    this.lastEventIdBuffer = id;
  }

  /** Feeds the next bytes of the stream. */
  void feed(ByteBuffer bytes) {
    ByteBuffer src = bytes;
    if (carry.length > 0) {
      ByteBuffer joined = ByteBuffer.allocate(carry.length + bytes.remaining());
      joined.put(carry).put(bytes).flip();
      src = joined;
    }
    CharBuffer out = CharBuffer.allocate(src.remaining() + 2);
    decoder.decode(src, out, false);
    carry = new byte[src.remaining()];
    src.get(carry);
    out.flip();
    feed(out);
  }

  /** Feeds bytes; see {@link #feed(ByteBuffer)}. */
  void feed(byte[] bytes) {
    feed(ByteBuffer.wrap(bytes));
  }

  /** Ends the stream: decodes what is left and discards an incomplete event. */
  void end() {
    CharBuffer out = CharBuffer.allocate(carry.length * 2 + 4);
    decoder.decode(ByteBuffer.wrap(carry), out, true);
    decoder.flush(out);
    carry = new byte[0];
    out.flip();
    feed(out);
    line.setLength(0);
    data.setLength(0);
    eventType = "";
  }

  /** Feeds decoded characters. */
  void feed(CharSequence chars) {
    for (int i = 0; i < chars.length(); i++) {
      char c = chars.charAt(i);
      if (!started) {
        started = true;
        if (c == '\uFEFF') {
          continue;
        }
      }
      if (lastWasCr) {
        lastWasCr = false;
        if (c == '\n') {
          continue;
        }
      }
      if (c == '\r') {
        lastWasCr = true;
        processLine();
      } else if (c == '\n') {
        processLine();
      } else {
        if (line.length() >= maxChars) {
          throw new IllegalStateException("event-stream line longer than " + maxChars + " characters");
        }
        line.append(c);
      }
    }
  }

  private void processLine() {
    if (line.length() == 0) {
      dispatch();
      return;
    }
    if (line.charAt(0) == ':') {
      handler.onComment(line.substring(1).strip());
      line.setLength(0);
      return;
    }
    int colon = line.indexOf(":");
    String field;
    String value;
    if (colon < 0) {
      field = line.toString();
      value = "";
    } else {
      field = line.substring(0, colon);
      int start = colon + 1;
      if (start < line.length() && line.charAt(start) == ' ') {
        start++;
      }
      value = line.substring(start);
    }
    line.setLength(0);
    switch (field) {
      case "event" -> eventType = value;
      case "data" -> {
        if (data.length() + value.length() + 1 > maxChars) {
          throw new IllegalStateException("event-stream event larger than " + maxChars + " characters");
        }
        data.append(value).append('\n');
      }
      case "id" -> {
        if (value.indexOf('\0') < 0) {
          lastEventIdBuffer = value;
        }
      }
      case "retry" -> {
        if (!value.isEmpty() && value.chars().allMatch(ch -> ch >= '0' && ch <= '9')) {
          try {
            handler.onRetry(Long.parseLong(value));
          } catch (NumberFormatException tooLong) {
            // more digits than a long holds: not a usable time, ignored like any bad retry
          }
        }
      }
      default -> { } // ignored, as the standard says
    }
  }

  private void dispatch() {
    lastEventId = lastEventIdBuffer;
    if (data.length() == 0) {
      eventType = "";
      return;
    }
    data.setLength(data.length() - 1); // the trailing LF
    String type = eventType.isEmpty() ? "message" : eventType;
    String payload = data.toString();
    data.setLength(0);
    eventType = "";
    handler.onEvent(type, payload, lastEventId);
  }
}
