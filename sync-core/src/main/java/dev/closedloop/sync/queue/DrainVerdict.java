package dev.closedloop.sync.queue;

import java.util.Objects;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * What a handler of {@link OfflineQueue#drain(Function, OfflineQueueListener)} says about the
 * item it was handed; the drain settles the item accordingly, then hears the next one.
 *
 * <ul>
 *   <li>{@link #done()}: the item is acknowledged and removed;
 *   <li>{@link #retry(Throwable)}: a failed attempt, as {@link OfflineQueue#nack}: the retry policy
 *       decides between another attempt after its backoff and a dead letter;
 *   <li>{@link #dead(String)}: a dead letter now, with exactly this reason;
 *   <li>{@link #stop()}: the item is handed back without counting an attempt (as {@link
 *       OfflineQueue#release}) and the drain ends: the network is down, say, so the next items
 *       cannot fare better.
 * </ul>
 *
 * <p>This class is immutable and threadsafe.
 */
public final class DrainVerdict {
  enum Kind { DONE, RETRY, DEAD, STOP }

  private static final DrainVerdict DONE = new DrainVerdict(Kind.DONE, null, null);
  private static final DrainVerdict STOP = new DrainVerdict(Kind.STOP, null, null);

  final Kind kind;
  final @Nullable Throwable cause;
  final @Nullable String reason;

  private DrainVerdict(Kind kind, @Nullable Throwable cause, @Nullable String reason) {
    this.kind = kind;
    this.cause = cause;
    this.reason = reason;
  }

  /** The item was handled: acknowledge it. */
  public static DrainVerdict done() {
    return DONE;
  }

  /**
   * The attempt failed with {@code cause}: let the retry policy decide, as {@link
   * OfflineQueue#nack} does (a {@link PermanentFailureException} dead-letters at once).
   *
   * @throws NullPointerException if {@code cause} is null
   */
  public static DrainVerdict retry(Throwable cause) {
    return new DrainVerdict(Kind.RETRY, Objects.requireNonNull(cause, "cause cannot be null"), null);
  }

  /**
   * The item can never succeed: make it a dead letter with {@code reason} (its {@link
   * QueuedItem#lastError()}, cut after 2,000 characters).
   *
   * @throws NullPointerException if {@code reason} is null
   */
  public static DrainVerdict dead(String reason) {
    return new DrainVerdict(Kind.DEAD, null, Objects.requireNonNull(reason, "reason cannot be null"));
  }

  /** Hand the item back without counting an attempt, and end the drain. */
  public static DrainVerdict stop() {
    return STOP;
  }

  /**
   * The verdicts of a {@link DrainHandler}: returning is {@link #done()}, a {@link
   * PermanentFailureException} is {@link #dead} with "permanent failure: " and the exception, an
   * {@link InterruptedException} is {@link #stop()} with the thread's interrupt flag set again, any
   * other exception is {@link #retry}; an {@link Error} propagates.
   */
  static Function<QueuedItem, DrainVerdict> of(DrainHandler handler) {
    Objects.requireNonNull(handler, "handler cannot be null");
    return item -> {
      try {
        handler.handle(item);
        return DONE;
      } catch (PermanentFailureException e) {
        return dead("permanent failure: " + QueueEngine.describe(e));
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return STOP;
      } catch (Exception e) {
        return retry(e);
      }
    };
  }

  @Override
  public String toString() {
    return kind == Kind.RETRY ? "retry(" + cause + ")" : kind == Kind.DEAD ? "dead(" + reason + ")"
        : kind.name().toLowerCase(java.util.Locale.ROOT) + "()";
  }
}
