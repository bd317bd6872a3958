package dev.closedloop.sync.servlet.twonode;

import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.servlet.RealtimeSseServlet;
import dev.closedloop.sync.servlet.testing.EmbeddedJetty;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.EnumSet;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletHolder;

/**
 * One application node for multi-node tests of the shared stores and buses: embedded Jetty 12 on 127.0.0.1 and an ephemeral port, with the
 * idempotency filter over {@code store} in front of {@code POST /orders} (which counts its runs
 * in {@code executions}) and the SSE servlet over {@code bus} at {@code /realtime}.
 */
public final class AppNode implements AutoCloseable {
  private final EmbeddedJetty jetty;

  public AppNode(String name, IdempotencyStore store, RealtimeBus bus, AtomicInteger executions) throws Exception {
    jetty = EmbeddedJetty.start(context -> {
      FilterHolder filter = new FilterHolder(IdempotencyFilter.builder().store(store)
          .inProgressWait(Duration.ofSeconds(10)).build());
      filter.setAsyncSupported(true);
      context.addFilter(filter, "/orders", EnumSet.of(DispatcherType.REQUEST));
      context.addServlet(new ServletHolder(new HttpServlet() {
        @Override
        protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
          int run = executions.incrementAndGet();
          resp.setStatus(201);
          resp.setContentType("application/json");
          resp.getOutputStream().write(("{\"run\":" + run + ",\"node\":\"" + name + "\"}").getBytes(StandardCharsets.UTF_8));
        }
      }), "/orders");
      ServletHolder sse = new ServletHolder(RealtimeSseServlet.builder(bus).build());
      sse.setAsyncSupported(true);
      context.addServlet(sse, "/realtime");
    });
  }

  public URI uri(String path) {
    return jetty.uri(path);
  }

  public int port() {
    return jetty.port();
  }

  @Override
  public void close() {
    jetty.close();
  }
}
