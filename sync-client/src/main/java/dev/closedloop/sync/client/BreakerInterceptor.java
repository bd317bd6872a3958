package dev.closedloop.sync.client;

import dev.closedloop.sync.breaker.CircuitBreaker;
import dev.closedloop.sync.time.Ticker;
import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * Asks the breaker of the exchange's host for a permit, then reports how the attempt went: network
 * failures, timeouts and 5xx/408/429 answers are failures; other 4xx answers mean the host is well
 * (success); a 409 "in progress" is neither (the permit is released). A refusal fails the attempt
 * with the breaker's {@link dev.closedloop.sync.breaker.CircuitOpenException}, which the retry
 * core turns into a wait for the next trial.
 */
final class BreakerInterceptor implements Interceptor {
  private final Function<String, @Nullable CircuitBreaker> breakers;
  private final Ticker ticker;

  BreakerInterceptor(Function<String, @Nullable CircuitBreaker> breakers, Ticker ticker) {
    this.breakers = breakers;
    this.ticker = ticker;
  }

  @Override
  public CompletableFuture<HttpResponse<byte[]>> intercept(Chain chain) {
    CircuitBreaker breaker = breakers.apply(chain.exchange().host());
    if (breaker == null) {
      return chain.proceed(chain.exchange());
    }
    long permit;
    try {
      permit = breaker.acquirePermission();
    } catch (RuntimeException refused) {
      return CompletableFuture.failedFuture(refused);
    }
    long start = breaker.detectsSlowCalls() ? ticker.read() : 0;
    CompletableFuture<HttpResponse<byte[]>> inner;
    try {
      inner = chain.proceed(chain.exchange());
    } catch (RuntimeException e) {
      breaker.release(permit);
      throw e;
    }
    CompletableFuture<HttpResponse<byte[]>> outer = inner.whenComplete((r, t) -> {
      long took = breaker.detectsSlowCalls() ? ticker.read() - start : 0;
      Throwable f = t instanceof CompletionException && t.getCause() != null ? t.getCause() : t;
      if (f == null) {
        breaker.onSuccess(permit, took);
      } else if (Classifier.isDownstreamFailure(f)) {
        breaker.onFailure(permit, took, f);
      } else if (f instanceof MutationHttpException && ((MutationHttpException) f).status() != 409) {
        breaker.onSuccess(permit, took);
      } else {
        breaker.release(permit);
      }
    });
    return Interceptor.linkCancel(outer, inner);
  }
}
