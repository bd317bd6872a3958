package dev.closedloop.sync.examples;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.ScopeResolver;
import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.InProcessRealtimeBus;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.servlet.RealtimeSseServlet;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.server.Handler;
import org.eclipse.jetty.server.Request;
import org.eclipse.jetty.server.Response;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.Callback;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.openqa.selenium.JavascriptExecutor;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * A web app on another origin, in Chromium: the page is served from one loopback port, the API
 * (idempotency filter, SSE servlet) from another, behind {@link CrossOrigin}'s {@code
 * CrossOriginHandler}. The page POSTs with an {@code Idempotency-Key} (preflighted), reads {@code
 * Location}, {@code Idempotent-Replayed} on the replay and {@code Retry-After} on a 409, and its
 * {@code EventSource} receives the change event from the other origin.
 */
class CrossOriginBrowserTest {
  private final InProcessRealtimeBus bus = InProcessRealtimeBus.builder().build();
  private final AtomicInteger preflights = new AtomicInteger();
  private final AtomicInteger applied = new AtomicInteger();
  private final AtomicInteger slowArrived = new AtomicInteger();
  private final CountDownLatch slowGate = new CountDownLatch(1);
  private Server api;
  private Server pages;
  private WebDriver driver;

  @AfterEach
  void stop() throws Exception {
    slowGate.countDown();
    try {
      if (driver != null) {
        driver.quit();
      }
    } finally {
      if (api != null) {
        api.stop();
      }
      if (pages != null) {
        pages.stop();
      }
      bus.close();
    }
  }

  /** Confirms a booking once per key: 201, Location, and a change event carrying the key. */
  final class Bookings extends HttpServlet {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doPost(HttpServletRequest req, HttpServletResponse resp) throws IOException {
      req.getInputStream().readAllBytes();
      String id = req.getPathInfo().split("/")[1];
      if (req.getPathInfo().endsWith("/slow")) {
        slowArrived.incrementAndGet();
        try {
          slowGate.await(10, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
        }
      }
      applied.incrementAndGet();
      String key = IdempotencyFilter.currentKey(req).map(IdempotencyKey::clientKey).orElseThrow();
      bus.publish(ChangeDraft.update("bookings", id, "{\"confirmed\":true}", "{\"confirmed\":false}")
          .withIdempotencyKey(key));
      resp.setStatus(201);
      resp.setHeader("Location", "/api/bookings/" + id);
      resp.setContentType("application/json");
      resp.getWriter().print("{\"id\":\"" + id + "\",\"confirmed\":true}");
    }
  }

  private static ServerConnector loopback(Server server) {
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    server.addConnector(connector);
    return connector;
  }

  private String startPageServer() throws Exception {
    pages = new Server();
    ServerConnector connector = loopback(pages);
    ServletContextHandler context = new ServletContextHandler();
    context.addServlet(new ServletHolder(new HttpServlet() {
      @Override
      protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
        try (InputStream page = CrossOriginBrowserTest.class.getResourceAsStream("/cross-origin/page.html")) {
          resp.setContentType("text/html;charset=utf-8");
          resp.getOutputStream().write(page.readAllBytes());
        }
      }
    }), "/page.html");
    pages.setHandler(context);
    pages.start();
    return "http://127.0.0.1:" + connector.getLocalPort();
  }

  private String startApi(String allowedOrigin) throws Exception {
    api = new Server();
    ServerConnector connector = loopback(api);
    ServletContextHandler context = new ServletContextHandler();
    IdempotencyFilter.builder().scopeResolver(ScopeResolver.fixed("web-app")).requireKey("/api/*").build()
        .register(context.getServletContext(), "/api/*");
    context.addServlet(new ServletHolder(new Bookings()), "/api/bookings/*");
    ServletHolder sse = new ServletHolder(RealtimeSseServlet.builder(bus).build());
    sse.setAsyncSupported(true);
    context.addServlet(sse, "/events");
    Handler cors = CrossOrigin.allow(Set.of(allowedOrigin), context);
    api.setHandler(new Handler.Wrapper(cors) { // counts the preflights CrossOriginHandler answers
      @Override
      public boolean handle(Request request, Response response, Callback callback) throws Exception {
        if ("OPTIONS".equals(request.getMethod())) {
          preflights.incrementAndGet();
        }
        return super.handle(request, response, callback);
      }
    });
    api.start();
    return "http://127.0.0.1:" + connector.getLocalPort();
  }

