package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * A CORS preflight ({@code OPTIONS} with {@code Access-Control-Request-*}) passes the filter
 * untouched, even on a route that requires a key: whichever runs first, a CORS filter or this
 * one, the preflight is never refused for a missing key, nothing is claimed, no listener hears it.
 */
class IdempotencyFilterPreflightTest {
  private final AtomicInteger options = new AtomicInteger();
  private final HttpServlet app = new HttpServlet() {
    @Override
    protected void doOptions(HttpServletRequest req, HttpServletResponse resp) throws ServletException, IOException {
      options.incrementAndGet();
      super.doOptions(req, resp);
    }

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) {
      resp.setStatus(201);
    }
  };
  private final List<String> events = new CopyOnWriteArrayList<>();
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void aPreflightOnARequiredKeyRouteReachesTheApplicationUntouched() throws Exception {
    InMemoryIdempotencyStore store = InMemoryIdempotencyStore.ofDefaults();
    IdempotencyFilter filter = IdempotencyFilter.builder().store(store).requireKey("/orders/*")
        .listener(new IdempotencyFilterListener() {
          @Override
          public void onRejected(int status, String problemType) {
            events.add("rejected " + status);
          }

          @Override
          public void onFinished(Finished finished) {
            events.add("finished " + finished.outcome());
          }
        }).build();
    server = TestServer.start(context -> {
      filter.register(context.getServletContext(), "/*");
      context.addServlet(new ServletHolder(app), "/*");
    });

    HttpResponse<byte[]> preflight = server.send(HttpRequest.newBuilder(server.uri("/orders/42"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", "http://127.0.0.1:9999")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type,idempotency-key")
        .build());

    assertThat(preflight.statusCode()).as("the servlet's own OPTIONS answer, not a 400").isEqualTo(200);
    assertThat(preflight.headers().firstValue("Content-Type")).isNotEqualTo(java.util.Optional.of("application/problem+json"));
    assertThat(preflight.headers().firstValue("Allow").orElseThrow()).contains("POST");
    assertThat(options).as("the servlet's doOptions ran").hasValue(1);
    assertThat(events).isEmpty();
    assertThat(store.stats().claims()).isZero();
    assertThat(filter.stats().rejected()).isZero();
  }
}
