package dev.closedloop.sync.servlet;

/**
 * The one JSON string escaper of this module, for the few small bodies it writes by hand
 * (problem details, SSE control frames) without a JSON library.
 */
final class JsonText {
  private JsonText() {}

  /** Appends {@code s} to {@code b} as a JSON string literal. */
  static StringBuilder quote(StringBuilder b, String s) {
    b.append('"');
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      switch (c) {
        case '"' -> b.append("\\\"");
        case '\\' -> b.append("\\\\");
        case '\n' -> b.append("\\n");
        case '\r' -> b.append("\\r");
        case '\t' -> b.append("\\t");
        default -> {
          if (c < 0x20 || c == 0x2028 || c == 0x2029) {
            b.append(String.format("\\u%04x", (int) c));
          } else {
            b.append(c);
          }
        }
      }
    }
    return b.append('"');
  }

  /** Returns {@code s} as a JSON string literal. */
  static String quote(String s) {
    return quote(new StringBuilder(s.length() + 2), s).toString();
  }
}