  @SuppressWarnings("unchecked")
  private Map<String, Object> call(String script, Object... args) {
    return (Map<String, Object>) ((JavascriptExecutor) driver).executeAsyncScript(script, args);
  }

  @Test
  void aPageOnAnotherOriginSendsTheKeyReadsTheReplayHeadersAndHearsTheStream() throws Exception {
    driver = HeadlessChromium.start();
    String pageOrigin = startPageServer();
    String apiOrigin = startApi(pageOrigin);
    assertThat(apiOrigin).isNotEqualTo(pageOrigin);
    driver.manage().timeouts().scriptTimeout(Duration.ofSeconds(20));
    driver.get(pageOrigin + "/page.html?api=" + apiOrigin);
    WebDriverWait wait = new WebDriverWait(driver, Duration.ofSeconds(15));
    wait.until(d -> Boolean.TRUE.equals(((JavascriptExecutor) d).executeScript("return window.streamOpen")));

    String confirm = "window.confirmBooking(arguments[0], arguments[1]).then(arguments[2], e => arguments[2]({error: String(e)}))";
    Map<String, Object> first = call(confirm, "/api/bookings/42/confirm", "k-42");
    assertThat(first).containsEntry("status", 201L).containsEntry("location", "/api/bookings/42")
        .containsEntry("replayed", null);
    Map<String, Object> replay = call(confirm, "/api/bookings/42/confirm", "k-42");
    assertThat(replay).containsEntry("status", 201L).containsEntry("replayed", "true")
        .containsEntry("location", "/api/bookings/42");
    assertThat(applied).as("applied once").hasValue(1);
    assertThat(preflights.get()).as("Idempotency-Key and JSON need a preflight").isPositive();

    // a second request while the first is still running: 409 with a Retry-After the page can read
    ((JavascriptExecutor) driver).executeScript(
        "window.slow = window.confirmBooking('/api/bookings/7/slow', 'k-7')");
    wait.until(d -> slowArrived.get() == 1);
    Map<String, Object> conflict = call(confirm, "/api/bookings/7/slow", "k-7");
    assertThat(conflict).containsEntry("status", 409L);
    assertThat((String) conflict.get("retryAfter")).as("exposed, so the page can read it: the lease left, in s")
        .matches("[1-9][0-9]*");
    slowGate.countDown();
    assertThat(call("window.slow.then(arguments[0])")).containsEntry("status", 201L);

    wait.until(d -> ((List<?>) ((JavascriptExecutor) d).executeScript("return window.received")).size() == 2);
    List<Map<String, Object>> events = (List<Map<String, Object>>) ((JavascriptExecutor) driver)
        .executeScript("return window.received");
    assertThat(events).extracting(e -> e.get("key"), e -> e.get("idempotencyKeyDigest"))
        .containsExactly(org.assertj.core.groups.Tuple.tuple("42", IdempotencyKey.digest("k-42")),
            org.assertj.core.groups.Tuple.tuple("7", IdempotencyKey.digest("k-7")));
    HeadlessChromium.shot(driver, "cross-origin");

    // the same preflight from an origin that is not allowed gets no Access-Control-Allow-Origin
    HttpResponse<String> denied = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
            URI.create(apiOrigin + "/api/bookings/42/confirm"))
        .method("OPTIONS", HttpRequest.BodyPublishers.noBody())
        .header("Origin", "http://127.0.0.1:1")
        .header("Access-Control-Request-Method", "POST")
        .header("Access-Control-Request-Headers", "content-type,idempotency-key").build(),
        HttpResponse.BodyHandlers.ofString(StandardCharsets.UTF_8));
    assertThat(denied.headers().firstValue("Access-Control-Allow-Origin")).isEmpty();
  }
}
