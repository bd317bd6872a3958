package dev.closedloop.sync.realtime;

import dev.closedloop.sync.realtime.spi.LatestEvents;
import dev.closedloop.sync.realtime.spi.SubscriberQueues;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One topic of the in-process bus: its head, bounded replay log, latest-state cache and
 * subscribers. Every field is guarded by {@link #lock}; publishing, subscribing and replaying
 * take it, which is what makes subscribe-then-replay gapless.
 */
final class TopicState {
  final String name;
  final ReentrantLock lock = new ReentrantLock();
  private final ArrayDeque<Entry> log = new ArrayDeque<>();
  private final LatestEvents latest;
  final LinkedHashSet<SubscriberQueues.Member> subscribers = new LinkedHashSet<>();
  private long head;
  /** The position of the newest event evicted from the log; 0 if none was. */
  private long trimmedThrough;
  private long logBytes;

  private record Entry(ChangeEvent event, long publishedNanos, long size) {}

  TopicState(String name, int maxLatest) {
    this.name = name;
    this.latest = new LatestEvents(maxLatest);
  }

  long head() {
    return head;
  }

  long nextPosition() {
    return head + 1;
  }

  /** Appends {@code event} (at {@link #nextPosition()}) to the log and the cache. Lock held. */
  void append(ChangeEvent event, long nowNanos, InProcessRealtimeBus.Limits limits) {
    head = event.position();
    long size = event.approximateSizeBytes();
    log.addLast(new Entry(event, nowNanos, size));
    logBytes += size;
    latest.apply(event);
    trim(nowNanos, limits);
  }

  /** Evicts what is beyond the count, byte and age bounds. Lock held. */
  void trim(long nowNanos, InProcessRealtimeBus.Limits limits) {
    while (!log.isEmpty()) {
      Entry oldest = log.peekFirst();
      boolean over =
          log.size() > limits.maxEvents()
              || (logBytes > limits.maxBytes() && log.size() > 1) // the newest always stays
              || nowNanos - oldest.publishedNanos() > limits.maxAgeNanos();
      if (!over) {
        return;
      }
      log.pollFirst();
      logBytes -= oldest.size();
      trimmedThrough = oldest.event().position();
    }
  }

  /** Returns the events after {@code after}, or a gap. Lock held, log trimmed. */
  Replay replayLocked(long after) {
    if (after > head) {
      return Replay.gap(
          "position " + after + " is ahead of topic " + name + " (head " + head
              + "); the bus may have restarted",
          head);
    }
    if (after < trimmedThrough) {
      return Replay.gap(
          "the replay log of topic " + name + " no longer reaches back to position " + after
              + " (events up to " + trimmedThrough + " were evicted)",
          head);
    }
    if (after == head) {
      return Replay.of(List.of(), head);
    }
    ArrayList<ChangeEvent> out = new ArrayList<>();
    Iterator<Entry> it = log.descendingIterator();
    while (it.hasNext()) {
      ChangeEvent e = it.next().event();
      if (e.position() <= after) {
        break;
      }
      out.add(e);
    }
    java.util.Collections.reverse(out);
    return Replay.of(out, head);
  }

  @org.jspecify.annotations.Nullable
  ChangeEvent latest(String key) {
    return latest.get(key);
  }

  int logSize() {
    return log.size();
  }

  long logBytes() {
    return logBytes;
  }
}
