package dev.closedloop.sync.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StoredResponseTest {

  @Test
  void bodyIsCopiedInAndOut() throws Exception {
    byte[] body = "hello".getBytes(StandardCharsets.UTF_8);
    StoredResponse r = StoredResponse.of(201, Map.of("Location", List.of("/x")), body);
    body[0] = 'j';
    byte[] out = r.body();
    out[1] = 'a';
    assertThat(new String(r.body(), StandardCharsets.UTF_8)).isEqualTo("hello");
    ByteArrayOutputStream sink = new ByteArrayOutputStream();
    r.writeBodyTo(sink);
    assertThat(sink.toByteArray()).isEqualTo("hello".getBytes(StandardCharsets.UTF_8));
    assertThat(r.bodyLength()).isEqualTo(5);
  }

  @Test
  void headersKeepTheirOrderAndAreUnmodifiable() {
    Map<String, List<String>> h = new LinkedHashMap<>();
    h.put("Link", List.of("<a>", "<b>"));
    h.put("ETag", List.of("\"1\""));
    StoredResponse r = StoredResponse.of(200, h, new byte[0]);
    assertThat(r.headers().keySet()).containsExactly("Link", "ETag");
    assertThat(r.headers().get("Link")).containsExactly("<a>", "<b>");
    assertThatThrownBy(() -> r.headers().put("X", List.of())).isInstanceOf(UnsupportedOperationException.class);
  }

  @Test
  void sizeCountsBodyHeadersAndOverhead() {
    StoredResponse r = StoredResponse.of(200, Map.of("ETag", List.of("\"1\"")), new byte[100]);
    assertThat(r.size()).isEqualTo(64 + 100 + 4 + 3 + 32);
  }

  @Test
  void notReplayableKeepsOnlyTheStatus() {
    StoredResponse r = StoredResponse.notReplayable(201);
    assertThat(r.isReplayable()).isFalse();
    assertThat(r.status()).isEqualTo(201);
    assertThat(r.bodyLength()).isZero();
    assertThat(r.headers()).isEmpty();
    assertThat(r).isNotEqualTo(StoredResponse.of(201, Map.of(), new byte[0]));
  }

  @Test
  void equalityComparesBodiesByContent() {
    byte[] a = new byte[10];
    Arrays.fill(a, (byte) 7);
    assertThat(StoredResponse.of(200, Map.of(), a)).isEqualTo(StoredResponse.of(200, Map.of(), a.clone()))
        .hasSameHashCodeAs(StoredResponse.of(200, Map.of(), a.clone()));
  }

  @Test
  void of_rejectsBadArguments() {
    assertThatThrownBy(() -> StoredResponse.of(99, Map.of(), new byte[0]))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("status must be between 100 and 599: 99");
    assertThatThrownBy(() -> StoredResponse.of(600, Map.of(), new byte[0]))
        .isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StoredResponse.of(200, null, new byte[0]))
        .isInstanceOf(NullPointerException.class).hasMessage("headers cannot be null");
    assertThatThrownBy(() -> StoredResponse.of(200, Map.of(), null))
        .isInstanceOf(NullPointerException.class).hasMessage("body cannot be null");
    assertThatThrownBy(() -> StoredResponse.of(200, Map.of("", List.of("v")), new byte[0]))
        .isInstanceOf(IllegalArgumentException.class).hasMessage("header name cannot be empty");
  }
}
