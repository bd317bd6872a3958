package dev.closedloop.sync.idempotency.spi;

import java.security.SecureRandom;
import java.util.Base64;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Owner tokens for stores shared by many nodes, unique across stores, nodes and restarts: 128
 * random bits drawn once per instance (from {@link SecureRandom}), then a sequence number in base
 * 36, for example {@code "q7Xb2...Lw.1f"}. Drawing once keeps the claim path free of entropy
 * calls; the random part keeps two nodes (or a node and its previous life) from ever handing out
 * the same token. Tokens are at most 36 characters, within {@link StoreArguments#checkToken}.
 *
 * <p>For store implementations; one instance per store.
 *
 * <p>This class is threadsafe.
 */
public final class OwnerTokens {
  private final String prefix;
  private final AtomicLong sequence = new AtomicLong();

  private OwnerTokens(String prefix) {
    this.prefix = prefix;
  }

  /** Returns a source with a fresh random prefix. */
  public static OwnerTokens create() {
    byte[] random = new byte[16];
    new SecureRandom().nextBytes(random);
    return new OwnerTokens(Base64.getUrlEncoder().withoutPadding().encodeToString(random) + '.');
  }

  /** Returns the next token: the random prefix, then the next sequence number. */
  public String next() {
    return prefix + Long.toString(sequence.incrementAndGet(), 36);
  }
}
