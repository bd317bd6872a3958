package dev.closedloop.sync.queue;

import java.time.Duration;
import java.util.Collections;
import java.util.Objects;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * A consistent picture of an {@link OfflineQueue} at one moment.
 *
 * <p>This class is immutable and threadsafe.
 *
 * @param depthByPriority waiting items (not in flight, not dead) per priority lane, highest
 *     lane first; lanes with no waiting item are absent
 * @param waiting waiting items in all lanes
 * @param inFlight items handed out and not yet settled
 * @param deadLetters dead letters
 * @param oldestAge how long ago the oldest waiting or in-flight item was offered (wall clock);
 *     zero when there is none
 */
public record QueueStats(
    SortedMap<Integer, Integer> depthByPriority,
    int waiting,
    int inFlight,
    int deadLetters,
    Duration oldestAge) {

  /** Copies the map and checks the arguments. */
  public QueueStats {
    TreeMap<Integer, Integer> copy = new TreeMap<>(Collections.reverseOrder());
    copy.putAll(Objects.requireNonNull(depthByPriority, "depthByPriority cannot be null"));
    depthByPriority = Collections.unmodifiableSortedMap(copy);
    Objects.requireNonNull(oldestAge, "oldestAge cannot be null");
  }

  /** Returns waiting plus in-flight items: everything not yet settled and not dead. */
  public int pending() {
    return waiting + inFlight;
  }
}
