package dev.closedloop.sync.realtime;

import java.time.Duration;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.Predicate;

/**
 * Fans change events out to subscribers, keeps a bounded replay log per topic and the latest
 * event per entity. Implementations: {@link InProcessRealtimeBus} (one JVM), and in their modules
 * a Redis Streams bus and a PostgreSQL outbox bus; all pass {@code RealtimeBusCompatibilityKit}.
 *
 * <p>Guarantees every implementation gives:
 *
 * <ul>
 *   <li>Positions are strictly increasing within a topic (see the package documentation).
 *   <li>A subscriber hears every event of its topics after its {@linkplain Subscription#start()
 *       start}, in position order per topic, once, until its subscription closes.
 *   <li>Resuming from a position the log still holds replays exactly the events after it, then
 *       continues live without a gap or a duplicate; a position the log no longer reaches (or
 *       one ahead of it) is reported as a reset, never silently skipped.
 *   <li>A slow, throwing or blocking listener delays neither publishers nor other subscribers.
 * </ul>
 *
 * <p>Implementations are threadsafe.
 */
public interface RealtimeBus extends AutoCloseable {

  /**
   * Publishes a change and returns the position it was given in its topic.
   *
   * @throws NullPointerException if {@code draft} is null
   * @throws IllegalStateException if the bus is closed
   */
  long publish(ChangeDraft draft);

  /**
   * Subscribes {@code listener} to {@code topics}. For each topic that {@code after} holds a
   * position for, the retained events after that position are delivered first (or, if the log
   * no longer reaches back that far, {@link RealtimeListener#onReset}); a topic it holds none for
   * starts at the current head.
   *
   * @param topics the topics to hear; at least one, each valid
   * @param after where to resume; {@link Cursor#EMPTY} to start from now. Positions for topics
   *     not in {@code topics} are ignored.
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code topics} is empty or holds an invalid name
   * @throws IllegalStateException if the bus is closed
   */
  Subscription subscribe(Set<String> topics, Cursor after, RealtimeListener listener);

  /**
   * Returns the latest {@code INSERT} or {@code UPDATE} of an entity, or empty if it was never
   * seen, was deleted, or fell out of the cache. What "seen" covers is the implementation's to
   * say: the in-process bus knows what was published to it since it was created (bounded per
   * topic); the server buses read the server, so every node answers the same, a restart loses
   * nothing, and a deleted key is empty everywhere.
   *
   * @throws NullPointerException if {@code key} is null
   * @throws IllegalArgumentException if the topic is invalid
   */
  Optional<ChangeEvent> latest(String topic, String key);

  /**
   * Returns a future completed with the first event this bus hears after the call that {@code
   * predicate} accepts, failed with a {@link java.util.concurrent.TimeoutException} after {@code
   * timeout} (measured on the bus's scheduler; no thread waits), or failed with an {@link
   * IllegalStateException} when the bus closes. The predicate runs on the thread that hears the
   * event, so keep it cheap; if it throws, the future fails with that exception. Cancelling the
   * future unregisters it.
   *
   * <p>What a bus hears is the implementation's to say, and each says it precisely: the
   * in-process bus hears everything published to it; a server bus hears what this node
   * publishes through it and what its reader receives for the topics this node has subscribers
   * for (from any node, triggers included), but not other nodes' events of topics nobody here
   * subscribes to.
   *
   * @throws NullPointerException if an argument is null
   * @throws IllegalArgumentException if {@code timeout} is negative
   * @throws IllegalStateException if the bus is closed
   */
  CompletableFuture<ChangeEvent> awaitChange(Predicate<? super ChangeEvent> predicate, Duration timeout);

  /**
   * Returns the retained events of {@code topic} after position {@code after}, or a gap.
   *
   * @throws IllegalArgumentException if the topic is invalid or {@code after} negative
   */
  Replay replay(String topic, long after);

  /**
   * Returns the position of the latest event published on {@code topic}, 0 if none.
   *
   * @throws IllegalArgumentException if the topic is invalid
   */
  long head(String topic);

  /**
   * Returns the number of open subscriptions: each counts from the moment its start is fixed
   * (an event published after the count includes it reaches it) until it ends.
   */
  int subscriptionCount();

  /**
   * Closes the bus: publishing fails from now on, every subscription ends with {@link
   * CloseReason#BUS_CLOSED} after the events already queued for it, and pending {@link
   * #awaitChange} futures fail. Idempotent.
   */
  @Override
  void close();
}
