package dev.closedloop.sync.realtime;

import java.util.Objects;

/**
 * The rule for topic names, shared by every bus, the SSE servlet and the client: 1 to 128
 * characters from {@code [A-Za-z0-9._-]}, starting with a letter or a digit. The characters
 * {@code ':'} and {@code ','} are excluded because they delimit a {@link Cursor}; spaces and
 * control characters because a topic travels in URLs and event ids.
 *
 * <p>This class is threadsafe.
 */
public final class Topics {
  /** The longest topic name accepted. */
  public static final int MAX_LENGTH = 128;

  private Topics() {}

  /** Returns whether {@code topic} is a valid topic name. */
  public static boolean isValid(String topic) {
    int n = topic.length();
    if (n == 0 || n > MAX_LENGTH) {
      return false;
    }
    for (int i = 0; i < n; i++) {
      char c = topic.charAt(i);
      boolean alnum = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
      if (!alnum && (i == 0 || (c != '.' && c != '_' && c != '-'))) {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns {@code topic} if it is valid.
   *
   * @throws NullPointerException if {@code topic} is null
   * @throws IllegalArgumentException naming the topic and the rule, if it is not valid
   */
  public static String requireValid(String topic) {
    Objects.requireNonNull(topic, "topic cannot be null");
    if (!isValid(topic)) {
      throw new IllegalArgumentException(
          "invalid topic '"
              + printable(topic)
              + "': a topic is 1 to 128 characters of [A-Za-z0-9._-] starting with a letter or digit");
    }
    return topic;
  }

  /**
   * Quotes untrusted text (a topic, a field read off the wire) for an error message: clipped to
   * 64 characters, control characters escaped, so that a log line stays one line.
   *
   * @throws NullPointerException if {@code s} is null
   */
  public static String printable(String s) {
    StringBuilder b = new StringBuilder();
    int n = Math.min(s.length(), 64);
    for (int i = 0; i < n; i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        b.append(String.format("\\u%04x", (int) c));
      } else {
        b.append(c);
      }
    }
    if (s.length() > n) {
      b.append("…");
    }
    return b.toString();
  }
}
