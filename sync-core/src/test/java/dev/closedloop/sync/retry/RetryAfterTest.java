package dev.closedloop.sync.retry;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.time.ManualTicker;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.NullAndEmptySource;
import org.junit.jupiter.params.provider.ValueSource;

/** Parsing and formatting {@code Retry-After}; the wall clock reads 2026-01-01T00:00:00Z. */
class RetryAfterTest {
  final ManualTicker clock = new ManualTicker(); // Thursday, 1 January 2026, 00:00:00 GMT

  @Test
  void secondsAreParsed() {
    assertThat(RetryAfter.parse("120", clock)).contains(Duration.ofSeconds(120));
    assertThat(RetryAfter.parse("  7 ", clock)).contains(Duration.ofSeconds(7));
    assertThat(RetryAfter.parse("0", clock)).contains(Duration.ZERO);
    assertThat(RetryAfter.parse("007", clock)).contains(Duration.ofSeconds(7));
  }

  @Test
  void futureHttpDateIsTheTimeUntilIt() {
    assertThat(RetryAfter.parse("Thu, 01 Jan 2026 00:02:00 GMT", clock)).contains(Duration.ofSeconds(120));

    clock.advance(Duration.ofMillis(30_500));

    assertThat(RetryAfter.parse("Thu, 01 Jan 2026 00:02:00 GMT", clock)).contains(Duration.ofMillis(89_500));
  }

  @Test
  void theObsoleteDateFormsAreReadToo() {
    assertThat(RetryAfter.parse("Thursday, 01-Jan-26 00:02:00 GMT", clock)).contains(Duration.ofSeconds(120));
    assertThat(RetryAfter.parse("Thu Jan  1 00:02:00 2026", clock)).contains(Duration.ofSeconds(120));
    assertThat(RetryAfter.parse("Thu Jan 01 00:02:00 2026", clock)).as("2DIGIT day").contains(Duration.ofSeconds(120));
    assertThat(RetryAfter.parse("Sat Jan 10 00:00:00 2026", clock)).contains(Duration.ofDays(1)); // capped
    // a two-digit year more than 50 years ahead is the past century's
    assertThat(RetryAfter.parse("Sunday, 06-Nov-94 08:49:37 GMT", clock)).contains(Duration.ZERO);
    assertThat(RetryAfter.parse("Thursday, 01-Jan-60 00:00:00 GMT", clock)).as("2060").contains(Duration.ofDays(1));
    assertThat(RetryAfter.parse("Monday, 01-Jan-90 00:00:00 GMT", clock)).as("1990").contains(Duration.ZERO);
  }

  @ParameterizedTest
  @ValueSource(strings = {
    "Friday, 01-Jan-26 00:02:00 GMT", "Thursday, 01-Jan-2026 00:02:00 GMT", "Thursday, 01-Jan-26 00:02:00",
    "Fri Jan  1 00:02:00 2026", "Thu Jan  1 00:02:00 26", "Thu Jan 32 00:02:00 2026"
  })
  void malformedObsoleteDatesGiveNoHint(String value) {
    assertThat(RetryAfter.parse(value, clock)).isEmpty();
  }

  @Test
  void pastOrPresentHttpDateMeansNoWait() {
    assertThat(RetryAfter.parse("Wed, 31 Dec 2025 23:59:00 GMT", clock)).contains(Duration.ZERO);
    assertThat(RetryAfter.parse("Thu, 01 Jan 2026 00:00:00 GMT", clock)).contains(Duration.ZERO);
  }

  @ParameterizedTest
  @NullAndEmptySource
  @ValueSource(strings = {
    "   ", "soon", "-5", "+5", "1.5", "1e3", "12 s", "Thu, 01 Jan 2026 00:02:00", "Fri, 01 Jan 2026 00:02:00 GMT",
    "2026-01-01T00:02:00Z", "Thu, 32 Jan 2026 00:02:00 GMT"
  })
  void garbageGivesNoHint(String value) {
    assertThat(RetryAfter.parse(value, clock)).isEmpty();
  }

  @Test
  void hugeValuesAreCappedAtOneDay() {
    assertThat(RetryAfter.MAX_HINT).isEqualTo(Duration.ofDays(1));
    assertThat(RetryAfter.parse("86400", clock)).contains(Duration.ofDays(1));
    assertThat(RetryAfter.parse("86401", clock)).contains(Duration.ofDays(1));
    assertThat(RetryAfter.parse("999999999999", clock)).contains(Duration.ofDays(1));
    assertThat(RetryAfter.parse("99999999999999999999999999999", clock)).contains(Duration.ofDays(1));
    assertThat(RetryAfter.parse("Sat, 01 Jan 2050 00:00:00 GMT", clock)).contains(Duration.ofDays(1));
  }

  @Test
  void formatRoundsUpToWholeSeconds() {
    assertThat(RetryAfter.format(Duration.ofMillis(1500))).isEqualTo("2");
    assertThat(RetryAfter.format(Duration.ofNanos(1))).isEqualTo("1");
    assertThat(RetryAfter.format(Duration.ofSeconds(30))).isEqualTo("30");
    assertThat(RetryAfter.format(Duration.ZERO)).isEqualTo("0");
    assertThat(RetryAfter.format(Duration.ofSeconds(-3))).isEqualTo("0");
  }

  @Test
  void formattedValueParsesBackToAtLeastTheDelay() {
    Duration delay = Duration.ofMillis(4_200);
    assertThat(RetryAfter.parse(RetryAfter.format(delay), clock)).hasValueSatisfying(d -> assertThat(d).isGreaterThanOrEqualTo(delay));
  }
}
