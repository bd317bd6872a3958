package dev.closedloop.sync.jdbc;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Owner tokens unique across stores, nodes and restarts: 128 random bits drawn once per store,
 * then a sequence number. Drawing once keeps the hot path free of entropy calls; the random part
 * keeps two nodes (or a node and its previous life) from ever handing out the same token.
 *
 * <p>This class is threadsafe.
 */
final class OwnerTokens {
  private final String prefix;
  private final AtomicLong sequence = new AtomicLong();

  OwnerTokens() {
    byte[] random = new byte[16];
    new SecureRandom().nextBytes(random);
    this.prefix = Base64.getUrlEncoder().withoutPadding().encodeToString(random) + '.';
  }

  String next() {
    return prefix + Long.toString(sequence.incrementAndGet(), 36);
  }
}
