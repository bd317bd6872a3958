package dev.closedloop.sync.realtime.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class LatestEventsTest {
  private long position;

  private ChangeEvent of(ChangeDraft d) {
    return ChangeEvent.of(d, ++position, Instant.EPOCH);
  }

  @Test
  void insertsAndUpdatesAreKeptAndADeleteForgetsTheKey() {
    LatestEvents latest = new LatestEvents(10);
    latest.apply(of(ChangeDraft.insert("t", "a", "{\"v\":1}")));
    latest.apply(of(ChangeDraft.update("t", "a", "{\"v\":2}", null)));
    latest.apply(of(ChangeDraft.insert("t", "b", "{}")));
    latest.apply(of(ChangeDraft.delete("t", "b", null)));
    latest.apply(of(ChangeDraft.broadcast("t", "{}")));

    assertThat(latest.get("a").position()).isEqualTo(2);
    assertThat(latest.get("b")).isNull();
    assertThat(latest.size()).isEqualTo(1);
  }

  @Test
  void theLeastRecentlyChangedKeyGoesFirst() {
    LatestEvents latest = new LatestEvents(2);
    latest.apply(of(ChangeDraft.insert("t", "a", "{}")));
    latest.apply(of(ChangeDraft.insert("t", "b", "{}")));
    latest.apply(of(ChangeDraft.update("t", "a", "{}", null))); // a is now the most recent
    latest.apply(of(ChangeDraft.insert("t", "c", "{}")));

    assertThat(latest.get("b")).isNull();
    assertThat(latest.get("a")).isNotNull();
    assertThat(latest.get("c")).isNotNull();
  }

  @Test
  void aBoundOfZeroKeepsNothingAndANegativeOneIsRefused() {
    LatestEvents none = new LatestEvents(0);
    none.apply(of(ChangeDraft.insert("t", "a", "{}")));
    assertThat(none.get("a")).isNull();
    assertThatThrownBy(() -> new LatestEvents(-1)).hasMessage("maxKeys must not be negative: -1");
  }
}
