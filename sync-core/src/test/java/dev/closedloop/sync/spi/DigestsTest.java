package dev.closedloop.sync.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import org.junit.jupiter.api.Test;

class DigestsTest {

  @Test
  void sha256AndSha1GiveTheStandardTestVectors() {
    byte[] abc = "abc".getBytes(StandardCharsets.US_ASCII);
    assertThat(Digests.hex(Digests.sha256(abc)))
        .isEqualTo("ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    assertThat(Digests.hex(Digests.sha256(new byte[0])))
        .isEqualTo("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    assertThat(Digests.hex(Digests.sha1(abc))).isEqualTo("a9993e364706816aba3e25717850c26c9cd0d89d");
  }

  @Test
  void everyCallGetsADigestOfItsOwn() {
    MessageDigest a = Digests.sha256();
    MessageDigest b = Digests.sha256();
    assertThat(a).isNotSameAs(b);
    a.update((byte) 'x');
    assertThat(Digests.hex(b.digest())).isEqualTo(Digests.hex(Digests.sha256(new byte[0])));
  }

  @Test
  void hexIsLowercaseTwoDigitsAByte() {
    assertThat(Digests.hex(new byte[] {0, 1, 0x7f, (byte) 0x80, (byte) 0xab, (byte) 0xff})).isEqualTo("00017f80abff");
    assertThat(Digests.hex(new byte[0])).isEmpty();
  }

  @Test
  void updateIntFeedsFourBytesBigEndian() {
    byte[] scratch = new byte[8];
    for (int value : new int[] {0, 1, -1, 0x01020304, Integer.MIN_VALUE}) {
      MessageDigest viaHelper = Digests.sha256();
      Digests.updateInt(viaHelper, scratch, value);
      MessageDigest byHand = Digests.sha256();
      byHand.update(new byte[] {(byte) (value >>> 24), (byte) (value >>> 16), (byte) (value >>> 8), (byte) value});
      assertThat(viaHelper.digest()).as("value %d", value).isEqualTo(byHand.digest());
    }
  }
}
