package dev.closedloop.sync.servlet.testing;

import dev.closedloop.sync.servlet.IdempotencyFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.ServletHolder;

/**
 * An application that counts its executions and answers only once the test opens its gate,
 * behind an {@link IdempotencyFilter} on embedded Jetty: the fault tests of every store hold a
 * request inside the handler, break the store, then let it finish.
 *
 * <p>This class is threadsafe.
 */
public final class GatedApp implements AutoCloseable {
  private final AtomicInteger executions = new AtomicInteger();
  private volatile CountDownLatch gate = new CountDownLatch(1);
  private final EmbeddedJetty jetty;
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private GatedApp(IdempotencyFilter filter) throws Exception {
    this.jetty = EmbeddedJetty.start(context -> {
      filter.register(context.getServletContext(), "/*");
      context.addServlet(new ServletHolder(new HttpServlet() {
        private static final long serialVersionUID = 1L;

        @Override
        protected void service(HttpServletRequest req, HttpServletResponse resp) throws IOException {
          int n = executions.incrementAndGet();
          try {
            if (!gate.await(30, TimeUnit.SECONDS)) {
              throw new IllegalStateException("gate never opened");
            }
          } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
          }
          resp.setStatus(201);
          resp.setContentType("application/json");
          resp.getOutputStream().write(("{\"execution\":" + n + "}").getBytes(StandardCharsets.UTF_8));
        }
      }), "/*");
    });
  }

  /** Starts the app behind {@code filter}; its gate is closed. */
  public static GatedApp start(IdempotencyFilter filter) throws Exception {
    return new GatedApp(filter);
  }

  /** Lets every waiting and later execution answer. */
  public void open() {
    gate.countDown();
  }

  /** Returns how often the handler ran. */
  public int executions() {
    return executions.get();
  }

  /** POSTs {@code {}} with {@code key} and returns the response. */
  public HttpResponse<String> post(String key) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(jetty.uri("/orders")).header("Idempotency-Key", key)
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(60))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    gate.countDown();
    jetty.close();
  }
}
