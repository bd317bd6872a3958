package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.closedloop.sync.servlet.IdempotencyFilterListener.Finished;
import dev.closedloop.sync.servlet.IdempotencyFilterListener.Finished.Outcome;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** {@code onFinished}: one report per keyed request that reached the store, with what an audit keeps. */
class IdempotencyFilterFinishedTest {
  private final OrdersServlet app = new OrdersServlet();
  private final List<Finished> reports = new CopyOnWriteArrayList<>();
  private TestServer server;

  @AfterEach
  void stop() {
    if (server != null) {
      server.close();
    }
  }

  @Test
  void everyKeyedRequestIsReportedOnceWithMethodPathStatusAndOutcome() throws Exception {
    IdempotencyFilter filter = IdempotencyFilter.builder().requireKey("/orders/*")
        .listener(new IdempotencyFilterListener() {
          @Override
          public void onFinished(Finished finished) {
            reports.add(finished);
          }
        }).build();
    server = TestServer.start(context -> {
      filter.register(context.getServletContext(), "/*");
      ServletHolder holder = new ServletHolder(app);
      holder.setAsyncSupported(true);
      context.addServlet(holder, "/*");
    });

    assertThat(server.post("/orders/a", "k-1", "{}").statusCode()).isEqualTo(201);
    assertThat(server.post("/orders/a", "k-1", "{}").statusCode()).isEqualTo(201);
    assertThat(server.post("/orders/a", "k-1", "{\"other\":1}").statusCode()).isEqualTo(422);
    assertThat(server.post("/orders/async", "k-2", "{}").statusCode()).isEqualTo(202);
    assertThat(server.send(HttpRequest.newBuilder(server.uri("/orders/throw")).header("Idempotency-Key", "k-3")
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build()).statusCode()).isEqualTo(500);
    assertThat(server.post("/orders/b", "", "{}").statusCode()).as("refused before a claim").isEqualTo(400);

    await().atMost(Duration.ofSeconds(5)).until(() -> reports.size() == 5);
    assertThat(reports).extracting(Finished::outcome, Finished::method, Finished::path, Finished::status)
        .containsExactlyInAnyOrder(
            org.assertj.core.groups.Tuple.tuple(Outcome.FIRST, "POST", "/orders/a", 201),
            org.assertj.core.groups.Tuple.tuple(Outcome.REPLAYED, "POST", "/orders/a", 201),
            org.assertj.core.groups.Tuple.tuple(Outcome.MISMATCH, "POST", "/orders/a", 422),
            org.assertj.core.groups.Tuple.tuple(Outcome.FIRST, "POST", "/orders/async", 202),
            org.assertj.core.groups.Tuple.tuple(Outcome.FIRST, "POST", "/orders/throw", -1));
    assertThat(reports).allSatisfy(r -> assertThat(r.durationNanos()).isPositive());
    assertThat(reports.get(0).key().clientKey()).isEqualTo("k-1");
    assertThat(reports.get(0).toString()).doesNotContain("k-1").contains(reports.get(0).key().redacted());
  }
}
