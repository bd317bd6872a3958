package dev.closedloop.sync.idempotency;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import org.junit.jupiter.api.Test;

class ResultCodecTest {

  @Test
  void utf8RoundTripsEveryStringAndRefusesBrokenBytes() {
    ResultCodec<String> c = ResultCodec.utf8();
    String s = "receipt €12 \uD83D\uDE00";
    assertThat(c.decode(c.encode(s))).isEqualTo(s);
    assertThat(c.mediaType()).isEqualTo("text/plain;charset=utf-8");
    assertThatThrownBy(() -> c.decode(new byte[] {(byte) 0xFF})).isInstanceOf(IllegalArgumentException.class)
        .hasMessageStartingWith("stored result is not UTF-8");
    assertThatThrownBy(() -> c.encode(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("result cannot be null");
  }

  @Test
  void bytesAreCopiedInAndOut() {
    ResultCodec<byte[]> c = ResultCodec.bytes();
    byte[] original = {1, 2, 3};
    byte[] encoded = c.encode(original);
    original[0] = 9;
    assertThat(encoded).containsExactly(1, 2, 3);
    byte[] decoded = c.decode(encoded);
    decoded[1] = 9;
    assertThat(encoded).containsExactly(1, 2, 3);
  }

  @Test
  void noneKeepsNothingAndRefusesBytes() {
    ResultCodec<Void> c = ResultCodec.none();
    assertThat(c.encode(null)).isEmpty();
    assertThat(c.decode(new byte[0])).isNull();
    assertThatThrownBy(() -> c.decode(new byte[1])).isInstanceOf(IllegalArgumentException.class);
  }
}
