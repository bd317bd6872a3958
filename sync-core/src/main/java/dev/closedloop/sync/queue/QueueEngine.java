package dev.closedloop.sync.queue;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.retry.RetryDecision;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.spi.Listeners;
import java.io.IOException;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The queue's behaviour, shared by the in-memory and the file queue; they differ only in their
 * {@link Journal}. The drain loop is {@link Drain}, over this class's operations; the settling
 * ones take the listeners to tell, so that a drain's own listener hears its items too.
 *
 * <p>Concurrency: one {@link ReentrantLock} guards the state and the journal's intake. An
 * operation validates, takes a sequence number, hands its record to the journal and applies it to
 * the state in one lock hold, so records reach the journal in the order they change the state.
 * It then waits for durability outside the lock, so concurrent operations share one fsync. An
 * item whose record is not yet committed is not handed out.
 */
abstract class QueueEngine implements OfflineQueue {
  private static final Logger log = LoggerFactory.getLogger(OfflineQueue.class);
  static final int MAX_ERROR_CHARS = 2000;

  final QueueConfig config;
  final ReentrantLock lock;
  final QueueState state;
  final Journal journal;
  final Listeners<OfflineQueueListener> listeners;
  private final RetryPolicy<?> policy;
  private boolean closed; // guarded by lock

  QueueEngine(QueueConfig config, ReentrantLock lock, QueueState state, Journal journal) {
    this.config = config;
    this.lock = lock;
    this.state = state;
    this.journal = journal;
    this.policy = config.retryPolicy;
    this.listeners = Listeners.of(config.listeners, log, "Offline queue");
  }

  @Override
  public QueuedItem offer(Offer offer) throws IOException {
    Objects.requireNonNull(offer, "offer cannot be null");
    if (offer.payloadSize() > config.maxPayloadBytes) {
      throw new IllegalArgumentException("payload is " + offer.payloadSize()
          + " bytes, over the maximum of " + config.maxPayloadBytes + " bytes");
    }
    QueuedItem result;
    CompletableFuture<Void> ticket;
    OfflineQueueFullException full = null;
    lock.lock();
    try {
      ensureOpen();
      journal.checkWritable();
      Entry kept = offer.collapse() == Collapse.KEEP ? state.newestLive(offer.idempotencyKey(), true) : null;
      if (kept != null) {
        result = kept.item();
        ticket = journal.barrier();
      } else {
        Entry old = offer.collapse() == Collapse.REPLACE ? state.newestLive(offer.idempotencyKey(), false) : null;
        long now = config.clock.millis();
        Instant notBefore = offer.notBefore();
        Instant expiresAt = offer.expiresAt();
        result = new QueuedItem(state.nextId, offer.priority(), offer.scope(), offer.idempotencyKey(),
            0, notBefore == null ? now : millis(notBefore), expiresAt == null ? QueuedItem.NO_EXPIRY : millis(expiresAt),
            offer.payloadUnsafe(), null, now);
        full = checkRoom(result, old);
        ticket = full != null ? null : write(new Rec.Put(result, false, old == null ? 0 : old.id()));
      }
    } finally {
      lock.unlock();
    }
    if (full != null) {
      listeners.fire("onOfferRefused", OfflineQueueListener::onOfferRefused, offer, full);
      throw full;
    }
    journal.await(ticket);
    return result;
  }

  /**
   * Returns the exception that refuses {@code item} if holding it (in place of {@code replaced},
   * if any) would pass a bound, else null. The caller holds the lock.
   */
  private @Nullable OfflineQueueFullException checkRoom(QueuedItem item, @Nullable Entry replaced) {
    int bytes = RecordCodec.putSize(item);
    long items = (long) state.size() + 1 - (replaced == null ? 0 : 1);
    long held = state.retainedBytes() + bytes - (replaced == null ? 0 : replaced.bytes());
    boolean byItems = items > config.maxItems;
    if (!byItems && held <= config.maxBytes) {
      return null;
    }
    return new OfflineQueueFullException(state.size(), state.retainedBytes(), config.maxItems, config.maxBytes,
        bytes, byItems);
  }

