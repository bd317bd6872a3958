package dev.closedloop.sync.realtime;

import java.util.Collections;
import java.util.Map;
import java.util.Objects;
import java.util.OptionalLong;
import java.util.Set;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * One position per topic: where a subscriber stands in each topic it hears. It is the SSE
 * {@code id:} of a stream over several topics, so that one {@code Last-Event-ID} resumes them
 * all.
 *
 * <p>Text form ({@link #format()}, {@link #parse(String)}): {@code topic:position} pairs joined
 * by commas, topics in ascending order, for example {@code bookings:41,sms:7}; the empty cursor is
 * the empty string. Positions are decimal, without sign or leading {@code +}, at most 19 digits.
 * The form is opaque to clients: they store the last id they saw and send it back.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class Cursor {
  /** The longest text {@link #parse(String)} accepts. */
  public static final int MAX_TEXT_LENGTH = 8192;

  /** The cursor that holds no position: every topic starts from now. */
  public static final Cursor EMPTY = new Cursor(new TreeMap<>());

  private final TreeMap<String, Long> positions;
  private @Nullable String text;

  private Cursor(TreeMap<String, Long> positions) {
    this.positions = positions;
  }

  /**
   * Returns a cursor holding one position.
   *
   * @throws IllegalArgumentException if the topic is invalid or the position negative
   */
  public static Cursor of(String topic, long position) {
    return EMPTY.with(topic, position);
  }

  /**
   * Returns a cursor holding {@code positions}.
   *
   * @throws NullPointerException if the map, a key or a value is null
   * @throws IllegalArgumentException if a topic is invalid or a position negative
   */
  public static Cursor of(Map<String, Long> positions) {
    Objects.requireNonNull(positions, "positions cannot be null");
    TreeMap<String, Long> copy = new TreeMap<>();
    positions.forEach((t, p) -> copy.put(Topics.requireValid(t), requirePosition(Objects.requireNonNull(p, "position cannot be null"))));
    return copy.isEmpty() ? EMPTY : new Cursor(copy);
  }

  /**
   * Parses the text form.
   *
   * @throws NullPointerException if {@code text} is null
   * @throws IllegalArgumentException naming the offending part, if {@code text} is not a cursor
   */
  public static Cursor parse(String text) {
    Objects.requireNonNull(text, "text cannot be null");
    if (text.isEmpty()) {
      return EMPTY;
    }
    if (text.length() > MAX_TEXT_LENGTH) {
      throw new IllegalArgumentException(
          "cursor is longer than " + MAX_TEXT_LENGTH + " characters: " + text.length());
    }
    TreeMap<String, Long> map = new TreeMap<>();
    int start = 0;
    while (start <= text.length()) {
      int comma = text.indexOf(',', start);
      int end = comma < 0 ? text.length() : comma;
      String part = text.substring(start, end);
      int colon = part.lastIndexOf(':');
      if (colon < 0) {
        throw new IllegalArgumentException(
            "malformed cursor '" + Topics.printable(text) + "': '" + Topics.printable(part)
                + "' is not topic:position");
      }
      String topic = part.substring(0, colon);
      if (!Topics.isValid(topic)) {
        throw new IllegalArgumentException(
            "malformed cursor '" + Topics.printable(text) + "': invalid topic '"
                + Topics.printable(topic) + "'");
      }
      long position = parsePosition(part.substring(colon + 1), text);
      if (map.put(topic, position) != null) {
        throw new IllegalArgumentException(
            "malformed cursor '" + Topics.printable(text) + "': topic " + topic + " appears twice");
      }
      if (comma < 0) {
        break;
      }
      start = comma + 1;
    }
    return new Cursor(map);
  }

  private static long parsePosition(String digits, String text) {
    boolean ok = !digits.isEmpty() && digits.length() <= 19;
    for (int i = 0; ok && i < digits.length(); i++) {
      char c = digits.charAt(i);
      ok = c >= '0' && c <= '9';
    }
    if (ok) {
      try {
        return Long.parseLong(digits);
      } catch (NumberFormatException tooLarge) {
        ok = false;
      }
    }
    throw new IllegalArgumentException(
        "malformed cursor '" + Topics.printable(text) + "': position '" + Topics.printable(digits)
            + "' is not a decimal number from 0 to " + Long.MAX_VALUE);
  }

  private static long requirePosition(long position) {
    if (position < 0) {
      throw new IllegalArgumentException("position must not be negative: " + position);
    }
    return position;
  }

  /** Returns the position held for {@code topic}, or empty if the cursor has none. */
  public OptionalLong position(String topic) {
    Long p = positions.get(topic);
    return p == null ? OptionalLong.empty() : OptionalLong.of(p);
  }

  /**
   * Returns a cursor equal to this one but holding {@code position} for {@code topic}.
   *
   * @throws IllegalArgumentException if the topic is invalid or the position negative
   */
  public Cursor with(String topic, long position) {
    Topics.requireValid(topic);
    requirePosition(position);
    Long old = positions.get(topic);
    if (old != null && old == position) {
      return this;
    }
    TreeMap<String, Long> copy = new TreeMap<>(positions);
    copy.put(topic, position);
    return new Cursor(copy);
  }

  /** Returns a cursor holding only the positions of {@code topics}. */
  public Cursor retain(Set<String> topics) {
    TreeMap<String, Long> copy = new TreeMap<>(positions);
    copy.keySet().retainAll(topics);
    return copy.size() == positions.size() ? this : copy.isEmpty() ? EMPTY : new Cursor(copy);
  }

  /** Returns the positions, by topic in ascending order (unmodifiable). */
  public Map<String, Long> positions() {
    return Collections.unmodifiableMap(positions);
  }

  /** Returns the topics the cursor holds a position for. */
  public Set<String> topics() {
    return Collections.unmodifiableSet(positions.keySet());
  }

  /** Returns whether the cursor holds no position. */
  public boolean isEmpty() {
    return positions.isEmpty();
  }

  /** Returns the text form, e.g. {@code bookings:41,sms:7}. */
  public String format() {
    String t = text;
    if (t == null) {
      StringBuilder b = new StringBuilder();
      positions.forEach((topic, p) -> {
        if (b.length() > 0) {
          b.append(',');
        }
        b.append(topic).append(':').append(p);
      });
      t = b.toString();
      text = t;
    }
    return t;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof Cursor c && c.positions.equals(positions);
  }

  @Override
  public int hashCode() {
    return positions.hashCode();
  }

  /** Returns {@link #format()}. */
  @Override
  public String toString() {
    return format();
  }
}
