package dev.closedloop.sync.retry;

import dev.closedloop.sync.time.Clock;
import java.time.Duration;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeParseException;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Parses and formats the HTTP {@code Retry-After} header (RFC 9110, section 10.2.3): either a
 * number of seconds ({@code 120}) or an HTTP-date ({@code Wed, 21 Oct 2026 07:28:00 GMT}).
 *
 * <p>This class is threadsafe.
 */
public final class RetryAfter {
  private RetryAfter() {}

  /** Caps a parsed hint so that a hostile or broken server cannot make a client wait for ever. */
  public static final Duration MAX_HINT = Duration.ofDays(1);

  /**
   * Parses a {@code Retry-After} value. A date in the past gives {@link Duration#ZERO}; seconds
   * above {@link #MAX_HINT} are capped to it.
   *
   * @param value the header value, possibly null
   * @param clock the wall clock used to turn an HTTP-date into a delay
   * @return the delay, or empty if the value is null, blank or malformed
   */
  public static Optional<Duration> parse(@Nullable String value, Clock clock) {
    if (value == null) {
      return Optional.empty();
    }
    String v = value.trim();
    if (v.isEmpty()) {
      return Optional.empty();
    }
    if (isDigits(v)) {
      if (v.length() > 12) {
        return Optional.of(MAX_HINT);
      }
      long seconds = Long.parseLong(v);
      return Optional.of(seconds >= MAX_HINT.getSeconds() ? MAX_HINT : Duration.ofSeconds(seconds));
    }
    try {
      ZonedDateTime at = ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
      long millis = at.toInstant().toEpochMilli() - clock.millis();
      if (millis <= 0) {
        return Optional.of(Duration.ZERO);
      }
      Duration d = Duration.ofMillis(millis);
      return Optional.of(d.compareTo(MAX_HINT) > 0 ? MAX_HINT : d);
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
  }

  /**
   * Formats a delay as whole seconds, rounded up so that a client never comes back early; at
   * least 1 for any positive delay.
   */
  public static String format(Duration delay) {
    if (delay.isNegative() || delay.isZero()) {
      return "0";
    }
    long seconds = delay.getSeconds() + (delay.getNano() > 0 ? 1 : 0);
    return Long.toString(seconds);
  }

  private static boolean isDigits(String s) {
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < '0' || c > '9') {
        return false;
      }
    }
    return true;
  }
}