  @Override
  public Optional<QueuedItem> peek() {
    lock.lock();
    try {
      ensureOpen();
      Entry e = state.next(config.clock.millis(), journal.committedSeq());
      return e == null ? Optional.empty() : Optional.of(e.item());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public Optional<QueuedItem> poll() {
    lock.lock();
    try {
      ensureOpen();
      Entry e = state.next(config.clock.millis(), journal.committedSeq());
      if (e == null) {
        return Optional.empty();
      }
      state.lease(e.id(), config.ticker.read());
      return Optional.of(e.item());
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean ack(long id) throws IOException {
    return ack(id, listeners);
  }

  /** {@link #ack(long)}, telling {@code tell} (the queue's listeners, or a drain's as well). */
  boolean ack(long id, Listeners<OfflineQueueListener> tell) throws IOException {
    CompletableFuture<Void> ticket;
    @Nullable QueuedItem item; // null if no one hears
    lock.lock();
    try {
      ensureOpen();
      if (!state.isLeased(id)) {
        return false;
      }
      journal.checkWritable();
      item = tell.isEmpty() ? null : state.get(id).item(); // no lookup when no one hears
      ticket = write(new Rec.Ack(id));
    } finally {
      lock.unlock();
    }
    journal.await(ticket);
    if (item != null) {
      tell.fire("onAcked", OfflineQueueListener::onAcked, item);
    }
    return true;
  }

  @Override
  public NackResult nack(long id, Throwable failure) throws IOException {
    return nack(id, failure, listeners);
  }

  NackResult nack(long id, Throwable failure, Listeners<OfflineQueueListener> tell) throws IOException {
    Objects.requireNonNull(failure, "failure cannot be null");
    CompletableFuture<Void> ticket;
    boolean dead;
    @Nullable QueuedItem now; // null if no one hears of a retry
    lock.lock();
    try {
      ensureOpen();
      if (!state.isLeased(id)) {
        return NackResult.NOT_IN_FLIGHT;
      }
      journal.checkWritable();
      QueuedItem item = state.get(id).item();
      int attempt = item.attempts() + 1;
      String error = describe(failure);
      Rec rec;
      if (failure instanceof PermanentFailureException) {
        rec = new Rec.Dead(id, attempt, "permanent failure: " + error);
      } else {
        RetryDecision d = policy.decide(attempt, null, failure, 0L, 0L, policy.random().nextDouble());
        if (d.shouldRetry()) {
          long delayMillis = (d.delayNanos() + 999_999L) / 1_000_000L;
          rec = new Rec.Nack(id, attempt, saturatedAdd(config.clock.millis(), delayMillis), error);
        } else {
          rec = new Rec.Dead(id, attempt, reason(d, attempt) + ": " + error);
        }
      }
      ticket = write(rec);
      state.unlease(id);
      dead = rec instanceof Rec.Dead;
      now = dead || !tell.isEmpty() ? state.get(id).item() : null;
    } finally {
      lock.unlock();
    }
    journal.await(ticket);
    if (dead) {
      notifyDeadLettered(Objects.requireNonNull(now), tell);
      return NackResult.DEAD_LETTERED;
    }
    if (now != null) {
      tell.fire("onRetryScheduled", OfflineQueueListener::onRetryScheduled, now, failure);
    }
    return NackResult.RETRY_SCHEDULED;
  }

  @Override
  public boolean release(long id) {
    lock.lock();
    try {
      ensureOpen();
      if (!state.isLeased(id)) {
        return false;
      }
      state.unlease(id);
      return true;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean deadLetter(long id, String reason) throws IOException {
    return deadLetter(id, reason, listeners);
  }

  boolean deadLetter(long id, String reason, Listeners<OfflineQueueListener> tell) throws IOException {
    Objects.requireNonNull(reason, "reason cannot be null");
    CompletableFuture<Void> ticket;
    QueuedItem deadItem;
    lock.lock();
    try {
      ensureOpen();
      Entry e = state.get(id);
      if (e == null || e.dead()) {
        return false;
      }
      journal.checkWritable();
      ticket = write(new Rec.Dead(id, e.item().attempts(), truncate(reason)));
      state.unlease(id);
      deadItem = state.get(id).item();
    } finally {
      lock.unlock();
    }
    journal.await(ticket);
    notifyDeadLettered(deadItem, tell);
    return true;
  }

  @Override
  public List<QueuedItem> pending() {
    lock.lock();
    try {
      ensureOpen();
      List<QueuedItem> out = new ArrayList<>();
      for (Entry e : state.entries()) {
        if (!e.dead()) {
          out.add(e.item());
        }
      }
      out.sort(Comparator.comparingLong(QueuedItem::id));
      return out;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public List<QueuedItem> deadLetters() {
    lock.lock();
    try {
      ensureOpen();
      List<QueuedItem> out = new ArrayList<>(state.deadCount());
      for (Entry e : state.deadEntries()) {
        out.add(e.item());
      }
      return out;
    } finally {
      lock.unlock();
    }
  }

  @Override
  public boolean requeue(long id) throws IOException {
    return settleDead(id, true);
  }

  @Override
  public boolean discard(long id) throws IOException {
    return settleDead(id, false);
  }

  private boolean settleDead(long id, boolean requeue) throws IOException {
    CompletableFuture<Void> ticket;
    lock.lock();
    try {
      ensureOpen();
      Entry e = state.get(id);
      if (e == null || !e.dead()) {
        return false;
      }
      journal.checkWritable();
      ticket = write(requeue ? new Rec.Requeue(id, config.clock.millis()) : new Rec.Ack(id));
    } finally {
      lock.unlock();
    }
    journal.await(ticket);
    return true;
  }

  @Override
  public QueueStats stats() {
    lock.lock();
    try {
      ensureOpen();
      TreeMap<Integer, Integer> depth = new TreeMap<>();
      int waiting = 0;
      int inFlight = 0;
      long oldest = Long.MAX_VALUE;
      for (Entry e : state.entries()) {
        if (e.dead()) {
          continue;
        }
        if (state.isLeased(e.id())) {
          inFlight++;
        } else {
          waiting++;
          depth.merge(e.item().priority(), 1, Integer::sum);
        }
        oldest = Math.min(oldest, e.item().enqueuedAtMillis());
      }
      Duration age = oldest == Long.MAX_VALUE
          ? Duration.ZERO
          : Duration.ofMillis(Math.max(0, config.clock.millis() - oldest));
      return new QueueStats(depth, waiting, inFlight, state.deadCount(), age);
    } finally {
      lock.unlock();
    }
  }

  @Override
  public void clear() throws IOException {
    CompletableFuture<Void> ticket;
    lock.lock();
    try {
      ensureOpen();
      journal.checkWritable();
      ticket = write(new Rec.Clear());
    } finally {
      lock.unlock();
    }
    journal.await(ticket);
  }

  @Override
  public DrainSummary drain(Function<? super QueuedItem, DrainVerdict> handler, OfflineQueueListener listener)
      throws IOException {
    Objects.requireNonNull(handler, "handler cannot be null");
    Objects.requireNonNull(listener, "listener cannot be null");
    Listeners<OfflineQueueListener> tell = listeners;
    if (listener != OfflineQueueListener.NONE) { // the queue's listeners, then the drain's
      List<OfflineQueueListener> all = new ArrayList<>(config.listeners);
      all.add(listener);
      tell = Listeners.of(all, log, "Offline queue");
    }
    return Drain.run(this, handler, tell);
  }

  @Override
  public void close() throws IOException {
    lock.lock();
    try {
      if (closed) {
        return;
      }
      closed = true;
    } finally {
      lock.unlock();
    }
    try {
      journal.close();
    } finally {
      afterClose();
    }
  }

  /** Releases what the subclass holds once the journal is closed. */
  void afterClose() throws IOException {}

  boolean isClosed() {
    lock.lock();
    try {
      return closed;
    } finally {
      lock.unlock();
    }
  }

  /** Returns every item, dead letters included, in id order: for tests. */
  List<Entry> entriesForTest() {
    lock.lock();
    try {
      List<Entry> out = new ArrayList<>();
      for (Entry e : state.entries()) {
        out.add(e);
      }
      out.sort(Comparator.comparingLong(Entry::id));
      return out;
    } finally {
      lock.unlock();
    }
  }

  boolean isLeasedForTest(long id) {
    lock.lock();
    try {
      return state.isLeased(id);
    } finally {
      lock.unlock();
    }
  }

  /** Hands a record to the journal and applies it; the caller holds the lock. */
  private CompletableFuture<Void> write(Rec rec) {
    long seq = journal.nextSeq();
    Undo undo = journal.newUndo();
    CompletableFuture<Void> ticket = journal.append(rec, seq, undo);
    state.apply(rec, seq, undo);
    return ticket;
  }

  private void ensureOpen() {
    if (closed) {
      throw new IllegalStateException("offline queue is closed");
    }
  }

  private static void notifyDeadLettered(QueuedItem item, Listeners<OfflineQueueListener> tell) {
    log.warn("Offline queue: item {} (priority {}, key {}, {} attempt(s)) is now a dead letter: {}",
        item.id(), item.priority(), IdempotencyKey.redact(item.idempotencyKey()), item.attempts(), item.lastError());
    tell.fire("onDeadLettered", OfflineQueueListener::onDeadLettered, item);
  }

  private static String reason(RetryDecision d, int attempt) {
    switch (d.reason()) {
      case ATTEMPTS_EXHAUSTED:
        return "attempts exhausted (" + attempt + ")";
      case NOT_RETRYABLE:
        return "not retryable";
      case ABORTED:
        return "aborted by the retry policy";
      default:
        return "retry policy stopped: " + d.reason();
    }
  }

  static String describe(Throwable failure) {
    return truncate(failure.toString());
  }

  static String truncate(String s) {
    return s.length() <= MAX_ERROR_CHARS ? s : s.substring(0, MAX_ERROR_CHARS) + "...";
  }

  static long millis(Instant instant) {
    try {
      return instant.toEpochMilli();
    } catch (ArithmeticException e) {
      return instant.isBefore(Instant.EPOCH) ? Long.MIN_VALUE : Long.MAX_VALUE;
    }
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }

  static String safeToString(QueueEngine q, String name) {
    return q.isClosed() ? name + "[closed]" : name + "[" + q.stats() + "]";
  }
}
