package dev.closedloop.sync.bench;

import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import jakarta.servlet.ServletException;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * What {@link IdempotencyFilter} adds to a request, in process and without a container: a POST
 * with a 1 KiB JSON body, driven through the filter with in-memory request and response objects
 * ({@link FakeRequest}, {@link FakeResponse}) into {@link OrdersApp}, which reads the body and
 * answers 201 with JSON and a {@code Location}.
 *
 * <ul>
 *   <li>{@link #bare}: the application alone, no filter;
 *   <li>{@link #firstRequest}: a new key on every request: parse the key, buffer and hash the
 *       body, fingerprint, claim, run the application into the capture, store, send;
 *   <li>{@link #replay}: the same key and body every time: the stored response is replayed and
 *       the application does not run.
 * </ul>
 *
 * <p>The filter is built with {@code IdempotencyFilter.builder().store(store).build()}, every
 * other option at its default (anonymous scope, 1 MiB body and capture limits, 24 h retention);
 * the store is {@code InMemoryIdempotencyStore.ofDefaults()} (100,000 entries, 64 MiB), so that
 * after about 50,000 first requests each new claim also evicts the oldest completed entry, as in
 * a busy server. The key of a first request is a counter turned into a string, which costs tens
 * of nanoseconds of the measured time. The overhead is the difference to {@link #bare}.
 *
 * <p>This class is not threadsafe; JMH gives each thread what it needs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IdempotencyFilterBenchmark {
  /** A 1 KiB JSON document. */
  static final byte[] BODY = ("{\"items\":\"" + "x".repeat(1024 - 12) + "\"}").getBytes(StandardCharsets.UTF_8);

  /** The filter, its store, the application and one request and response, per thread. */
  @State(Scope.Thread)
  public static class Rig {
    IdempotencyFilter filter;
    InMemoryIdempotencyStore store;
    OrdersApp app;
    FakeRequest request;
    FakeResponse response;
    long next;

    /** Builds the filter and checks once that first requests and replays behave. */
    @Setup
    public void setUp() throws IOException, ServletException {
      store = InMemoryIdempotencyStore.ofDefaults();
      filter = IdempotencyFilter.builder().store(store).build();
      app = new OrdersApp();
      request = new FakeRequest("/orders", "application/json", BODY);
      response = new FakeResponse();

      filter.doFilter(request.reset("\"replay-key\""), reset(response), app);
      check(response.getStatus() == 201 && response.getHeader("Location") != null
          && response.getHeader(IdempotencyFilter.REPLAYED_HEADER) == null, "first request");
      filter.doFilter(request.reset("\"replay-key\""), reset(response), app);
      check(response.getStatus() == 201 && "true".equals(response.getHeader(IdempotencyFilter.REPLAYED_HEADER))
          && response.bodySize() == response.contentLength() && app.handled() == 1, "replay");
    }

    /** Checks that the application saw exactly the first requests, each with the whole body. */
    @TearDown
    public void checkCounts() {
      long first = filter.stats().first();
      check(app.received() == app.handled() * BODY.length, "every request read the whole body");
      check(filter.stats().replayed() + first > 0 && first <= app.handled(), "the filter counted its requests");
    }

    String nextKey() {
      return Long.toString(next++, 36);
    }

    private static FakeResponse reset(FakeResponse r) {
      r.reset();
      return r;
    }

    private static void check(boolean ok, String what) {
      if (!ok) {
        throw new IllegalStateException("benchmark rig is broken: " + what);
      }
    }
  }

  /** The application alone. */
  @Benchmark
  public int bare(Rig r) throws IOException, ServletException {
    r.response.reset();
    r.app.doFilter(r.request.reset(null), r.response);
    return r.response.bodySize();
  }

  /** A new key every time: the whole first-request path. */
  @Benchmark
  public int firstRequest(Rig r) throws IOException, ServletException {
    r.response.reset();
    r.filter.doFilter(r.request.reset(r.nextKey()), r.response, r.app);
    return r.response.getStatus();
  }

  /** The same key and body every time: a replay. */
  @Benchmark
  public int replay(Rig r) throws IOException, ServletException {
    r.response.reset();
    r.filter.doFilter(r.request.reset("\"replay-key\""), r.response, r.app);
    return r.response.getStatus();
  }
}
