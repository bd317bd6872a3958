package dev.closedloop.sync.client;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.breaker.CircuitBreaker;
import dev.closedloop.sync.breaker.CircuitOpenException;
import dev.closedloop.sync.retry.AttemptTimeoutException;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.time.ManualTicker;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpHeaders;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import javax.net.ssl.SSLSession;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

class ClassifierTest {

  @ParameterizedTest(name = "HTTP {0} retried: {1}")
  @CsvSource({
      "408, true", "425, true", "429, true", "500, true", "502, true", "503, true", "504, true",
      "400, false", "401, false", "403, false", "404, false", "405, false", "410, false", "412, false",
      "413, false", "422, false", "501, false", "505, false", "301, false", "304, false"})
  void statusTable(int status, boolean retried) {
    assertThat(Classifier.isRetryableStatus(status, null, false)).isEqualTo(retried);
    assertThat(Classifier.isRetryableStatus(status, null, true)).isEqualTo(retried || status == 409);
  }

  @Test
  void only409InProgressIsRetried() {
    assertThat(Classifier.isRetryableStatus(409, IdempotencyFilter.PROBLEM_KEY_IN_USE, true)).isTrue();
    assertThat(Classifier.isRetryableStatus(409, IdempotencyFilter.PROBLEM_KEY_IN_USE, false)).isTrue();
    assertThat(Classifier.isRetryableStatus(409, IdempotencyFilter.PROBLEM_NOT_REPLAYABLE, true)).isFalse();
    assertThat(Classifier.isRetryableStatus(409, "https://example.test/problems/version-conflict", true)).isFalse();
    assertThat(Classifier.isRetryableStatus(409, null, true)).isTrue(); // no problem body, but Retry-After
    assertThat(Classifier.isRetryableStatus(409, null, false)).isFalse();
  }

  @Test
  void failureTable() {
    MutationNetworkException network =
        new MutationNetworkException("m", "k", "POST", "http://h/x", new HttpTimeoutException("timed out"));
    assertThat(Classifier.isRetryable(network)).isTrue();
    assertThat(Classifier.isRetryable(new AttemptTimeoutException(1, Duration.ofSeconds(1)))).isTrue();
    CircuitBreaker b = CircuitBreaker.ofDefaults("b");
    b.forceOpen();
    CircuitOpenException open = null;
    try {
      b.acquirePermission();
    } catch (CircuitOpenException e) {
      open = e;
    }
    assertThat(Classifier.isRetryable(open)).isTrue();
    assertThat(Classifier.isRetryable(new MutationDecodeException("m", "k", 200, "T", new byte[0], new IOException("x"))))
        .isFalse();
    assertThat(Classifier.isRetryable(new IllegalStateException("a bug"))).isFalse();
  }

  @Test
  void responsesBecomeExceptionsWithProblemAndRetryAfterSecondsOrDate() {
    ManualTicker clock = new ManualTicker(Instant.parse("2026-03-01T12:00:00Z"));
    Exchange e = new Exchange("book", "POST", URI.create("http://h/x"), Map.of(), new byte[0], "k", null, null);

    MutationHttpException inUse = ClassifyInterceptor.toException(e, response(409,
        Map.of("Content-Type", "application/problem+json", "Retry-After", "3"),
        "{\"type\":\"" + IdempotencyFilter.PROBLEM_KEY_IN_USE + "\",\"detail\":\"busy\"}"), clock);
    assertThat(inUse.isRetryable()).isTrue();
    assertThat(inUse.retryAfter()).contains(Duration.ofSeconds(3));
    assertThat(inUse.problemDetail()).isEqualTo("busy");

    MutationHttpException dated = ClassifyInterceptor.toException(e, response(503,
        Map.of("Retry-After", "Sun, 01 Mar 2026 12:00:42 GMT"), "down"), clock);
    assertThat(dated.retryAfter()).contains(Duration.ofSeconds(42));
    assertThat(dated.problemType()).isNull();
    assertThat(dated.bodyText()).isEqualTo("down");
    assertThat(dated.getMessage()).isEqualTo("mutation 'book' (key k): HTTP 503 from POST http://h/x: down (retryable)");

    MutationHttpException notReplayable = ClassifyInterceptor.toException(e, response(409,
        Map.of("Content-Type", "application/problem+json"),
        "{\"type\":\"" + IdempotencyFilter.PROBLEM_NOT_REPLAYABLE + "\"}"), clock);
    assertThat(notReplayable.isRetryable()).isFalse();
    assertThat(notReplayable.retryAfter()).isEmpty();
  }

  @Test
  void theKeyIsSentAsAnSfString() {
    assertThat(Http.sfString("01a2-7b")).isEqualTo("\"01a2-7b\"");
    assertThat(Http.sfString("a\"b\\c")).isEqualTo("\"a\\\"b\\\\c\"");
  }

  private static HttpResponse<byte[]> response(int status, Map<String, String> headers, String body) {
    Map<String, List<String>> h = new java.util.HashMap<>();
    headers.forEach((k, v) -> h.put(k, List.of(v)));
    HttpHeaders hh = HttpHeaders.of(h, (a, b) -> true);
    byte[] bytes = body.getBytes(StandardCharsets.UTF_8);
    return new HttpResponse<>() {
      @Override
      public int statusCode() {
        return status;
      }

      @Override
      public HttpRequest request() {
        return HttpRequest.newBuilder(URI.create("http://h/x")).build();
      }

      @Override
      public Optional<HttpResponse<byte[]>> previousResponse() {
        return Optional.empty();
      }

      @Override
      public HttpHeaders headers() {
        return hh;
      }

      @Override
      public byte[] body() {
        return bytes;
      }

      @Override
      public Optional<SSLSession> sslSession() {
        return Optional.empty();
      }

      @Override
      public URI uri() {
        return URI.create("http://h/x");
      }

      @Override
      public HttpClient.Version version() {
        return HttpClient.Version.HTTP_1_1;
      }
    };
  }

  @SuppressWarnings("unused")
  private static @Nullable Object none() {
    return null;
  }
}
