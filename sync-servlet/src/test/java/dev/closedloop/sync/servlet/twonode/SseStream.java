package dev.closedloop.sync.servlet.twonode;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/** An SSE stream read line by line with java.net.http, its events queued for the test. */
public final class SseStream implements AutoCloseable {
  public record Event(String id, String name, String data) {}

  private final LinkedBlockingQueue<Event> events = new LinkedBlockingQueue<>();
  private final Stream<String> lines;
  private final Thread reader;

  public SseStream(HttpClient client, URI uri, String lastEventId) throws IOException, InterruptedException {
    HttpRequest.Builder request = HttpRequest.newBuilder(uri).header("Accept", "text/event-stream")
        .timeout(Duration.ofSeconds(10));
    if (!lastEventId.isEmpty()) {
      request.header("Last-Event-ID", lastEventId);
    }
    HttpResponse<Stream<String>> response = client.send(request.build(), HttpResponse.BodyHandlers.ofLines());
    if (response.statusCode() != 200) {
      throw new IOException("SSE request answered " + response.statusCode());
    }
    this.lines = response.body();
    this.reader = new Thread(this::read, "sse-test-reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void read() {
    String id = "";
    String name = "message";
    StringBuilder data = new StringBuilder();
    try {
      Iterator<String> it = lines.iterator();
      while (it.hasNext()) {
        String line = it.next();
        if (line.isEmpty()) {
          if (data.length() > 0) {
            events.add(new Event(id, name, data.toString()));
          }
          name = "message";
          data.setLength(0);
        } else if (line.startsWith("id: ")) {
          id = line.substring(4);
        } else if (line.startsWith("event: ")) {
          name = line.substring(7);
        } else if (line.startsWith("data: ")) {
          data.append(line.substring(6));
        }
      }
    } catch (RuntimeException closed) {
      // the stream was closed by the test
    }
  }

  /** Returns the next {@code n} events (comments skipped), waiting up to 10 s for each. */
  public List<Event> next(int n) throws InterruptedException {
    List<Event> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      Event e = events.poll(10, TimeUnit.SECONDS);
      if (e == null) {
        throw new AssertionError("no SSE event within 10 s after " + out);
      }
      out.add(e);
    }
    return out;
  }

  @Override
  public void close() throws InterruptedException {
    lines.close();
    reader.join(5_000);
  }
}
