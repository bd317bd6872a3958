package dev.closedloop.sync.spi;

import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import org.jspecify.annotations.Nullable;

/**
 * The digests the library's modules take of keys, requests and scripts, written once: SHA-256
 * (fingerprints, key hashes for logs and change events, the JDBC store's primary key), SHA-1
 * (only where a protocol asks for it: Redis names a script by it) and lowercase hex.
 *
 * <p>{@link #sha256()} clones a prototype instead of asking the security providers each time, which
 * {@code MessageDigest.getInstance} does (a lookup of a few hundred nanoseconds on a hot path such
 * as the servlet filter's); where the platform's digest cannot be cloned it falls back to the
 * lookup. Every Java platform has both algorithms, so nothing here throws a checked exception.
 *
 * <p>This class is threadsafe: it keeps only the prototype, which is never updated, and every call
 * gets a digest of its own.
 */
public final class Digests {
  private static final char[] HEX = "0123456789abcdef".toCharArray();
  /** Cloned for each digest: a clone skips the provider lookup that getInstance does each time. */
  private static final @Nullable MessageDigest SHA256_PROTOTYPE = prototype("SHA-256");

  private Digests() {}

  /** Returns a fresh SHA-256 digest, for the caller alone. */
  public static MessageDigest sha256() {
    MessageDigest prototype = SHA256_PROTOTYPE;
    if (prototype != null) {
      try {
        return (MessageDigest) prototype.clone();
      } catch (CloneNotSupportedException e) {
        // not cloneable after all: look it up
      }
    }
    return lookUp("SHA-256");
  }

  /** Returns the SHA-256 of {@code data} (32 bytes). */
  public static byte[] sha256(byte[] data) {
    return sha256().digest(data);
  }

  /** Returns the SHA-1 of {@code data} (20 bytes); only for protocols that name things by it. */
  public static byte[] sha1(byte[] data) {
    return lookUp("SHA-1").digest(data);
  }

  /** Returns {@code bytes} in lowercase hex, two characters a byte. */
  public static String hex(byte[] bytes) {
    char[] out = new char[bytes.length * 2];
    for (int i = 0; i < bytes.length; i++) {
      out[2 * i] = HEX[(bytes[i] >> 4) & 0xF];
      out[2 * i + 1] = HEX[bytes[i] & 0xF];
    }
    return new String(out);
  }

  /**
   * Feeds {@code value} to {@code digest} as 4 bytes, big-endian: the length prefix of the
   * library's length-prefixed fingerprints, where no two different lists of fields share an
   * encoding.
   *
   * @param scratch at least 4 bytes the call may overwrite, so that a caller digesting many fields
   *     allocates nothing per field
   */
  public static void updateInt(MessageDigest digest, byte[] scratch, int value) {
    scratch[0] = (byte) (value >>> 24);
    scratch[1] = (byte) (value >>> 16);
    scratch[2] = (byte) (value >>> 8);
    scratch[3] = (byte) value;
    digest.update(scratch, 0, 4);
  }

  private static MessageDigest lookUp(String algorithm) {
    try {
      return MessageDigest.getInstance(algorithm);
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(algorithm + " is required of every Java platform", e);
    }
  }

  private static @Nullable MessageDigest prototype(String algorithm) {
    MessageDigest d = lookUp(algorithm);
    try {
      d.clone();
      return d;
    } catch (CloneNotSupportedException e) {
      return null;
    }
  }
}
