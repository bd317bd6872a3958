package dev.closedloop.sync.redis;

import io.lettuce.core.RedisURI;
import java.time.Duration;
import java.util.Objects;

/**
 * The checks the builders of this module share, with their fixed messages.
 *
 * <p>This class is threadsafe (stateless).
 */
final class RedisSettings {
  private RedisSettings() {}

  static RedisURI uri(String uri) {
    Objects.requireNonNull(uri, "uri cannot be null");
    try {
      return RedisURI.create(uri);
    } catch (RuntimeException e) {
      throw new IllegalArgumentException("uri is not a Redis URI: " + e.getMessage(), e);
    }
  }

  static String keyPrefix(String keyPrefix) {
    Objects.requireNonNull(keyPrefix, "keyPrefix cannot be null");
    if (keyPrefix.isEmpty() || keyPrefix.length() > 256) {
      throw new IllegalArgumentException("keyPrefix must have 1 to 256 characters: " + keyPrefix.length());
    }
    return keyPrefix;
  }

  static String clientName(String clientName, int maxLength) {
    Objects.requireNonNull(clientName, "clientName cannot be null");
    if (clientName.isEmpty() || clientName.length() > maxLength
        || !clientName.chars().allMatch(c -> c > ' ' && c < 127)) {
      throw new IllegalArgumentException("clientName must be 1 to " + maxLength
          + " printable ASCII characters without spaces: " + clientName);
    }
    return clientName;
  }

  static Duration commandTimeout(Duration timeout) {
    Objects.requireNonNull(timeout, "timeout cannot be null");
    if (timeout.isNegative() || timeout.isZero() || timeout.compareTo(Duration.ofMinutes(10)) > 0) {
      throw new IllegalArgumentException("timeout must be positive and at most 10 minutes: " + timeout);
    }
    return timeout;
  }
}
