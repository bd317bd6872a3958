package dev.closedloop.sync.retry;

import dev.closedloop.sync.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDateTime;
import java.time.ZoneOffset;
import java.time.ZonedDateTime;
import java.time.chrono.IsoChronology;
import java.time.format.DateTimeFormatter;
import java.time.format.DateTimeFormatterBuilder;
import java.time.format.DateTimeParseException;
import java.time.format.ResolverStyle;
import java.time.temporal.ChronoField;
import java.util.Locale;
import java.util.Optional;
import org.jspecify.annotations.Nullable;

/**
 * Parses and formats the HTTP {@code Retry-After} header (RFC 9110, section 10.2.3): either a
 * number of seconds ({@code 120}) or an HTTP-date ({@code Wed, 21 Oct 2026 07:28:00 GMT}). As
 * RFC 9110 (section 5.6.7) asks of recipients, the two obsolete date forms are read too: RFC 850
 * ({@code Wednesday, 21-Oct-26 07:28:00 GMT}, a two-digit year more than 50 years ahead being
 * the past century's) and asctime ({@code Wed Oct 21 07:28:00 2026}, in GMT). A day of the week
 * that does not match the date makes the value malformed.
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
    long at;
    try {
      at = httpDate(v, clock).toInstant().toEpochMilli();
    } catch (DateTimeParseException e) {
      return Optional.empty();
    }
    long millis = at - clock.millis();
    if (millis <= 0) {
      return Optional.of(Duration.ZERO);
    }
    Duration d = Duration.ofMillis(millis);
    return Optional.of(d.compareTo(MAX_HINT) > 0 ? MAX_HINT : d);
  }

  /** IMF-fixdate, or one of the obsolete forms, told apart by where the first comma is. */
  private static ZonedDateTime httpDate(String v, Clock clock) {
    int comma = v.indexOf(',');
    if (comma == 3) {
      return ZonedDateTime.parse(v, DateTimeFormatter.RFC_1123_DATE_TIME);
    }
    if (comma > 3) {
      int thisYear = Instant.ofEpochMilli(clock.millis()).atZone(ZoneOffset.UTC).getYear();
      return ZonedDateTime.parse(v, rfc850(thisYear - 49));
    }
    return LocalDateTime.parse(v, ASCTIME).atZone(ZoneOffset.UTC);
  }

  /** {@code Sunday, 06-Nov-94 08:49:37 GMT}; the two-digit year falls in [baseYear, baseYear + 99]. */
  private static DateTimeFormatter rfc850(int baseYear) {
    return new DateTimeFormatterBuilder()
        .appendPattern("EEEE, dd-MMM-")
        .appendValueReduced(ChronoField.YEAR, 2, 2, baseYear)
        .appendPattern(" HH:mm:ss 'GMT'")
        .toFormatter(Locale.US)
        .withChronology(IsoChronology.INSTANCE)
        .withResolverStyle(ResolverStyle.STRICT)
        .withZone(ZoneOffset.UTC);
  }

  /** {@code Sun Nov  6 08:49:37 1994}: the day of the month padded with a space. */
  private static final DateTimeFormatter ASCTIME = DateTimeFormatter.ofPattern("EEE MMM ppd HH:mm:ss uuuu", Locale.US)
      .withResolverStyle(ResolverStyle.STRICT);

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
