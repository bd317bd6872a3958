package dev.closedloop.sync.client;

import dev.closedloop.sync.time.Clock;
import java.net.http.HttpClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.jspecify.annotations.Nullable;

/**
 * One step of the per-attempt pipeline, OkHttp style: it may change the exchange, call {@link
 * Chain#proceed} (at most once) and look at or replace what comes back. The pipeline is defined
 * once, by {@link #pipeline}: {@link IdempotencyKeyInterceptor} → {@link BreakerInterceptor} →
 * {@link ClassifyInterceptor} → {@link SendInterceptor} for a mutation attempt; offline replay
 * uses the same steps without the breaker. The retry loop and the offline queue sit around the
 * chain, in {@link DefaultSyncMutation}.
 */
interface Interceptor {

  /**
   * Handles the chain's exchange. The future completes with a response or fails with the attempt's
   * failure; it must not throw.
   */
  CompletableFuture<HttpResponse<byte[]>> intercept(Chain chain);

  /** The rest of the pipeline, as seen by one interceptor. */
  interface Chain {
    Exchange exchange();

    CompletableFuture<HttpResponse<byte[]>> proceed(Exchange exchange);
  }

  /**
   * Returns the pipeline, the one definition both paths use: the key, then the breaker if {@code
   * breaker} is not null (a live attempt; a replay passes null), then classification, then the
   * send over {@code http} (or the shared client).
   */
  static List<Interceptor> pipeline(@Nullable Interceptor breaker, Clock clock, @Nullable HttpClient http) {
    List<Interceptor> chain = new ArrayList<>(4);
    chain.add(IdempotencyKeyInterceptor.INSTANCE);
    if (breaker != null) {
      chain.add(breaker);
    }
    chain.add(new ClassifyInterceptor(clock));
    chain.add(new SendInterceptor(http != null ? http : SharedHttp.client()));
    return List.copyOf(chain);
  }

  /** Runs {@code exchange} through {@code interceptors}; the last one must not proceed. */
  static CompletableFuture<HttpResponse<byte[]>> run(List<Interceptor> interceptors, Exchange exchange) {
    return new RealChain(interceptors, 0, exchange).start();
  }

  /** The chain position {@code index} of a pipeline. */
  final class RealChain implements Chain {
    private final List<Interceptor> interceptors;
    private final int index;
    private final Exchange exchange;

    RealChain(List<Interceptor> interceptors, int index, Exchange exchange) {
      this.interceptors = interceptors;
      this.index = index;
      this.exchange = exchange;
    }

    CompletableFuture<HttpResponse<byte[]>> start() {
      try {
        return interceptors.get(index).intercept(this);
      } catch (RuntimeException e) {
        return CompletableFuture.failedFuture(e);
      }
    }

    @Override
    public Exchange exchange() {
      return exchange;
    }

    @Override
    public CompletableFuture<HttpResponse<byte[]>> proceed(Exchange next) {
      if (index + 1 >= interceptors.size()) {
        return CompletableFuture.failedFuture(new IllegalStateException("the last interceptor cannot proceed"));
      }
      return new RealChain(interceptors, index + 1, next).start();
    }
  }

  /** Makes cancelling {@code outer} cancel {@code inner} too; returns {@code outer}. */
  static <T> CompletableFuture<T> linkCancel(CompletableFuture<T> outer, CompletableFuture<?> inner) {
    outer.whenComplete((v, t) -> {
      if (outer.isCancelled()) {
        inner.cancel(true);
      }
    });
    return outer;
  }
}
