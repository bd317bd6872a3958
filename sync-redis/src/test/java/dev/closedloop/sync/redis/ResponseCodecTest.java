package dev.closedloop.sync.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.idempotency.StoredResponse;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class ResponseCodecTest {
  private static StoredResponse sample() {
    Map<String, List<String>> headers = new LinkedHashMap<>();
    headers.put("Content-Type", List.of("application/json"));
    headers.put("Set-Cookie", List.of("a=1", "b=\u00e9\u6f22"));
    headers.put("X-Empty", List.of(""));
    byte[] body = new byte[300];
    for (int i = 0; i < body.length; i++) {
      body[i] = (byte) i;
    }
    return StoredResponse.of(201, headers, body);
  }

  @Test
  void responseSurvivesTheRoundTripWithHeaderOrderAndEveryByteValue() {
    StoredResponse decoded = ResponseCodec.decode(ResponseCodec.encode(sample()));
    assertThat(decoded).isEqualTo(sample());
    assertThat(decoded.headers().keySet()).containsExactly("Content-Type", "Set-Cookie", "X-Empty");
  }

  @Test
  void notReplayableResponseKeepsOnlyItsStatus() {
    StoredResponse decoded = ResponseCodec.decode(ResponseCodec.encode(StoredResponse.notReplayable(599)));
    assertThat(decoded.isReplayable()).isFalse();
    assertThat(decoded.status()).isEqualTo(599);
  }

  @Test
  void everyTruncationIsReportedNeverMisread() {
    byte[] full = ResponseCodec.encode(sample());
    for (int length = 0; length < full.length; length++) {
      byte[] cut = Arrays.copyOf(full, length);
      assertThatThrownBy(() -> ResponseCodec.decode(cut)).as("cut at %d", length)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void foreignVersionTrailingBytesAndBadStatusAreNamed() {
    byte[] full = ResponseCodec.encode(sample());
    byte[] version = full.clone();
    version[0] = 2;
    assertThatThrownBy(() -> ResponseCodec.decode(version)).hasMessage("unknown response format version 2, expected 1");
    byte[] trailing = Arrays.copyOf(full, full.length + 3);
    assertThatThrownBy(() -> ResponseCodec.decode(trailing)).hasMessage("3 bytes after the body");
    byte[] status = full.clone();
    status[2] = 0;
    status[3] = 42;
    assertThatThrownBy(() -> ResponseCodec.decode(status)).hasMessage("status out of range: 42");
  }
}
