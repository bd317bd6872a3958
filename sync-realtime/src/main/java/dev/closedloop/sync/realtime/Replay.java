package dev.closedloop.sync.realtime;

import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The answer to {@link RealtimeBus#replay(String, long)}: either every retained event after the
 * position, in order, or a gap — the log no longer reaches back that far (or the position is
 * ahead of the log, as after a restart of an in-memory bus), so the caller must reset: refetch
 * its state and continue from {@link #head()}.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class Replay {
  private final List<ChangeEvent> events;
  private final @Nullable String gapReason;
  private final long head;

  private Replay(List<ChangeEvent> events, @Nullable String gapReason, long head) {
    this.events = events;
    this.gapReason = gapReason;
    this.head = head;
  }

  /**
   * Returns a complete replay.
   *
   * @param events the events after the requested position, in position order
   * @param head the position of the topic's latest event (0 if none)
   */
  public static Replay of(List<ChangeEvent> events, long head) {
    return new Replay(List.copyOf(events), null, head);
  }

  /**
   * Returns a gap.
   *
   * @param reason why the requested position cannot be replayed from
   * @param head the position of the topic's latest event, from which a reset subscriber continues
   */
  public static Replay gap(String reason, long head) {
    return new Replay(List.of(), Objects.requireNonNull(reason, "reason cannot be null"), head);
  }

  /** Returns whether the log could not replay from the requested position. */
  public boolean isGap() {
    return gapReason != null;
  }

  /** Returns the replayed events, in order; empty for a gap. */
  public List<ChangeEvent> events() {
    return events;
  }

  /** Returns why there is a gap, or null if there is none. */
  public @Nullable String gapReason() {
    return gapReason;
  }

  /** Returns the position of the topic's latest event when the replay was taken (0 if none). */
  public long head() {
    return head;
  }

  @Override
  public String toString() {
    return gapReason != null ? "Replay[gap: " + gapReason + "]" : "Replay[" + events.size() + " events]";
  }
}
