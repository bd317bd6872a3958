package dev.closedloop.sync.examples;

import com.fasterxml.jackson.databind.JsonNode;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;

/** A java.net.http client for the demo server's endpoints. */
final class TestHttp {
  static final String CLIENT_ID = "3f2a8c4e-1b7d-4e2a-9c3b-5d6e7f8a9b0c";

  private final DemoServer server;
  final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1)
      .connectTimeout(Duration.ofSeconds(5)).build();

  TestHttp(DemoServer server) {
    this.server = server;
  }

  HttpResponse<String> send(String method, String path, String key, String json) throws IOException, InterruptedException {
    HttpRequest.Builder b = HttpRequest.newBuilder(server.uri(path))
        .timeout(Duration.ofSeconds(20))
        .header("Content-Type", "application/json")
        .header("X-Client-Id", CLIENT_ID)
        .method(method, HttpRequest.BodyPublishers.ofString(json));
    if (key != null) {
      b.header("Idempotency-Key", key);
    }
    return client.send(b.build(), HttpResponse.BodyHandlers.ofString());
  }

  HttpResponse<String> get(String path) throws IOException, InterruptedException {
    return client.send(HttpRequest.newBuilder(server.uri(path)).timeout(Duration.ofSeconds(20)).GET().build(),
        HttpResponse.BodyHandlers.ofString());
  }

  JsonNode state() throws IOException, InterruptedException {
    return DemoHttp.JSON.readTree(get("/api/state").body());
  }

  static URI uri(DemoServer server, String path) {
    return server.uri(path);
  }
}
