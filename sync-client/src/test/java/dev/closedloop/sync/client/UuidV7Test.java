package dev.closedloop.sync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.time.ManualTicker;
import dev.closedloop.sync.time.RandomSource;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import org.junit.jupiter.api.Test;

class UuidV7Test {
  private final ManualTicker time = new ManualTicker(Instant.parse("2026-03-01T12:00:00Z"));

  @Test
  void versionVariantAndTimestampAreThoseOfRfc9562() {
    UuidV7 gen = new UuidV7(time, RandomSource.seeded(1));
    UUID u = gen.next();
    assertThat(u.version()).isEqualTo(7);
    assertThat(u.variant()).isEqualTo(2); // the RFC 4122/9562 variant, bits 10
    assertThat(UuidV7.timestampMillis(u)).isEqualTo(time.millis());
    assertThat(u.toString()).matches("[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}");
  }

  @Test
  void valuesMadeInOneMillisecondGrowAsStringsAndAsNumbers() {
    UuidV7 gen = new UuidV7(time, RandomSource.seeded(7));
    List<UUID> made = new ArrayList<>();
    for (int i = 0; i < 10_000; i++) {
      made.add(gen.next());
    }
    for (int i = 1; i < made.size(); i++) {
      UUID a = made.get(i - 1);
      UUID b = made.get(i);
      assertThat(b.toString()).isGreaterThan(a.toString());
      assertThat(UuidV7.timestampMillis(b)).isEqualTo(time.millis());
    }
    assertThat(made.stream().distinct().count()).isEqualTo(10_000);
  }

  @Test
  void aClockThatStepsBackDoesNotBreakTheOrder() {
    java.util.concurrent.atomic.AtomicLong wall = new java.util.concurrent.atomic.AtomicLong(time.millis());
    UuidV7 gen = new UuidV7(wall::get, RandomSource.seeded(3));
    UUID first = gen.next();
    wall.addAndGet(5);
    UUID later = gen.next();
    wall.addAndGet(-3); // an NTP step back
    UUID afterStep = gen.next();
    assertThat(later.toString()).isGreaterThan(first.toString());
    assertThat(afterStep.toString()).isGreaterThan(later.toString());
    assertThat(UuidV7.timestampMillis(afterStep)).isEqualTo(UuidV7.timestampMillis(later));
  }

  @Test
  void aNewMillisecondStartsAFreshCounterBelowHalfItsRange() {
    // draws at ~1 make the largest counter start (2^41 - 1): still room for 2^41 values
    UuidV7 gen = new UuidV7(time, RandomSource.fixed(RandomSource.MAX_DRAW));
    UUID a = gen.next();
    long counter = ((a.getMostSignificantBits() & 0xFFF) << 30) | ((a.getLeastSignificantBits() >>> 32) & 0x3FFF_FFFF);
    assertThat(counter).isEqualTo((1L << 41) - 1);
    UUID b = gen.next();
    assertThat(b.toString()).isGreaterThan(a.toString());
  }

  @Test
  void timestampMillisRefusesOtherVersions() {
    assertThatThrownBy(() -> UuidV7.timestampMillis(UUID.randomUUID()))
        .isInstanceOf(IllegalArgumentException.class).hasMessageStartingWith("not a version 7 UUID");
  }
}
