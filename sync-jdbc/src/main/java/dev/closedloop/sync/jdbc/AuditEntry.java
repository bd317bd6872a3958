package dev.closedloop.sync.jdbc;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import java.time.Instant;
import java.util.Objects;
import java.util.Set;

/**
 * One row of the audit log: what the idempotency layer did with one keyed request. Neither the
 * client key nor the scope is kept, only their short hashes as the logs show them ({@link
 * IdempotencyKey#redacted()}, {@link IdempotencyKey#redact(String)}), so an audit row and a log
 * line about the same request can be matched, and a known caller's rows found by hashing its
 * scope.
 *
 * <p>This class is immutable and threadsafe.
 */
public final class AuditEntry {
  /** The outcomes a row may have, as the table's {@code CHECK} lists them. */
  public static final Set<String> OUTCOMES = Set.of("first", "replayed", "conflict", "mismatch", "not_replayable");

  /** Routes longer than this many characters are cut to it. */
  public static final int MAX_ROUTE_LENGTH = 2048;

  private final Instant at;
  private final String outcome;
  private final String scopeHash;
  private final String keyHash;
  private final String method;
  private final String route;
  private final int status;
  private final long durationMicros;

  private AuditEntry(Instant at, String outcome, String scopeHash, String keyHash, String method, String route,
      int status, long durationMicros) {
    this.at = at;
    this.outcome = outcome;
    this.scopeHash = scopeHash;
    this.keyHash = keyHash;
    this.method = method;
    this.route = route;
    this.status = status;
    this.durationMicros = durationMicros;
  }

  /**
   * Returns the entry for a request under {@code key}.
   *
   * @param at when it was answered
   * @param outcome one of {@link #OUTCOMES}
   * @param method the request's method
   * @param route the path within the application, without the query; cut to {@value #MAX_ROUTE_LENGTH}
   * @param status the status sent; for a first execution the application's, -1 if it threw
   * @param durationNanos from the claim to the answer
   * @throws NullPointerException if an object argument is null
   * @throws IllegalArgumentException if {@code outcome} is not one of {@link #OUTCOMES}
   */
  public static AuditEntry of(Instant at, IdempotencyKey key, String outcome, String method, String route,
      int status, long durationNanos) {
    Objects.requireNonNull(at, "at cannot be null");
    Objects.requireNonNull(key, "key cannot be null");
    Objects.requireNonNull(outcome, "outcome cannot be null");
    Objects.requireNonNull(method, "method cannot be null");
    Objects.requireNonNull(route, "route cannot be null");
    if (!OUTCOMES.contains(outcome)) {
      throw new IllegalArgumentException("outcome must be one of " + OUTCOMES + ": " + outcome);
    }
    String cut = route.length() > MAX_ROUTE_LENGTH ? route.substring(0, MAX_ROUTE_LENGTH) : route;
    return new AuditEntry(at, outcome, IdempotencyKey.redact(key.scope()), key.redacted(), method, cut, status,
        Math.max(0, durationNanos / 1000));
  }

  /** Returns when the request was answered. */
  public Instant at() {
    return at;
  }

  /** Returns one of {@link #OUTCOMES}. */
  public String outcome() {
    return outcome;
  }

  /** Returns {@link IdempotencyKey#redact(String)} of the scope. */
  public String scopeHash() {
    return scopeHash;
  }

  /** Returns {@link IdempotencyKey#redacted()} of the key. */
  public String keyHash() {
    return keyHash;
  }

  /** Returns the request's method. */
  public String method() {
    return method;
  }

  /** Returns the path within the application. */
  public String route() {
    return route;
  }

  /** Returns the status sent, or -1 if the application threw. */
  public int status() {
    return status;
  }

  /** Returns the time from the claim to the answer, in microseconds. */
  public long durationMicros() {
    return durationMicros;
  }

  @Override
  public String toString() {
    return "AuditEntry[" + at + " " + outcome + " " + keyHash + " " + method + " " + route + " " + status + "]";
  }
}
