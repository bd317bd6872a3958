package dev.closedloop.sync.queue;

import dev.closedloop.sync.spi.Listeners;
import java.io.IOException;
import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The one drain loop, over the queue's own operations: poll the next due item, dead-letter it if
 * it is past its expiry or its attempts already reach the retry policy's maximum, else ask the
 * handler and settle the item as its {@link DrainVerdict} says (ack, nack, dead letter, or
 * release and end). Every event goes to {@code tell}: the queue's listeners, then the drain's own.
 */
final class Drain {
  private Drain() {}

  static DrainSummary run(QueueEngine queue, Function<? super QueuedItem, DrainVerdict> handler,
      Listeners<OfflineQueueListener> tell) throws IOException {
    int succeeded = 0;
    int retried = 0;
    int dead = 0;
    for (QueuedItem item; (item = queue.poll().orElse(null)) != null; ) {
      DrainVerdict verdict = unrunnable(item, queue.config.clock.millis(), queue.config.retryPolicy.maxAttempts());
      if (verdict == null) {
        try {
          verdict = Objects.requireNonNull(handler.apply(item), "the drain handler returned null");
        } catch (Throwable t) {
          queue.release(item.id());
          throw t;
        }
      }
      if (verdict.kind == DrainVerdict.Kind.STOP) {
        queue.release(item.id());
        break;
      } else if (verdict.kind == DrainVerdict.Kind.DONE) {
        succeeded += queue.ack(item.id(), tell) ? 1 : 0;
      } else if (verdict.kind == DrainVerdict.Kind.DEAD) {
        dead += queue.deadLetter(item.id(), Objects.requireNonNull(verdict.reason), tell) ? 1 : 0;
      } else {
        NackResult r = queue.nack(item.id(), Objects.requireNonNull(verdict.cause), tell);
        retried += r == NackResult.RETRY_SCHEDULED ? 1 : 0;
        dead += r == NackResult.DEAD_LETTERED ? 1 : 0;
      }
    }
    DrainSummary summary = new DrainSummary(succeeded, retried, dead);
    tell.fire("onDrained", OfflineQueueListener::onDrained, summary);
    return summary;
  }

  /** Returns the dead letter an item gets without running, or null if it may run. */
  private static @Nullable DrainVerdict unrunnable(QueuedItem item, long nowMillis, int maxAttempts) {
    if (item.expiresAtMillis() != QueuedItem.NO_EXPIRY && nowMillis >= item.expiresAtMillis()) {
      return DrainVerdict.dead("expired at " + item.expiresAt() + " after " + item.attempts() + " attempts");
    }
    if (item.attempts() >= maxAttempts) {
      return DrainVerdict.dead("attempts exhausted (" + item.attempts() + " of " + maxAttempts + ")");
    }
    return null;
  }
}
