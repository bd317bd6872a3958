package dev.closedloop.sync.servlet;

import dev.closedloop.sync.realtime.Cursor;
import jakarta.servlet.http.HttpServletRequest;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What {@link RealtimeSseServlet} reads of a stream request's query and headers: the values of a
 * query parameter, decoded as the servlet API decodes a GET's (the query is read directly, not
 * through the container's parameter map, which a container keeps for as long as the request, and
 * so the stream, lives), and the cursor to resume from. Not part of the API.
 *
 * <p>This class is threadsafe: it is stateless.
 */
final class SseQuery {
  private SseQuery() {}

  /**
   * The cursor a reconnecting client resumes from: its {@code Last-Event-ID} header, or else the
   * {@code lastEventId} query parameter; {@link Cursor#EMPTY} if neither is there.
   *
   * @throws IllegalArgumentException if the header is sent twice, or either is malformed
   */
  static Cursor lastEventId(HttpServletRequest req, @Nullable String query) {
    Enumeration<String> headers = req.getHeaders("Last-Event-ID");
    List<String> values = headers == null ? List.of() : Collections.list(headers);
    if (values.size() > 1) {
      throw new IllegalArgumentException("Last-Event-ID was sent " + values.size() + " times");
    }
    String text;
    if (values.isEmpty()) {
      List<String> param = values(query, "lastEventId"); // IAE for a bad escape: 400 too
      text = param.isEmpty() ? null : param.get(0);
    } else {
      text = values.get(0);
    }
    return text == null ? Cursor.EMPTY : Cursor.parse(text.strip());
  }

  /**
   * Returns the values of {@code name} in a URL query ({@code application/x-www-form-urlencoded},
   * UTF-8, as the servlet API decodes a GET's parameters), in order.
   *
   * @throws IllegalArgumentException if a value's percent-encoding is malformed
   */
  static List<String> values(@Nullable String query, String name) {
    if (query == null || query.isEmpty()) {
      return List.of();
    }
    List<String> values = new ArrayList<>(1);
    int start = 0;
    while (start <= query.length()) {
      int amp = query.indexOf('&', start);
      int end = amp < 0 ? query.length() : amp;
      int eq = query.indexOf('=', start);
      int nameEnd = eq < 0 || eq > end ? end : eq;
      if (decode(query.substring(start, nameEnd)).equals(name)) {
        values.add(nameEnd == end ? "" : decode(query.substring(nameEnd + 1, end)));
      }
      if (amp < 0) {
        break;
      }
      start = amp + 1;
    }
    return values;
  }

  private static String decode(String s) {
    return s.indexOf('%') < 0 && s.indexOf('+') < 0 ? s : URLDecoder.decode(s, StandardCharsets.UTF_8);
  }

  /** At most 64 characters of {@code s}, control characters replaced, for a problem's detail. */
  static String printable(String s) {
    StringBuilder b = new StringBuilder();
    for (int i = 0; i < Math.min(s.length(), 64); i++) {
      char c = s.charAt(i);
      b.append(c < 0x20 || c == 0x7f ? '?' : c);
    }
    return s.length() > 64 ? b.append("…").toString() : b.toString();
  }
}
