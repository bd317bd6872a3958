package dev.closedloop.sync.client;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.queue.Offer;
import dev.closedloop.sync.queue.OfflineQueue;
import dev.closedloop.sync.queue.QueuedItem;
import java.io.IOException;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

class QueuedRequestTest {
  private final OfflineQueue queue = OfflineQueue.builder().buildInMemory();

  @AfterEach
  void close() throws IOException {
    queue.close();
  }

  private QueuedItem stored(byte[] payload) throws IOException {
    return queue.offer(Offer.of("key-1", payload).priority(3).scope("doc"));
  }

  @Test
  void aRequestSurvivesTheQueueWithItsHeadersInOrderAndItsBody() throws IOException {
    Map<String, String> headers = new LinkedHashMap<>();
    headers.put("Content-Type", "application/json");
    headers.put("X-Value", "é and \"quotes\"");
    headers.put("Accept", "*/*");
    QueuedRequest r = QueuedRequest.of("book", "PUT", URI.create("https://h.example/b/1?x=%20"), "key-1",
        "{\"a\":1}".getBytes(StandardCharsets.UTF_8)).withHeaders(Map.of("Accept", "*/*")).withPriority(3).withScope("doc");
    r = r.withHeaders(headers);
    QueuedItem item = queue.offer(r.toOffer());

    QueuedRequest back = QueuedRequest.decode(item);

    assertThat(back.mutationName()).isEqualTo("book");
    assertThat(back.method()).isEqualTo("PUT");
    assertThat(back.uri()).isEqualTo(URI.create("https://h.example/b/1?x=%20"));
    assertThat(back.headers()).containsExactly(Map.entry("Content-Type", "application/json"),
        Map.entry("X-Value", "é and \"quotes\""), Map.entry("Accept", "*/*"));
    assertThat(back.body()).isEqualTo("{\"a\":1}".getBytes(StandardCharsets.UTF_8));
    assertThat(back.idempotencyKey()).isEqualTo("key-1");
    assertThat(back.priority()).isEqualTo(3);
    assertThat(back.scope()).isEqualTo("doc");
    assertThat(item.payload()[0]).isEqualTo((byte) QueuedRequest.FORMAT_VERSION);
  }

  @Test
  void aPayloadOfAnotherVersionIsRefusedByName() throws IOException {
    byte[] p = QueuedRequest.of("m", "POST", URI.create("http://h/x"), "key-1", new byte[0]).encode();
    p[0] = 9;
    QueuedItem item = stored(p);
    assertThatThrownBy(() -> QueuedRequest.decode(item)).isInstanceOf(IOException.class)
        .hasMessage("unsupported queued request format version 9 (this client reads 1)");
  }

  @Test
  void aTruncatedOrPaddedPayloadIsRefused() throws IOException {
    byte[] p = QueuedRequest.of("m", "POST", URI.create("http://h/x"), "key-1", new byte[] {1, 2, 3}).encode();
    QueuedItem cut = stored(Arrays.copyOf(p, p.length - 2));
    QueuedItem shorter = stored(Arrays.copyOf(p, 5));
    QueuedItem padded = stored(Arrays.copyOf(p, p.length + 1));
    assertThatThrownBy(() -> QueuedRequest.decode(cut)).isInstanceOf(IOException.class)
        .hasMessage("queued request body length 3 exceeds the 1 bytes left");
    assertThatThrownBy(() -> QueuedRequest.decode(shorter)).isInstanceOf(IOException.class)
        .hasMessageStartingWith("queued request");
    assertThatThrownBy(() -> QueuedRequest.decode(padded)).isInstanceOf(IOException.class)
        .hasMessage("queued request has 1 unexpected bytes after the body");
    assertThatThrownBy(() -> QueuedRequest.decode(stored(new byte[0]))).isInstanceOf(IOException.class)
        .hasMessage("queued request payload is truncated (0 bytes)");
  }
}
