package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.IdempotencyStoreUnavailableException;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.idempotency.StoredResponse;
import dev.closedloop.sync.time.ManualTicker;
import dev.closedloop.sync.time.VirtualScheduler;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.awaitility.Awaitility;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, item 1 on virtual time: a handler slower than its lease, and completions that fail,
 * run the handler exactly once. The store and the filter share one {@link ManualTicker}; lease
 * renewals and the waits between completion retries run on a {@link VirtualScheduler} that the
 * test (or the retrying request thread) moves, so nothing sleeps.
 */
class IdempotencyFilterLeaseTest {
  private static final Duration LEASE = Duration.ofSeconds(3);

  private final ManualTicker time = new ManualTicker();
  private final VirtualScheduler scheduler = new VirtualScheduler(time);
  private final InMemoryIdempotencyStore memory = InMemoryIdempotencyStore.builder().clock(time).build();
  private final OrdersServlet app = new OrdersServlet();
  private final ExecutorService pool = Executors.newCachedThreadPool();
  private TestServer server;
  private IdempotencyFilter filter;

  private void start(IdempotencyStore store) throws Exception {
    filter = IdempotencyFilter.builder().store(store).lease(LEASE).ticker(time).scheduler(scheduler).build();
    server = TestServer.start(context -> {
      filter.register(context.getServletContext(), "/*");
      context.addServlet(new ServletHolder(app), "/*");
    });
  }

  @AfterEach
  void stop() {
    app.gate.countDown();
    pool.shutdownNow();
    if (server != null) {
      server.close();
    }
  }

  @Test
  void handlerTwiceAsSlowAsTheLeaseRunsOnceAndItsRetriesWaitForIt() throws Exception {
    start(memory);
    app.gate = new CountDownLatch(1);
    Future<HttpResponse<byte[]>> first = pool.submit(() -> server.post("/orders/gated", "k-slow", "{}"));
    Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> app.calls("/orders/gated") == 1);

    scheduler.advance(LEASE.multipliedBy(2)); // the handler is still running, twice its lease later
    HttpResponse<byte[]> retry = server.post("/orders/gated", "k-slow", "{}");
    assertThat(retry.statusCode()).as("a retry while the slow handler runs").isEqualTo(409);
    assertThat(app.calls("/orders/gated")).isEqualTo(1);

    app.gate.countDown();
    HttpResponse<byte[]> answer = first.get(10, TimeUnit.SECONDS);
    assertThat(answer.statusCode()).isEqualTo(201);
    HttpResponse<byte[]> replay = server.post("/orders/gated", "k-slow", "{}");
    assertThat(replay.statusCode()).isEqualTo(201);
    assertThat(replay.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(replay.body()).isEqualTo(answer.body());
    assertThat(app.calls("/orders/gated")).as("executions").isEqualTo(1);
    assertThat(filter.stats().ownershipLost()).isZero();
  }

  @Test
  void failedCompletionIsRetriedUntilStoredAndTheKeyNeverRunsAgain() throws Exception {
    AtomicInteger failuresLeft = new AtomicInteger(5);
    start(new IdempotencyFilterHttpTest.DelegatingStore(memory) {
      @Override
      public boolean complete(IdempotencyKey key, String token, StoredResponse response, Duration retention) {
        if (failuresLeft.getAndDecrement() > 0) {
          throw new IdempotencyStoreUnavailableException("store paused", null);
        }
        return super.complete(key, token, response, retention);
      }

      @Override
      public boolean renew(IdempotencyKey key, String token, Duration lease) {
        return memory.renew(key, token, lease);
      }
    });
    HttpResponse<byte[]> first = server.post("/orders", "k-complete", "{}");
    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(failuresLeft.get()).as("every failed completion was retried").isNegative();
    assertThat(filter.stats().storeFailures()).isEqualTo(5);
    assertThat(filter.stats().stored()).isEqualTo(1);

    scheduler.advance(LEASE.multipliedBy(3)); // long past the lease: only a stored response helps now
    HttpResponse<byte[]> retry = server.post("/orders", "k-complete", "{}");
    assertThat(retry.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(retry.body()).isEqualTo(first.body());
    assertThat(app.calls("/orders")).as("executions").isEqualTo(1);
  }

  @Test
  void completionThatFailedButLandedIsRecognisedAsStored() throws Exception {
    AtomicInteger landedButFailed = new AtomicInteger(1);
    start(new IdempotencyFilterHttpTest.DelegatingStore(memory) {
      @Override
      public boolean complete(IdempotencyKey key, String token, StoredResponse response, Duration retention) {
        boolean done = super.complete(key, token, response, retention);
        if (landedButFailed.getAndDecrement() > 0) {
          throw new IdempotencyStoreUnavailableException("timed out (but the server ran it)", null);
        }
        return done;
      }
    });
    HttpResponse<byte[]> first = server.post("/orders", "k-landed", "{}");
    assertThat(first.statusCode()).isEqualTo(201);
    assertThat(filter.stats().stored()).isEqualTo(1);
    assertThat(filter.stats().ownershipLost()).isZero();
    assertThat(memory.claim(IdempotencyKey.of("anonymous", "k-landed"), "probe", LEASE))
        .isInstanceOf(ClaimResult.Mismatch.class); // the entry is there, under the request's fingerprint
  }

  @Test
  void completionAfterTheClaimFellFreeClaimsItAgainAndStores() throws Exception {
    AtomicInteger failuresLeft = new AtomicInteger(1);
    start(new IdempotencyFilterHttpTest.DelegatingStore(memory) {
      @Override
      public boolean complete(IdempotencyKey key, String token, StoredResponse response, Duration retention) {
        if (failuresLeft.getAndDecrement() > 0) {
          memory.release(key, token); // the store lost the claim while it was unreachable
          throw new IdempotencyStoreUnavailableException("store restarted", null);
        }
        return super.complete(key, token, response, retention);
      }
    });
    HttpResponse<byte[]> first = server.post("/orders", "k-lost", "{}");
    assertThat(first.statusCode()).isEqualTo(201);
    HttpResponse<byte[]> retry = server.post("/orders", "k-lost", "{}");
    assertThat(retry.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(app.calls("/orders")).as("executions").isEqualTo(1);
  }
}
