package dev.closedloop.sync.bench;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.idempotency.StoredResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The in-memory idempotency store's first-request cycle: claim a new key, then complete it with
 * a 201 response of 64 bytes and a {@code Content-Type}, on one thread here and on two in {@link
 * IdempotencyStoreTwoThreadsBenchmark}; throughput in operations (claim + complete) per second.
 *
 * <p>The store is {@code InMemoryIdempotencyStore.ofDefaults()} (100,000 entries, 64 MiB, 24 h
 * retention, system clock), shared by the threads; each thread claims its own keys. Once the
 * store is full (100,000 entries), every claim also evicts the oldest completed entry, the steady
 * state of a busy server.
 *
 * <p>This class is not threadsafe; JMH gives each thread what it needs.
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IdempotencyStoreBenchmark {
  static final Duration LEASE = Duration.ofSeconds(30);
  static final Duration RETENTION = Duration.ofHours(24);
  static final String FINGERPRINT = "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08";

  /** The shared store and response. */
  @State(Scope.Benchmark)
  public static class Store {
    final AtomicInteger threads = new AtomicInteger();
    InMemoryIdempotencyStore store;
    StoredResponse response;

    /** Makes the store. */
    @Setup
    public void setUp() {
      store = InMemoryIdempotencyStore.ofDefaults();
      response = StoredResponse.of(201, Map.of("Content-Type", List.of("application/json")),
          "{\"id\":1234567,\"status\":\"accepted\",\"total\":\"42.00\",\"lines\":3}".getBytes(StandardCharsets.UTF_8));
    }
  }

  /** One thread's key sequence. */
  @State(Scope.Thread)
  public static class Keys {
    String prefix;
    long next;

    /** Gives each thread its own key prefix. */
    @Setup
    public void setUp(Store s) {
      prefix = "t" + s.threads.getAndIncrement() + "-";
    }

    IdempotencyKey next() {
      return IdempotencyKey.of("anonymous", prefix + next++);
    }
  }

  /** Claims a new key and completes it. */
  @Benchmark
  public boolean claimAndComplete(Store s, Keys k) {
    IdempotencyKey key = k.next();
    ClaimResult r = s.store.claim(key, FINGERPRINT, LEASE);
    if (!(r instanceof ClaimResult.Claimed)) {
      throw new IllegalStateException("a new key was not claimed: " + r);
    }
    return s.store.complete(key, ((ClaimResult.Claimed) r).token(), s.response, RETENTION);
  }
}
