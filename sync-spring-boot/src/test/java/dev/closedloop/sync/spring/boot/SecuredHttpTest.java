package dev.closedloop.sync.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.spring.boot.app.OrdersApp;
import dev.closedloop.sync.spring.boot.app.SecuredApp;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.UUID;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.test.context.SpringBootTest;

/**
 * Behind Spring Security the filter runs after the security chain: an unauthenticated request is
 * refused before anything is claimed, and the authenticated principal is the scope, so two users
 * who pick the same key get two executions while each one's retry is a replay.
 */
@SpringBootTest(classes = SecuredApp.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
    properties = {"closedloop.idempotency.paths=/api/*", "closedloop.idempotency.store=memory",
        "closedloop.realtime.bus=in-process",
        "spring.autoconfigure.exclude=org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration,"
            + "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration"})
@Timeout(120)
class SecuredHttpTest {
  private final HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

  @Value("${local.server.port}")
  int port;

  @Autowired
  OrdersApp.Orders orders;

  @Autowired
  IdempotencyFilter filter;

  @Test
  void theFilterRunsAfterSecurityAndScopesKeysByPrincipal() throws Exception {
    int before = orders.runs.get();
    long claimsBefore = filter.stats().first() + filter.stats().rejected();
    String key = UUID.randomUUID().toString();

    HttpResponse<String> anonymous = send(key, null);
    assertThat(anonymous.statusCode()).isEqualTo(401);
    assertThat(filter.stats().first() + filter.stats().rejected()).isEqualTo(claimsBefore);

    HttpResponse<String> alice = send(key, "alice:alice-pw");
    HttpResponse<String> bob = send(key, "bob:bob-pw");
    HttpResponse<String> aliceAgain = send(key, "alice:alice-pw");
    assertThat(alice.statusCode()).isEqualTo(201);
    assertThat(bob.statusCode()).isEqualTo(201);
    assertThat(bob.body()).isNotEqualTo(alice.body());
    assertThat(aliceAgain.body()).isEqualTo(alice.body());
    assertThat(aliceAgain.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(orders.runs.get() - before).isEqualTo(2);
  }

  private HttpResponse<String> send(String key, String credentials) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/orders"))
        .header("Content-Type", "text/plain")
        .header("Idempotency-Key", key)
        .POST(HttpRequest.BodyPublishers.ofString("flat white"));
    if (credentials != null) {
      b.header("Authorization", "Basic " + Base64.getEncoder().encodeToString(credentials.getBytes(StandardCharsets.UTF_8)));
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }
}
