package dev.closedloop.sync.examples;

import dev.closedloop.sync.idempotency.Idempotency;
import dev.closedloop.sync.idempotency.ResultCodec;
import dev.closedloop.sync.realtime.JacksonResultCodec;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A message consumer that applies each ledger message once, however often the broker delivers it:
 * brokers deliver at least once (a consumer that crashed before its acknowledgement gets the
 * message again, a rebalance hands it to another consumer), and a credit applied twice is money
 * made up. The consumer runs its effect through {@link Idempotency} with the message id as the key
 * and the message's content as the fingerprint; a redelivery gets the first delivery's receipt,
 * read back from the shared store (Redis or PostgreSQL), without touching the ledger.
 *
 * <p>The ledger here is in memory, to keep the example short; in a real service it is the
 * service's own database, and the store is shared by every consumer instance.
 *
 * <p>This class is threadsafe.
 */
public final class LedgerConsumer {
  /** The scope every ledger message lives in: message ids are unique within the topic. */
  static final String SCOPE = "ledger-topic";

  /** A message as the broker delivers it: an id unique per message, and what to credit. */
  public record LedgerMessage(String id, String account, long amountCents) {
    /** @throws NullPointerException if a string is null */
    public LedgerMessage {
      Objects.requireNonNull(id, "id cannot be null");
      Objects.requireNonNull(account, "account cannot be null");
    }
  }

  /** What applying a message answered: the entry it made and the balance after it. */
  public record Receipt(String messageId, String account, long entry, long balanceCents) {}

  private static final ResultCodec<Receipt> RECEIPTS = JacksonResultCodec.of(Receipt.class);

  private final Idempotency idempotency;
  private final Map<String, AtomicLong> balances = new ConcurrentHashMap<>();
  private final AtomicLong entries = new AtomicLong();

  /**
   * Creates a consumer whose effects run through {@code idempotency}.
   *
   * @throws NullPointerException if {@code idempotency} is null
   */
  public LedgerConsumer(Idempotency idempotency) {
    this.idempotency = Objects.requireNonNull(idempotency, "idempotency cannot be null");
  }

  /**
   * Handles one delivery: applies the message if no delivery of it was applied before, and
   * returns the receipt of the one that was. Acknowledge the message to the broker after this
   * returns; if it throws, do not, and the broker delivers it again.
   *
   * @throws dev.closedloop.sync.idempotency.IdempotencyInProgressException if another consumer is
   *     applying the same message right now and did not finish within the wait: redeliver later
   * @throws dev.closedloop.sync.idempotency.IdempotencyKeyReusedException if a different message
   *     arrived under a used id: a producer bug, to dead-letter
   */
  public Receipt onMessage(LedgerMessage message) {
    String fingerprint = Idempotency.fingerprint(message.account(), Long.toString(message.amountCents()));
    return idempotency.execute(SCOPE, message.id(), fingerprint, () -> apply(message), RECEIPTS);
  }

  /** The effect: credits the account. Runs once per message id. */
  private Receipt apply(LedgerMessage message) {
    long balance = balances.computeIfAbsent(message.account(), a -> new AtomicLong())
        .addAndGet(message.amountCents());
    return new Receipt(message.id(), message.account(), entries.incrementAndGet(), balance);
  }

  /** Returns the balance of {@code account}, in cents. */
  public long balanceCents(String account) {
    AtomicLong b = balances.get(account);
    return b == null ? 0 : b.get();
  }

  /** Returns how many entries the ledger made: one per message applied. */
  public long entries() {
    return entries.get();
  }
}
