package dev.closedloop.sync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.spi.ChangeEventJson;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.spi.ChangeWaiters;
import dev.closedloop.sync.time.VirtualScheduler;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/** What the realtime client keeps of the frames it hears, without a connection. */
class HeardChangesTest {
  private final VirtualScheduler scheduler = new VirtualScheduler();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final List<String> told = new CopyOnWriteArrayList<>();
  private final RealtimeClientListener listener = new RealtimeClientListener() {
    @Override
    public void onEvent(ChangeEvent e) {
      told.add("event " + e.topic() + ":" + e.position());
    }

    @Override
    public void onReset(String topic, String reason) {
      told.add("reset " + topic + " " + reason);
    }
  };

  private HeardChanges heard(Cursor resumeFrom, int maxCache) {
    return new HeardChanges("test", resumeFrom, maxCache, listener,
        new ChangeWaiters(scheduler, closed::get, "closed", () -> new CancellationException("closed")));
  }

  private static String json(ChangeDraft d, long position) {
    return ChangeEventJson.toJson(ChangeEvent.of(d, position, Instant.EPOCH));
  }

  @Test
  void anEventAtOrBeforeAPositionAlreadyHeardIsDroppedSoNothingIsHeardTwice() {
    HeardChanges h = heard(Cursor.of("t", 5), 10);
    h.change(json(ChangeDraft.insert("t", "a", "{}"), 5)); // the resume position itself
    h.change(json(ChangeDraft.insert("t", "a", "{}"), 6));
    h.change(json(ChangeDraft.insert("t", "a", "{}"), 6)); // replayed again after a reconnect
    h.subscribed(Cursor.of("t", 9)); // a stream that starts later counts 7..9 as heard
    h.change(json(ChangeDraft.insert("t", "b", "{}"), 8));
    h.change(json(ChangeDraft.insert("t", "b", "{}"), 10));

    assertThat(told).containsExactly("event t:6", "event t:10");
    assertThat(h.eventsReceived()).isEqualTo(2);
  }

  @Test
  void aResetClearsTheTopicsCacheAndMovesItsPositionAndAMalformedOneChangesNothing() {
    HeardChanges h = heard(Cursor.EMPTY, 10);
    h.change(json(ChangeDraft.insert("t", "a", "{}"), 1));
    assertThat(h.latest("t", "a")).isPresent();

    h.reset("not json");
    assertThat(h.latest("t", "a")).isPresent();
    h.reset("{\"topic\":\"t\",\"reason\":\"log trimmed\",\"position\":100}");

    assertThat(h.latest("t", "a")).isEmpty();
    h.change(json(ChangeDraft.insert("t", "a", "{}"), 99)); // before the reset's position
    h.change(json(ChangeDraft.insert("t", "a", "{}"), 101));
    assertThat(told).containsExactly("event t:1", "reset t log trimmed", "event t:101");
  }

  @Test
  void theCacheKeepsTheLatestPerKeyBoundedPerTopicAndZeroKeepsNothing() {
    HeardChanges h = heard(Cursor.EMPTY, 1);
    h.change(json(ChangeDraft.insert("t", "a", "{}"), 1));
    h.change(json(ChangeDraft.insert("t", "b", "{}"), 2));
    h.change(json(ChangeDraft.insert("u", "a", "{}"), 1));
    assertThat(h.latest("t", "a")).isEmpty();
    assertThat(h.latest("t", "b")).map(ChangeEvent::position).contains(2L);
    assertThat(h.latest("u", "a")).isPresent();

    HeardChanges none = heard(Cursor.EMPTY, 0);
    none.change(json(ChangeDraft.insert("t", "a", "{}"), 1));
    assertThat(none.latest("t", "a")).isEmpty();
  }

  @Test
  void waitersHearNewEventsAndFailWhenTheClientCloses() {
    HeardChanges h = heard(Cursor.EMPTY, 10);
    CompletableFuture<ChangeEvent> b = h.await(e -> "b".equals(e.key()), Duration.ofSeconds(1));
    CompletableFuture<ChangeEvent> never = h.await(e -> false, Duration.ofSeconds(1));
    h.change(json(ChangeDraft.insert("t", "a", "{}"), 1));
    h.change(json(ChangeDraft.insert("t", "b", "{}"), 2));
    assertThat(b.join().position()).isEqualTo(2);

    closed.set(true);
    h.closed();
    assertThatThrownBy(never::join).isInstanceOf(CancellationException.class);
  }

  @Test
  void aListenerThatThrowsDoesNotStopTheEventFromBeingKept() {
    HeardChanges h = new HeardChanges("test", Cursor.EMPTY, 10, new RealtimeClientListener() {
      @Override
      public void onEvent(ChangeEvent e) {
        throw new IllegalStateException("listener bug");
      }
    }, new ChangeWaiters(scheduler, closed::get, "closed", () -> new CancellationException("closed")));
    h.change(json(ChangeDraft.insert("t", "a", "{}"), 1));
    assertThat(h.latest("t", "a")).isPresent();
    assertThat(h.eventsReceived()).isEqualTo(1);
  }
}
