package dev.closedloop.sync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.net.URI;
import java.net.http.HttpRequest;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/** The request that opens a realtime stream, built without a server. */
class StreamRequestsTest {
  private static final URI ENDPOINT = URI.create("http://127.0.0.1:9/realtime");

  @Test
  void topicsAreSortedIntoTheQueryAndTheStreamHeadersAreSet() {
    StreamRequests r = new StreamRequests(ENDPOINT, Set.of("orders", "bookings"), Map.of("X-App", "1"), null);
    HttpRequest req = r.build("");

    assertThat(req.uri()).isEqualTo(URI.create("http://127.0.0.1:9/realtime?topics=bookings%2Corders"));
    assertThat(req.method()).isEqualTo("GET");
    assertThat(req.headers().firstValue("Accept")).hasValue("text/event-stream");
    assertThat(req.headers().firstValue("Cache-Control")).hasValue("no-cache");
    assertThat(req.headers().firstValue("X-App")).hasValue("1");
    assertThat(req.headers().firstValue("Last-Event-ID")).isEmpty(); // nothing heard yet
    assertThat(r.rotatesHeaders()).isFalse();
  }

  @Test
  void aResumedStreamSendsTheLastEventId() {
    StreamRequests r = new StreamRequests(ENDPOINT, Set.of("t"), Map.of(), null);
    assertThat(r.build("t:42").headers().firstValue("Last-Event-ID")).hasValue("t:42");
  }

  @Test
  void theSupplierIsAskedOnEveryBuildAndItsHeadersWin() {
    AtomicInteger asked = new AtomicInteger();
    StreamRequests r = new StreamRequests(ENDPOINT, Set.of("t"), Map.of("Authorization", "Bearer fixed"), () -> {
      Map<String, String> h = new LinkedHashMap<>();
      h.put("Authorization", "Bearer rotated-" + asked.incrementAndGet());
      return h;
    });

    assertThat(r.build("").headers().allValues("Authorization")).containsExactly("Bearer rotated-1");
    assertThat(r.build("").headers().allValues("Authorization")).containsExactly("Bearer rotated-2");
    assertThat(r.rotatesHeaders()).isTrue();
  }

  @Test
  void aSupplierThatSetsAHeaderOfTheClientsOwnOrThrowsFailsTheBuild() {
    StreamRequests reserved = new StreamRequests(ENDPOINT, Set.of("t"), Map.of(), () -> Map.of("Last-Event-ID", "x"));
    assertThatThrownBy(() -> reserved.build("")).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("header Last-Event-ID is set by the client itself");
    StreamRequests broken = new StreamRequests(ENDPOINT, Set.of("t"), Map.of(), () -> {
      throw new IllegalStateException("token store down");
    });
    assertThatThrownBy(() -> broken.build("")).hasMessage("token store down");
  }
}
