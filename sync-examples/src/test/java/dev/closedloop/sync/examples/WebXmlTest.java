package dev.closedloop.sync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.servlet.IdempotencyFilter;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Paths;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.ee10.webapp.WebAppContext;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** Deploys {@code src/main/webapp/WEB-INF/web.xml} on Jetty 12 and checks the filter it declares. */
class WebXmlTest {
  private final AtomicInteger runs = new AtomicInteger();
  private final HttpClient http = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();
  private Server server;
  private WebAppContext webapp;
  private int port;

  @BeforeEach
  void deploy() throws Exception {
    server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    webapp = new WebAppContext();
    webapp.setContextPath("/");
    webapp.setBaseResourceAsPath(Paths.get("src/main/webapp"));
    webapp.setParentLoaderPriority(true);
    webapp.addServlet(new ServletHolder(new HttpServlet() {
      @Override
      protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        int n = runs.incrementAndGet();
        resp.setContentType("application/json");
        resp.getOutputStream().write(("{\"order\":" + n + "}").getBytes(StandardCharsets.UTF_8));
      }
    }), "/api/orders");
    server.setHandler(webapp);
    server.start();
    port = connector.getLocalPort();
  }

  @AfterEach
  void undeploy() throws Exception {
    server.stop();
  }

  private HttpResponse<String> post(String key) throws Exception {
    HttpRequest.Builder b = HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/api/orders"))
        .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString("{}"));
    if (key != null) {
      b.header("Idempotency-Key", key);
    }
    return http.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  @Test
  void theFilterDeclaredInWebXmlRunsEachKeyOnceWithTheListenersStore() throws Exception {
    HttpResponse<String> first = post("order-7");
    HttpResponse<String> again = post("order-7");

    assertThat(first.body()).isEqualTo("{\"order\":1}");
    assertThat(again.body()).isEqualTo("{\"order\":1}");
    assertThat(again.headers().firstValue(IdempotencyFilter.REPLAYED_HEADER)).hasValue("true");
    assertThat(runs).hasValue(1);
    assertThat(webapp.getServletContext().getAttribute(IdempotencyStoreListener.ATTRIBUTE)).isNotNull();
  }

  @Test
  void theRequiredPathsInitParameterRefusesAMissingKey() throws Exception {
    HttpResponse<String> r = post(null);

    assertThat(r.statusCode()).isEqualTo(400);
    assertThat(r.body()).contains(IdempotencyFilter.PROBLEM_KEY_MISSING);
    assertThat(runs).hasValue(0);
  }
}
