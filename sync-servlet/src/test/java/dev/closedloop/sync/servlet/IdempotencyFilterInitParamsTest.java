package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletContext;
import jakarta.servlet.ServletException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.EnumSet;
import java.util.Enumeration;
import java.util.Map;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.junit.jupiter.api.Test;

/** Registration by class name and init parameters, as web.xml or FilterRegistration does it. */
class IdempotencyFilterInitParamsTest {

  @Test
  void filterConfiguredByInitParametersUsesTheStoreFromTheContext() throws Exception {
    InMemoryIdempotencyStore store = InMemoryIdempotencyStore.ofDefaults();
    OrdersServlet app = new OrdersServlet();
    try (TestServer server = TestServer.start(context -> {
      context.setAttribute("app.idempotencyStore", store);
      FilterHolder holder = context.addFilter(IdempotencyFilter.class, "/*", EnumSet.of(DispatcherType.REQUEST));
      holder.setAsyncSupported(true);
      holder.setInitParameter("store-attribute", "app.idempotencyStore");
      holder.setInitParameter("required-paths", "/orders/*, /payments");
      holder.setInitParameter("methods", "post, put");
      holder.setInitParameter("max-body-bytes", "64");
      holder.setInitParameter("lease", "PT10S");
      holder.setInitParameter("retention", "PT1H");
      holder.setInitParameter("replay-headers", "X-Request-Private");
      context.addServlet(new ServletHolder(app), "/*");
    })) {
      HttpResponse<byte[]> missing = server.send(HttpRequest.newBuilder(server.uri("/payments"))
          .POST(HttpRequest.BodyPublishers.ofString("{}")).build());
      assertThat(missing.statusCode()).isEqualTo(400);
      assertThat(server.post("/orders", "k-1", "{\"x\":\"" + "y".repeat(64) + "\"}").statusCode()).isEqualTo(413);

      HttpResponse<byte[]> first = server.post("/orders", "k-1", "{}");
      HttpResponse<byte[]> replay = server.post("/orders", "k-1", "{}");
      assertThat(first.statusCode()).isEqualTo(201);
      assertThat(replay.headers().firstValue("Idempotent-Replayed")).hasValue("true");
      assertThat(replay.headers().firstValue("X-Request-Private")).isEqualTo(first.headers().firstValue("X-Request-Private"));
      assertThat(store.stats().completions()).isEqualTo(1);
      assertThat(store.stats().replays()).isEqualTo(1);
      // PATCH is not in the configured methods: it passes through
      server.send(HttpRequest.newBuilder(server.uri("/orders")).header("Idempotency-Key", "k-1")
          .method("PATCH", HttpRequest.BodyPublishers.ofString("{}")).build());
      assertThat(app.calls("/orders")).isEqualTo(2);
    }
  }

  @Test
  void oneLineRegistrationWorksOnAnEmbeddedJettyContext() throws Exception {
    OrdersServlet app = new OrdersServlet();
    IdempotencyFilter filter = IdempotencyFilter.builder().build();
    try (TestServer server = TestServer.start((ServletContextHandler context) -> {
      filter.register(context.getServletContext(), "/orders/*");
      context.addServlet(new ServletHolder(app), "/*");
    })) {
      server.post("/orders/a", "k", "{}");
      server.post("/orders/a", "k", "{}");
      server.post("/other", "k", "{}");
      server.post("/other", "k", "{}");
      assertThat(app.calls("/orders/a")).isEqualTo(1);
      assertThat(app.calls("/other")).isEqualTo(2);
      assertThat(filter.stats().replayed()).isEqualTo(1);
    }
  }

  @Test
  void malformedInitParameterFailsInitNamingIt() {
    assertThatThrownBy(() -> new IdempotencyFilter().init(config(Map.of("lease", "30s"))))
        .isInstanceOf(ServletException.class)
        .hasMessageStartingWith("IdempotencyFilter init parameter lease: ");
    assertThatThrownBy(() -> new IdempotencyFilter().init(config(Map.of("key-required", "yes"))))
        .isInstanceOf(ServletException.class)
        .hasMessage("IdempotencyFilter init parameter key-required: must be true or false: yes");
    assertThatThrownBy(() -> new IdempotencyFilter().init(config(Map.of("max-key-length", "0"))))
        .isInstanceOf(ServletException.class)
        .hasMessage("IdempotencyFilter init parameter max-key-length: maxKeyLength must be between 1 and 1024: 0");
    assertThatThrownBy(() -> new IdempotencyFilter().init(config(Map.of("lease", "PT1S", "in-progress-wait", "PT2S"))))
        .isInstanceOf(ServletException.class)
        .hasMessageContaining("inProgressWait (PT2S) cannot exceed the lease (PT1S)");
  }

  @Test
  void storeAttributeThatHoldsNoStoreFailsInit() {
    assertThatThrownBy(() -> new IdempotencyFilter().init(config(Map.of("store-attribute", "missing"))))
        .isInstanceOf(ServletException.class)
        .hasMessage("init parameter store-attribute names ServletContext attribute 'missing', which holds nothing,"
            + " not an IdempotencyStore");
  }

  @Test
  void withoutParametersTheFilterMakesItsOwnInMemoryStore() throws Exception {
    IdempotencyFilter filter = new IdempotencyFilter();
    filter.init(config(Map.of()));
    assertThat(filter.store()).isInstanceOf(InMemoryIdempotencyStore.class);
    assertThat(filter.stats().first()).isZero();
  }

  private static FilterConfig config(Map<String, String> params) {
    ServletContext context = (ServletContext) java.lang.reflect.Proxy.newProxyInstance(
        IdempotencyFilterInitParamsTest.class.getClassLoader(), new Class<?>[] {ServletContext.class},
        (proxy, method, args) -> null); // no attributes, nothing else asked
    return new FilterConfig() {
      @Override
      public String getFilterName() {
        return "idempotency";
      }

      @Override
      public ServletContext getServletContext() {
        return context;
      }

      @Override
      public String getInitParameter(String name) {
        return params.get(name);
      }

      @Override
      public Enumeration<String> getInitParameterNames() {
        return Collections.enumeration(params.keySet());
      }
    };
  }
}
