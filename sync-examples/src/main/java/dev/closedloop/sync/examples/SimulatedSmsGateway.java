package dev.closedloop.sync.examples;

import dev.closedloop.sync.time.RandomSource;
import java.time.Duration;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;

/**
 * A stand-in for a third-party SMS API that fails and stalls at configurable rates, drawn from a
 * {@link RandomSource} (seed it for a reproducible run). Like real SMS APIs it takes an
 * idempotency key of its own: the demo passes the key of the request that asked for the message,
 * so a retry after a lost answer cannot send the text twice.
 *
 * <p>Each call draws once: below {@code failureRate} it fails at once with {@link
 * SmsGatewayException} (nothing sent); below {@code failureRate + stallRate} it first stalls for
 * {@code stall} (an interrupt during the stall abandons the call, nothing sent); otherwise, or
 * after the stall, it sends.
 *
 * <p>This class is threadsafe.
 */
final class SimulatedSmsGateway {
  private final double failureRate;
  private final double stallRate;
  private final Duration stall;
  private final RandomSource random;
  private final ConcurrentHashMap<String, String> sentByKey = new ConcurrentHashMap<>();
  private final AtomicLong ids = new AtomicLong();
  private final LongAdder calls = new LongAdder();
  private final LongAdder failures = new LongAdder();
  private final LongAdder stalls = new LongAdder();
  private final LongAdder deduplicated = new LongAdder();

  /** Thrown when the simulated gateway refuses a message; nothing was sent. */
  static final class SmsGatewayException extends Exception {
    private static final long serialVersionUID = 1L;

    SmsGatewayException(String message) {
      super(message);
    }
  }

  /** What the gateway counted. */
  record Stats(long calls, long failures, long stalls, long sent, long deduplicated) {}

  /**
   * Creates a gateway.
   *
   * @throws IllegalArgumentException if a rate is outside [0, 1], they sum above 1, or the stall
   *     is negative
   */
  SimulatedSmsGateway(double failureRate, double stallRate, Duration stall, RandomSource random) {
    if (!(failureRate >= 0 && failureRate <= 1) || !(stallRate >= 0 && stallRate <= 1) || failureRate + stallRate > 1) {
      throw new IllegalArgumentException(
          "failureRate and stallRate must be in [0, 1] and sum to at most 1: " + failureRate + ", " + stallRate);
    }
    if (stall.isNegative()) {
      throw new IllegalArgumentException("stall cannot be negative: " + stall);
    }
    this.failureRate = failureRate;
    this.stallRate = stallRate;
    this.stall = stall;
    this.random = random;
  }

  /**
   * Sends {@code text} to {@code to} once per {@code messageKey} and returns the message id (the
   * first send's id for a repeated key).
   *
   * @throws SmsGatewayException if the gateway refused the message
   * @throws InterruptedException if interrupted during a stall; nothing was sent
   */
  String send(String messageKey, String to, String text) throws SmsGatewayException, InterruptedException {
    calls.increment();
    double draw = random.nextDouble();
    if (draw < failureRate) {
      failures.increment();
      throw new SmsGatewayException("SMS gateway answered 503 for a message to " + to);
    }
    if (draw < failureRate + stallRate) {
      stalls.increment();
      TimeUnit.NANOSECONDS.sleep(stall.toNanos());
    }
    String[] created = new String[1];
    String id = sentByKey.computeIfAbsent(messageKey, k -> created[0] = "sms-" + ids.incrementAndGet());
    if (created[0] == null) {
      deduplicated.increment();
    }
    return id;
  }

  /** Returns the counts so far. */
  Stats stats() {
    return new Stats(calls.sum(), failures.sum(), stalls.sum(), sentByKey.size(), deduplicated.sum());
  }
}
