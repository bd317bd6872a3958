package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.idempotency.StoredResponse;
import dev.closedloop.sync.time.ManualTicker;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@link IdempotencyFilterListener#onClaim}: each store answer, timed on the filter's ticker, before its outcome. */
class IdempotencyFilterClaimHookTest {
  private final ManualTicker ticker = new ManualTicker();
  private final List<String> heard = new CopyOnWriteArrayList<>();
  private TestServer server;

  private final IdempotencyFilterListener recorder = new IdempotencyFilterListener() {
    @Override
    public void onClaim(IdempotencyKey key, ClaimResult result, long durationNanos) {
      heard.add("claim " + key.clientKey() + " " + result.getClass().getSimpleName() + " "
          + Duration.ofNanos(durationNanos).toMillis() + "ms");
    }

    @Override
    public void onFirst(IdempotencyKey key) {
      heard.add("first " + key.clientKey());
    }

    @Override
    public void onReplayed(IdempotencyKey key, int status, int bodyBytes) {
      heard.add("replayed " + key.clientKey());
    }

    @Override
    public void onMismatch(IdempotencyKey key) {
      heard.add("mismatch " + key.clientKey());
    }

    @Override
    public void onStoreFailure(@Nullable IdempotencyKey key, RuntimeException failure) {
      heard.add("store failure " + (key == null ? "-" : key.clientKey()));
    }
  };

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void everyClaimIsTimedOnTheTickerAndHeardBeforeItsOutcome() throws Exception {
    IdempotencyFilter filter = IdempotencyFilter.builder()
        .store(new SlowStore(InMemoryIdempotencyStore.ofDefaults(), ticker))
        .ticker(ticker)
        .listener(recorder)
        .build();
    server = TestServer.start(context -> {
      filter.register(context.getServletContext(), "/*");
      context.addServlet(new ServletHolder(new OrdersServlet()), "/*");
    });

    assertThat(server.post("/orders", "k1", "{\"a\":1}").statusCode()).isEqualTo(201);
    assertThat(server.post("/orders", "k1", "{\"a\":1}").statusCode()).isEqualTo(201);
    assertThat(server.post("/orders", "k1", "{\"a\":2}").statusCode()).isEqualTo(422);
    assertThat(server.post("/orders", "down", "{}").statusCode()).isEqualTo(503);

    assertThat(heard).containsExactly(
        "claim k1 Claimed 7ms", "first k1",
        "claim k1 Completed 7ms", "replayed k1",
        "claim k1 Mismatch 7ms", "mismatch k1",
        "store failure down"); // a claim that threw is not timed
  }

  /** Takes 7 ms of the ticker per claim; the key "down" finds the store unreachable. */
  private record SlowStore(IdempotencyStore delegate, ManualTicker ticker) implements IdempotencyStore {
    @Override
    public ClaimResult claim(IdempotencyKey key, String fingerprint, Duration lease) {
      ticker.advance(Duration.ofMillis(7));
      if (key.clientKey().equals("down")) {
        throw new IllegalStateException("unreachable");
      }
      return delegate.claim(key, fingerprint, lease);
    }

    @Override
    public boolean complete(IdempotencyKey key, String token, StoredResponse response, Duration retention) {
      return delegate.complete(key, token, response, retention);
    }

    @Override
    public boolean release(IdempotencyKey key, String token) {
      return delegate.release(key, token);
    }

    @Override
    public long maxResponseBytes() {
      return delegate.maxResponseBytes();
    }
  }
}
