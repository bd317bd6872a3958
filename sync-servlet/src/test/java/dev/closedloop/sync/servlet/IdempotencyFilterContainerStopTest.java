package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.Filter;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * A container stopped abruptly while a request is inside the filter chain: whatever the stopped
 * container answers for it (Jetty: a 404 from the stopped servlet), the filter must not keep
 * that as the key's answer. The request's handler never ran, so a retry on a running node must
 * run it.
 */
class IdempotencyFilterContainerStopTest {
  private final InMemoryIdempotencyStore store = InMemoryIdempotencyStore.ofDefaults();
  private final AtomicInteger executions = new AtomicInteger();
  private final CountDownLatch inside = new CountDownLatch(1);
  private final CountDownLatch release = new CountDownLatch(1);
  private final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Server first;
  private Server second;

  @AfterEach
  void stop() throws Exception {
    release.countDown();
    for (Server s : new Server[] {first, second}) {
      if (s != null) {
        s.stop();
      }
    }
  }

  /** A node: the idempotency filter, then (on the first node) a gate that holds the request, then the handler. */
  private Server node(IdempotencyFilter filter, boolean gated) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    server.setStopTimeout(0); // abrupt: requests in flight are not waited for
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    filter.register(context.getServletContext(), "/*");
    if (gated) {
      context.getServletContext().addFilter("gate", new Gate())
          .addMappingForUrlPatterns(EnumSet.of(DispatcherType.REQUEST), true, "/*"); // after the idempotency filter
    }
    context.addServlet(new ServletHolder(new Handler()), "/*");
    server.setHandler(context);
    server.start();
    return server;
  }

  private static URI uri(Server server) {
    return URI.create("http://127.0.0.1:" + ((ServerConnector) server.getConnectors()[0]).getLocalPort() + "/orders");
  }

  private HttpResponse<String> post(Server server) throws IOException, InterruptedException {
    return post(server, "/orders", "k-stop");
  }

  private HttpResponse<String> post(Server server, String path, String key) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(uri(server).resolve(path)).header("Idempotency-Key", key)
        .header("Content-Type", "application/json").timeout(Duration.ofSeconds(10))
        .POST(HttpRequest.BodyPublishers.ofString("{}")).build(), HttpResponse.BodyHandlers.ofString());
  }

  @ParameterizedTest(name = "whole server stopped: {0}")
  @ValueSource(booleans = {false, true})
  void whatAStoppedContainerAnswersIsNotKeptAndTheRetryRunsTheHandler(boolean wholeServer) throws Exception {
    IdempotencyFilter onFirst = IdempotencyFilter.builder().store(store).build();
    first = node(onFirst, true);
    CompletableFuture<Void> cut = CompletableFuture.runAsync(() -> {
      try {
        post(first);
      } catch (IOException | InterruptedException e) {
        // the connection goes with the stopped server
      }
    });
    assertThat(inside.await(10, TimeUnit.SECONDS)).isTrue();

    // the application (or the whole server) is stopped with the request still inside the chain, at the gate
    if (wholeServer) {
      first.stop();
    } else {
      first.getHandler().stop();
    }
    release.countDown(); // it goes on, into a stopped container
    cut.get(10, TimeUnit.SECONDS);
    await().atMost(Duration.ofSeconds(10))
        .until(() -> onFirst.stats().stored() + onFirst.stats().released() > 0); // the filter has decided

    assertThat(executions).as("the handler never ran").hasValue(0);
    assertThat(onFirst.stats().stored()).as("nothing kept for the key").isZero();
    assertThat(onFirst.stats().released()).isOne();

    second = node(IdempotencyFilter.builder().store(store).build(), false);
    HttpResponse<String> retry = post(second);
    assertThat(retry.statusCode()).isEqualTo(201);
    assertThat(retry.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).isEmpty();
    assertThat(executions).hasValue(1);
  }

  @Test
  void anApplicationStartedAgainStoresItsDeterministicErrorsAgain() throws Exception {
    IdempotencyFilter filter = IdempotencyFilter.builder().store(store).build();
    first = node(filter, false);
    first.getHandler().stop();
    first.getHandler().start(); // init puts the filter back in service

    HttpResponse<String> missing = post(first, "/missing", "k-404");
    HttpResponse<String> again = post(first, "/missing", "k-404");

    assertThat(missing.statusCode()).isEqualTo(404);
    assertThat(again.statusCode()).isEqualTo(404);
    assertThat(again.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(executions).hasValue(1);
    assertThat(filter.stats().stored()).isOne();
  }

  private final class Gate implements Filter {
    @Override
    public void doFilter(ServletRequest request, ServletResponse response, FilterChain chain)
        throws IOException, ServletException {
      inside.countDown();
      try {
        if (!release.await(10, TimeUnit.SECONDS)) {
          throw new IllegalStateException("the test never released the gate");
        }
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IOException(e);
      }
      chain.doFilter(request, response);
    }
  }

  private final class Handler extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      executions.incrementAndGet();
      if (req.getRequestURI().endsWith("/missing")) {
        resp.sendError(404);
        return;
      }
      resp.setStatus(201);
      resp.setContentType("application/json");
      resp.getWriter().write("{\"id\":1}");
    }
  }
}
