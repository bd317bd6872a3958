package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Issue 18, item 2: a filter in front of the idempotency filter reads the request first, as CSRF
 * and login filters do, over real HTTP on Jetty 12.
 */
class IdempotencyFilterFrontFilterTest {
  private final OrdersServlet app = new OrdersServlet();
  private TestServer server;
  private IdempotencyFilter filter;

  private void start(Filter front) throws Exception {
    filter = IdempotencyFilter.builder().build();
    server = TestServer.start(context -> {
      context.addFilter(new FilterHolder(front), "/*", EnumSet.of(DispatcherType.REQUEST));
      filter.register(context.getServletContext(), "/*");
      context.addServlet(new ServletHolder(app), "/*");
    });
  }

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  private HttpResponse<byte[]> postForm(String key, String form) throws Exception {
    return server.send(HttpRequest.newBuilder(server.uri("/orders/form?q=1")).header("Idempotency-Key", key)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .POST(HttpRequest.BodyPublishers.ofString(form)).build());
  }

  private static String text(HttpResponse<byte[]> r) {
    return new String(r.body(), StandardCharsets.UTF_8);
  }

  @Test
  void formParsedByAFilterInFrontKeepsItsParametersAndItsMismatchDetection() throws Exception {
    start((request, response, chain) -> {
      request.getParameter("csrf"); // a CSRF check: the container parses the form body now
      chain.doFilter(request, response);
    });
    HttpResponse<byte[]> first = postForm("k-form", "a=first&b=%C3%A9t%C3%A9&csrf=t1");
    assertThat(first.statusCode()).isEqualTo(200);
    assertThat(text(first)).isEqualTo("a=first;b=été;q=1");

    HttpResponse<byte[]> different = postForm("k-form", "a=DIFFERENT&b=%C3%A9t%C3%A9&csrf=t1");
    assertThat(different.statusCode()).as("another body under the same key").isEqualTo(422);

    HttpResponse<byte[]> replay = postForm("k-form", "a=first&b=%C3%A9t%C3%A9&csrf=t1");
    assertThat(replay.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(text(replay)).isEqualTo("a=first;b=été;q=1");
    assertThat(app.calls("/orders/form")).isEqualTo(1);
  }

  @Test
  void otherBodyConsumedInFrontIsRefusedWithAProblemAndNothingRuns() throws Exception {
    start((request, response, chain) -> {
      request.getInputStream().readAllBytes(); // a logging filter that reads and drops the body
      chain.doFilter(request, response);
    });
    HttpResponse<byte[]> r = server.post("/orders", "k-json", "{\"a\":1}");
    assertThat(r.statusCode()).isEqualTo(500);
    assertThat(r.headers().firstValue("Content-Type")).hasValueSatisfying(
        t -> assertThat(t).startsWith("application/problem+json"));
    assertThat(text(r)).contains(IdempotencyFilter.PROBLEM_BODY_UNAVAILABLE).contains("consumed");
    assertThat(app.totalCalls()).isZero();
  }
}
