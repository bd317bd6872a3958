package dev.closedloop.sync.idempotency.spi;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.idempotency.StoredResponse;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class StoredResponseCodecTest {
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
    StoredResponse decoded = StoredResponseCodec.decode(StoredResponseCodec.encode(sample()));
    assertThat(decoded).isEqualTo(sample());
    assertThat(decoded.headers().keySet()).containsExactly("Content-Type", "Set-Cookie", "X-Empty");
  }

  @Test
  void notReplayableResponseKeepsOnlyItsStatus() {
    StoredResponse decoded = StoredResponseCodec.decode(StoredResponseCodec.encode(StoredResponse.notReplayable(599)));
    assertThat(decoded.isReplayable()).isFalse();
    assertThat(decoded.status()).isEqualTo(599);
  }

  @Test
  void everyTruncationIsReportedNeverMisread() {
    byte[] full = StoredResponseCodec.encode(sample());
    for (int length = 0; length < full.length; length++) {
      byte[] cut = Arrays.copyOf(full, length);
      assertThatThrownBy(() -> StoredResponseCodec.decode(cut)).as("cut at %d", length)
          .isInstanceOf(IllegalArgumentException.class);
    }
  }

  @Test
  void foreignVersionTrailingBytesAndBadStatusAreNamed() {
    byte[] full = StoredResponseCodec.encode(sample());
    byte[] version = full.clone();
    version[0] = 2;
    assertThatThrownBy(() -> StoredResponseCodec.decode(version)).hasMessage("unknown response format version 2, expected 1");
    byte[] trailing = Arrays.copyOf(full, full.length + 3);
    assertThatThrownBy(() -> StoredResponseCodec.decode(trailing)).hasMessage("3 bytes after the body");
    byte[] status = full.clone();
    status[2] = 0;
    status[3] = 42;
    assertThatThrownBy(() -> StoredResponseCodec.decode(status)).hasMessage("status out of range: 42");
  }

  @Test
  void theLayoutIsTheDocumentedOne() {
    StoredResponse r = StoredResponse.of(204, Map.of("A", List.of("b")), new byte[] {7});
    assertThat(StoredResponseCodec.encode(r)).containsExactly(
        1, 1, 0, (byte) 204,
        0, 0, 0, 1,
        0, 0, 0, 1, 'A',
        0, 0, 0, 1,
        0, 0, 0, 1, 'b',
        0, 0, 0, 1, 7);
    assertThat(StoredResponseCodec.encode(StoredResponse.notReplayable(503))).containsExactly(1, 0, 1, (byte) 247, 0, 0, 0, 0, 0, 0, 0, 0);
  }

  @Test
  void unknownFlagsALengthBeyondTheEndAndAPaddedNotReplayableAreRefused() {
    byte[] flags = StoredResponseCodec.encode(sample());
    flags[1] = 3;
    assertThatThrownBy(() -> StoredResponseCodec.decode(flags)).hasMessage("unknown response flags 3");
    byte[] huge = StoredResponseCodec.encode(sample());
    huge[4] = 0x7f;
    assertThatThrownBy(() -> StoredResponseCodec.decode(huge))
        .hasMessageStartingWith("header count 2130706435 at byte 4 exceeds the");
    byte[] padded = StoredResponseCodec.encode(StoredResponse.of(409, Map.of(), new byte[] {1}));
    padded[1] = 0;
    assertThatThrownBy(() -> StoredResponseCodec.decode(padded))
        .hasMessage("a response that is not replayable has headers or a body");
    assertThatThrownBy(() -> StoredResponseCodec.decode(new byte[0])).hasMessage("response truncated at byte 0 of 0");
  }
}
