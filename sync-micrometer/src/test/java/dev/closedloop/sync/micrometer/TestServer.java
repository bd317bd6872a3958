package dev.closedloop.sync.micrometer;

import dev.closedloop.sync.servlet.testing.EmbeddedJetty;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;

/** The shared embedded Jetty with a client for it and the requests these tests send. */
final class TestServer implements AutoCloseable {
  private final EmbeddedJetty jetty;
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  private TestServer(EmbeddedJetty jetty) {
    this.jetty = jetty;
  }

  static TestServer start(Consumer<ServletContextHandler> setup) throws Exception {
    return new TestServer(EmbeddedJetty.start(setup));
  }

  URI uri(String path) {
    return jetty.uri(path);
  }

  HttpRequest.Builder post(String path, String key, String body) {
    return HttpRequest.newBuilder(uri(path)).timeout(Duration.ofSeconds(10))
        .header("Idempotency-Key", key)
        .header("Content-Type", "application/json")
        .POST(HttpRequest.BodyPublishers.ofString(body));
  }

  HttpResponse<String> send(HttpRequest request) throws Exception {
    return client.send(request, HttpResponse.BodyHandlers.ofString());
  }

  @Override
  public void close() {
    jetty.close();
  }
}
