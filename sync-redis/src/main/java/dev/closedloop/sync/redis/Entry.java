package dev.closedloop.sync.redis;

import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import org.jspecify.annotations.Nullable;

/**
 * One entry of the Redis store in the string layout {@link RedisIdempotencyStore} documents:
 * {@code <state>:<lease ms>:<ttl ms>:<token bytes>:<fingerprint bytes>:<token><fingerprint>[<response>]}.
 * The scripts read the same layout in Lua.
 *
 * <p>This class is immutable and threadsafe.
 */
final class Entry {
  private final byte[] data;
  private final int tokenAt;
  private final int tokenLength;
  private final int fingerprintLength;

  private Entry(byte[] data, int tokenAt, int tokenLength, int fingerprintLength) {
    this.data = data;
    this.tokenAt = tokenAt;
    this.tokenLength = tokenLength;
    this.fingerprintLength = fingerprintLength;
  }

  /** Returns a new in-progress entry. */
  static byte[] inProgress(long leaseMillis, long ttlMillis, byte[] token, byte[] fingerprint) {
    byte[] header = ("p:" + leaseMillis + ":" + ttlMillis + ":" + token.length + ":" + fingerprint.length + ":")
        .getBytes(StandardCharsets.US_ASCII);
    byte[] out = Arrays.copyOf(header, header.length + token.length + fingerprint.length);
    System.arraycopy(token, 0, out, header.length, token.length);
    System.arraycopy(fingerprint, 0, out, header.length + token.length, fingerprint.length);
    return out;
  }

  /** Reads an entry; null if {@code data} is not one (the script then reports it). */
  static @Nullable Entry parse(byte[] data) {
    if (data.length < 2 || (data[0] != 'p' && data[0] != 'c') || data[1] != ':') {
      return null;
    }
    long[] numbers = new long[4];
    int i = 2;
    for (int n = 0; n < 4; n++) {
      long value = 0;
      int start = i;
      while (i < data.length && data[i] >= '0' && data[i] <= '9' && i - start < 18) {
        value = value * 10 + (data[i] - '0');
        i++;
      }
      if (i == start || i >= data.length || data[i] != ':') {
        return null;
      }
      numbers[n] = value;
      i++;
    }
    long tokenLength = numbers[2];
    long fingerprintLength = numbers[3];
    if (tokenLength + fingerprintLength > data.length - i) {
      return null;
    }
    return new Entry(data, i, (int) tokenLength, (int) fingerprintLength);
  }

  boolean completed() {
    return data[0] == 'c';
  }

  boolean tokenEquals(byte[] token) {
    return Arrays.equals(data, tokenAt, tokenAt + tokenLength, token, 0, token.length);
  }

  boolean fingerprintEquals(byte[] fingerprint) {
    int at = tokenAt + tokenLength;
    return Arrays.equals(data, at, at + fingerprintLength, fingerprint, 0, fingerprint.length);
  }

  /** Returns the encoded response of a completed entry. */
  byte[] response() {
    return Arrays.copyOfRange(data, tokenAt + tokenLength + fingerprintLength, data.length);
  }
}
