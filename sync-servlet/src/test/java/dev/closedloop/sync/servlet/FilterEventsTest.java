package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.idempotency.Idempotency;
import dev.closedloop.sync.idempotency.IdempotencyAttempt;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyListener;
import dev.closedloop.sync.idempotency.IdempotencyStats;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.servlet.IdempotencyFilterListener.Finished;
import dev.closedloop.sync.time.ManualTicker;
import dev.closedloop.sync.time.Ticker;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

class FilterEventsTest {
  private static final IdempotencyKey KEY = IdempotencyKey.of("tenant", "k-1");

  @Test
  void eachListenerHearsInItsOwnTermsInOrderAndOneThatThrowsSilencesNoOther() {
    List<String> heard = new ArrayList<>();
    IdempotencyFilterListener filterListener = new IdempotencyFilterListener() {
      @Override
      public void onRejected(int status, String problemType) {
        heard.add("filter rejected " + status + " " + problemType);
      }

      @Override
      public void onFinished(Finished f) {
        heard.add("filter finished " + f.outcome() + " " + f.method() + " " + f.path() + " " + f.status() + " "
            + f.durationNanos());
      }
    };
    IdempotencyFilterListener broken = new IdempotencyFilterListener() {
      @Override
      public void onRejected(int status, String problemType) {
        heard.add("broken");
        throw new IllegalStateException("listener bug");
      }

      @Override
      public void onFinished(Finished f) {
        heard.add("broken");
        throw new IllegalStateException("listener bug");
      }
    };
    IdempotencyListener plain = new IdempotencyListener() {
      @Override
      public void onFinished(IdempotencyListener.Finished f) {
        heard.add("plain finished " + f.outcome() + " " + f.method() + " " + f.path() + " " + f.status() + " "
            + f.durationNanos());
      }
    };
    ManualTicker ticker = new ManualTicker();
    FilterEvents events = new FilterEvents(List.of(filterListener, broken, plain), ticker);
    assertThat(events.listeners()).containsExactly(filterListener, broken, plain);

    events.rejected(IdempotencyProblem.KEY_MISSING);
    long start = events.start();
    ticker.advance(Duration.ofMillis(3));
    events.finished(KEY, Finished.Outcome.REPLAYED, "POST", "/orders", 201, start);

    assertThat(heard).containsExactly(
        "filter rejected 400 " + IdempotencyFilter.PROBLEM_KEY_MISSING,
        "broken", // plain listeners have no onRejected
        "filter finished REPLAYED POST /orders 201 3000000",
        "broken",
        "plain finished REPLAYED POST /orders 201 3000000");
    assertThat(events.stats(protocolStats()).rejected()).isEqualTo(1);
  }

  @Test
  void withoutListenersRefusalsAreCountedAndNoClockIsRead() {
    Ticker noClock = () -> {
      throw new AssertionError("read the clock with no listener");
    };
    FilterEvents events = new FilterEvents(List.of(), noClock);
    long start = events.start();
    events.rejected(IdempotencyProblem.BODY_TOO_LARGE);
    events.rejected(IdempotencyProblem.KEY_INVALID);
    events.finished(KEY, Finished.Outcome.FIRST, "PUT", "/o/1", 200, start);
    IdempotencyFilterStats stats = events.stats(protocolStats());
    assertThat(stats.rejected()).isEqualTo(2);
    assertThat(stats.first()).isEqualTo(1); // the protocol's counters pass through
    assertThat(stats.released()).isEqualTo(1);
  }

  /** The counters of a real protocol that claimed one key and released it. */
  private static IdempotencyStats protocolStats() {
    Idempotency protocol = Idempotency.builder().store(InMemoryIdempotencyStore.ofDefaults()).build();
    IdempotencyAttempt attempt = protocol.begin(KEY, "fp");
    assertThat(attempt).isInstanceOf(IdempotencyAttempt.Claimed.class);
    ((IdempotencyAttempt.Claimed) attempt).claim().release(409, null);
    return protocol.stats();
  }
}
