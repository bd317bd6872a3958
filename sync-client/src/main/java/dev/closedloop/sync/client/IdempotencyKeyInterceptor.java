package dev.closedloop.sync.client;

import java.net.http.HttpResponse;
import java.util.concurrent.CompletableFuture;

/** Adds {@code Idempotency-Key: "<key>"} (an RFC 9651 sf-string) to every attempt and replay. */
final class IdempotencyKeyInterceptor implements Interceptor {
  static final IdempotencyKeyInterceptor INSTANCE = new IdempotencyKeyInterceptor();

  @Override
  public CompletableFuture<HttpResponse<byte[]>> intercept(Chain chain) {
    Exchange e = chain.exchange();
    return chain.proceed(e.withHeader(Http.KEY_HEADER, Http.sfString(e.key)));
  }
}
