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
 *       the application does not run;
 *   <li>{@link #firstRequestDefaultStore}: {@link #firstRequest} against a store with the
 *       default bounds, see below.
 * </ul>
 *
 * <p>The filter is built with {@code IdempotencyFilter.builder().store(store).build()}, every
 * other option at its default (anonymous scope, 1 MiB body and capture limits, 24 h retention).
 * For {@link #bare}, {@link #firstRequest} and {@link #replay} the store is {@code
 * InMemoryIdempotencyStore.builder().maxEntries(10_000)}: once full, each new claim evicts the
 * oldest completed entry, so the store stays at 10,000 responses and what is measured is the
 * filter's and the store's work. {@link #firstRequestDefaultStore} uses {@code
 * InMemoryIdempotencyStore.ofDefaults()}, which keeps 100,000 responses (about 100 MB of heap
 * here); its time includes the garbage collector copying every new response through the
 * survivor spaces, which is what keeping that many responses in the heap costs, and is far
 * noisier on a loaded machine. The key of a first request is a counter turned into a string,
 * which costs tens of nanoseconds of the measured time. The overhead is the difference to
 * {@link #bare}.
 *
 * <p>This class is not threadsafe; JMH gives each thread what it needs.
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 6, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
public class IdempotencyFilterBenchmark {
  /** A 1 KiB JSON document. */
  static final byte[] BODY = ("{\"items\":\"" + "x".repeat(1024 - 12) + "\"}").getBytes(StandardCharsets.UTF_8);

  /** The filter, its store, the application and one request and response, for one thread. */
  abstract static class AbstractRig {
    IdempotencyFilter filter;
    InMemoryIdempotencyStore store;
    OrdersApp app;
    FakeRequest request;
    FakeResponse response;
    long next;

    /** Builds the filter over {@code store} and checks once that first requests and replays behave. */
    void setUp(InMemoryIdempotencyStore store) throws IOException, ServletException {
      this.store = store;
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
    void checkCounts() {
      long first = filter.stats().first();
      check(app.received() == app.handled() * BODY.length, "every request read the whole body");
      check(filter.stats().replayed() + first > 0 && first <= app.handled(), "the filter counted its requests");
    }

    String nextKey() {
      return Long.toString(next++, 36);
    }

    static FakeResponse reset(FakeResponse r) {
      r.reset();
      return r;
    }

    static void check(boolean ok, String what) {
      if (!ok) {
        throw new IllegalStateException("benchmark rig is broken: " + what);
      }
    }
  }

  /** The rig with a store of 10,000 entries. */
  @State(Scope.Thread)
  public static class Rig extends AbstractRig {
    /** Builds the filter over {@code InMemoryIdempotencyStore.builder().maxEntries(10_000)}. */
    @Setup
    public void setUp() throws IOException, ServletException {
      setUp(InMemoryIdempotencyStore.builder().maxEntries(10_000).build());
    }

    /** See {@link AbstractRig#checkCounts()}. */
    @TearDown
    public void tearDown() {
      checkCounts();
    }
  }

  /** The rig with a store of the default bounds (100,000 entries, 64 MiB). */
  @State(Scope.Thread)
  public static class DefaultStoreRig extends AbstractRig {
    /** Builds the filter over {@code InMemoryIdempotencyStore.ofDefaults()}. */
    @Setup
    public void setUp() throws IOException, ServletException {
      setUp(InMemoryIdempotencyStore.ofDefaults());
    }

    /** See {@link AbstractRig#checkCounts()}. */
    @TearDown
    public void tearDown() {
      checkCounts();
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

  /** A new key every time, against a store with the default bounds. */
  @Benchmark
  public int firstRequestDefaultStore(DefaultStoreRig r) throws IOException, ServletException {
    r.response.reset();
    r.filter.doFilter(r.request.reset(r.nextKey()), r.response, r.app);
    return r.response.getStatus();
  }
}
