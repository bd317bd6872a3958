package dev.closedloop.sync.client;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

/**
 * The end of the chain: sends the exchange with {@code java.net.http}, its timeout being the time
 * the attempt has left, so that the client itself gives up no later than the retry would.
 * Cancelling the returned future cancels the exchange.
 */
final class SendInterceptor implements Interceptor {
  private final HttpClient http;

  SendInterceptor(HttpClient http) {
    this.http = http;
  }

  @Override
  public CompletableFuture<HttpResponse<byte[]>> intercept(Chain chain) {
    Exchange e = chain.exchange();
    HttpRequest.Builder b = HttpRequest.newBuilder(e.uri)
        .method(e.method, e.body.length == 0 && e.contentType == null
            ? HttpRequest.BodyPublishers.noBody()
            : HttpRequest.BodyPublishers.ofByteArray(e.body));
    if (e.contentType != null && !e.headers.keySet().stream().anyMatch("Content-Type"::equalsIgnoreCase)) {
      b.header("Content-Type", e.contentType);
    }
    for (Map.Entry<String, String> h : e.headers.entrySet()) {
      b.header(h.getKey(), h.getValue());
    }
    if (e.timeout != null && !e.timeout.isZero() && !e.timeout.isNegative()) {
      b.timeout(e.timeout);
    }
    return http.sendAsync(b.build(), HttpResponse.BodyHandlers.ofByteArray());
  }
}
