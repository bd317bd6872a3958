package dev.closedloop.sync.idempotency;

import dev.closedloop.sync.idempotency.spi.StoreArguments;
import dev.closedloop.sync.time.Clock;
import java.time.Duration;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;

/**
 * The embedded {@link IdempotencyStore}: entries in a concurrent map, bounded by entry count and
 * by bytes, expiring by an injected wall {@link Clock} (wall, because the times it keeps are the
 * kind a store persists; the same code runs against a {@link dev.closedloop.sync.time.ManualTicker}
 * in tests).
 *
 * <pre>{@code
 * IdempotencyStore store = InMemoryIdempotencyStore.builder()
 *     .maxEntries(50_000)
 *     .maxBytes(128L << 20)
 *     .build();
 * }</pre>
 *
 * <p><b>Bounds.</b> A new claim, or a completion that grows an entry, first reserves its entry
 * and bytes; if that passes a bound, completed entries are evicted oldest-completed first until
 * it fits. Claims in progress are never evicted: evicting one would let its request run twice.
 * If the bounds are taken by claims in progress, the claim fails with {@link
 * IdempotencyStoreFullException}; a completion that cannot fit is kept as {@linkplain
 * StoredResponse#notReplayable(int) not replayable} (it needs no extra bytes), so a completed
 * effect is never forgotten early because of memory. Responses larger than {@link
 * #maxResponseBytes()} are kept as not replayable too.
 *
 * <p><b>Expiry.</b> An entry is dead once its retention (completed), its lease (in progress,
 * {@link ExpiredLeasePolicy#RE_EXECUTE}) or its abandoned-claim retention (in progress, {@link
 * ExpiredLeasePolicy#CONFLICT_UNTIL_EXPIRY}) has passed. Dead entries answer as if absent, are
 * replaced when their key is claimed, and are removed by a sweep that one operation runs at most
 * once per sweep interval, and before a claim is refused as full. Under {@code RE_EXECUTE} an
 * owner whose lease expired may still complete as long as nobody took the key over and no sweep
 * removed it.
 *
 * <p>Concurrency: each key's transitions run inside {@link ConcurrentHashMap#compute}, so they
 * are atomic per key with no global lock; entries are immutable and replaced whole, so complete
 * and release are compare-and-set on the entry instance (which carries the token). Reads of a
 * live entry (replays, conflicts, mismatches) take no lock at all. Entry and byte totals are
 * atomics, reserved before an entry is admitted and returned exactly once by whichever operation
 * removes or replaces it, so the totals never pass the bounds; two reservations racing near a
 * bound may both evict, or one may be refused while the other's eviction was still in flight,
 * which errs on the safe side. The eviction queue may hold nodes of entries already gone; they
 * are skipped, and the sweep drops them.
 *
 * <p>This class is threadsafe.
 */
public final class InMemoryIdempotencyStore implements IdempotencyStore {
  /** Bytes counted for an entry besides its key, fingerprint, token and response. */
  static final long ENTRY_OVERHEAD = 96;

  private final Clock clock;
  private final ExpiredLeasePolicy policy;
  private final int maxEntries;
  private final long maxBytes;
  private final long maxResponseBytes;
  private final long abandonedRetentionMillis;
  private final long sweepIntervalMillis;

  private final ConcurrentHashMap<String, Entry> entries = new ConcurrentHashMap<>();
  private final ConcurrentLinkedQueue<Completion> completedOrder = new ConcurrentLinkedQueue<>();
  private final AtomicInteger entryCount = new AtomicInteger();
  private final AtomicLong byteCount = new AtomicLong();
  private final AtomicLong tokenSequence = new AtomicLong();
  private final AtomicLong nextSweepAt;
  private final AtomicBoolean sweeping = new AtomicBoolean();

  private final IdempotencyStoreCounters counters = new IdempotencyStoreCounters();

  InMemoryIdempotencyStore(InMemoryIdempotencyStoreBuilder b) {
    this.clock = b.clock;
    this.policy = b.expiredLeasePolicy;
    this.maxEntries = b.maxEntries;
    this.maxBytes = b.maxBytes;
    this.maxResponseBytes = b.maxResponseBytesSet ? b.maxResponseBytes : Math.min(b.maxResponseBytes, b.maxBytes);
    this.abandonedRetentionMillis = StoreArguments.ceilMillis(b.abandonedRetention);
    this.sweepIntervalMillis = StoreArguments.ceilMillis(b.sweepInterval);
    this.nextSweepAt = new AtomicLong(clock.millis() + sweepIntervalMillis);
  }

  /** Returns a builder: system clock, re-execute, 100,000 entries, 64 MiB, 1 MiB per response. */
  public static InMemoryIdempotencyStoreBuilder builder() {
    return new InMemoryIdempotencyStoreBuilder();
  }

  /** Returns a store with the builder's defaults. */
  public static InMemoryIdempotencyStore ofDefaults() {
    return builder().build();
  }

  @Override
  public ClaimResult claim(IdempotencyKey key, String fingerprint, Duration lease) {
    long leaseMillis = StoreArguments.claim(key, fingerprint, lease);
    String k = key.storageKey();
    long now = clock.millis();
    maybeSweep(now);

    Entry current = entries.get(k);
    if (current != null && current.isLive(now)) {
      return counters.claimed(current.answer(fingerprint, now));
    }
    String token = Long.toString(tokenSequence.incrementAndGet(), 36);
    Entry fresh = Entry.inProgress(k, fingerprint, token, now, leaseMillis, policy, abandonedRetentionMillis);
    reserve(1, fresh.bytes, now);
    ClaimResult[] outcome = new ClaimResult[1];
    entries.compute(k, (unused, e) -> {
      if (e != null && e.isLive(now)) {
        outcome[0] = e.answer(fingerprint, now);
        return e;
      }
      if (e != null) {
        forget(e);
        if (e.response == null) {
          counters.takeover();
        } else {
          counters.expired();
        }
      }
      outcome[0] = new ClaimResult.Claimed(token);
      return fresh;
    });
    if (!(outcome[0] instanceof ClaimResult.Claimed)) {
      unreserve(1, fresh.bytes);
    }
    return counters.claimed(outcome[0]);
  }

  @Override
  public boolean complete(IdempotencyKey key, String token, StoredResponse response, Duration retention) {
    long retentionMillis = StoreArguments.complete(key, token, response, retention);
    String k = key.storageKey();
    long now = clock.millis();
    maybeSweep(now);

    Entry owned = entries.get(k);
    if (owned == null || owned.response != null || !owned.token.equals(token)) {
      counters.staleOwner();
      return false;
    }
    StoredResponse kept = response;
    if (kept.isReplayable() && kept.size() > maxResponseBytes) {
      kept = StoredResponse.notReplayable(response.status());
    }
    Entry full = owned.completed(kept, now, retentionMillis);
    long growth = full.bytes - owned.bytes;
    if (growth > 0 && !tryReserveBytes(growth, now)) {
      kept = StoredResponse.notReplayable(response.status());
      full = owned.completed(kept, now, retentionMillis);
      growth = full.bytes - owned.bytes; // not replayable adds nothing beyond the in-progress entry
    }
    Entry done = full;
    StoredResponse keptResponse = kept;
    Entry[] swapped = new Entry[1];
    entries.computeIfPresent(k, (unused, e) -> {
      // the same claim, possibly renewed since it was read: same token, same bytes
      if (e.response != null || !e.token.equals(token) || e.bytes != owned.bytes) {
        return e;
      }
      swapped[0] = e == owned ? done : e.completed(keptResponse, now, retentionMillis);
      return swapped[0];
    });
    Entry replacement = swapped[0];
    if (replacement == null) {
      if (growth > 0) {
        byteCount.addAndGet(-growth);
      }
      counters.staleOwner();
      return false;
    }
    if (growth < 0) {
      byteCount.addAndGet(growth);
    }
    completedOrder.add(new Completion(k, replacement));
    counters.completed(kept);
    return true;
  }

  @Override
  public boolean release(IdempotencyKey key, String token) {
    StoreArguments.release(key, token);
    boolean[] released = new boolean[1];
    entries.computeIfPresent(key.storageKey(), (unused, e) -> {
      if (e.response != null || !e.token.equals(token)) {
        return e;
      }
      forget(e);
      released[0] = true;
      return null;
    });
    if (released[0]) {
      counters.released();
    } else {
      counters.staleOwner();
    }
    return released[0];
  }

  @Override
  public boolean renew(IdempotencyKey key, String token, Duration lease) {
    long leaseMillis = StoreArguments.renew(key, token, lease);
    long now = clock.millis();
    boolean[] renewed = new boolean[1];
    entries.computeIfPresent(key.storageKey(), (unused, e) -> {
      if (e.response != null || !e.token.equals(token)) {
        return e;
      }
      renewed[0] = true;
      return e.renewed(now, leaseMillis, policy);
    });
    if (renewed[0]) {
      counters.renewed();
    } else {
      counters.staleOwner();
    }
    return renewed[0];
  }

  @Override
  public long maxResponseBytes() {
    return maxResponseBytes;
  }

  /** Returns the policy for claims whose lease expired. */
  public ExpiredLeasePolicy expiredLeasePolicy() {
    return policy;
  }

  /** Returns a snapshot of the counters. */
  @Override
  public IdempotencyStoreStats stats() {
    return counters.snapshot(entryCount.get(), byteCount.get());
  }

  /**
   * Removes every dead entry now, whatever the sweep interval.
   *
   * @return how many entries were removed
   */
  public int sweep() {
    return sweepNow(clock.millis());
  }

  /**
   * Forgets every entry, claims in progress included, as if the store were new; the cumulative
   * counters of {@link #stats()} stay. For tests that share one store between cases. An owner
   * whose claim was forgotten learns it as after a takeover: its {@code complete}, {@code
   * release} and {@code renew} return false.
   *
   * @return how many entries were removed
   */
  public int clear() {
    int removed = 0;
    for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<String, Entry> me = it.next();
      if (entries.remove(me.getKey(), me.getValue())) {
        forget(me.getValue());
        removed++;
      }
    }
    completedOrder.removeIf(c -> entries.get(c.key) != c.entry); // keeps what completed meanwhile
    return removed;
  }

  @Override
  public String toString() {
    return "InMemoryIdempotencyStore[" + entryCount.get() + "/" + maxEntries + " entries, "
        + byteCount.get() + "/" + maxBytes + " bytes, " + policy + "]";
  }

  // ---- accounting ---------------------------------------------------------------------------

  /** Reserves room for one more entry of {@code bytes}, evicting completed entries if needed. */
  private void reserve(int newEntries, long bytes, long now) {
    if (entryCount.addAndGet(newEntries) > maxEntries && !evictUntil(() -> entryCount.get() <= maxEntries, now)) {
      entryCount.addAndGet(-newEntries);
      throw full("all " + maxEntries + " entries");
    }
    if (!tryReserveBytes(bytes, now)) {
      entryCount.addAndGet(-newEntries);
      throw full("its " + maxBytes + " bytes");
    }
  }

  private boolean tryReserveBytes(long bytes, long now) {
    if (byteCount.addAndGet(bytes) > maxBytes && !evictUntil(() -> byteCount.get() <= maxBytes, now)) {
      byteCount.addAndGet(-bytes);
      return false;
    }
    return true;
  }

  private void unreserve(int newEntries, long bytes) {
    entryCount.addAndGet(-newEntries);
    byteCount.addAndGet(-bytes);
  }

  private IdempotencyStoreFullException full(String what) {
    counters.rejectedFull();
    return new IdempotencyStoreFullException(
        "idempotency store is full: claims in progress hold " + what + " ("
            + entryCount.get() + " entries, " + byteCount.get() + " bytes); raise maxEntries/maxBytes"
            + " or shorten the lease",
        entryCount.get(), byteCount.get());
  }

  /** Evicts completed entries oldest first, then sweeps once, until {@code fits} holds. */
  private boolean evictUntil(BooleanSupplier fits, long now) {
    while (!fits.getAsBoolean()) {
      Completion c = completedOrder.poll();
      if (c == null) {
        sweepNow(now);
        return fits.getAsBoolean();
      }
      if (entries.remove(c.key, c.entry)) {
        forget(c.entry);
        counters.evicted();
      }
    }
    return true;
  }

  /** Returns an entry's share of the totals; called exactly once per removed or replaced entry. */
  private void forget(Entry e) {
    entryCount.decrementAndGet();
    byteCount.addAndGet(-e.bytes);
  }

  private void maybeSweep(long now) {
    long due = nextSweepAt.get();
    if (now - due >= 0 && nextSweepAt.compareAndSet(due, now + sweepIntervalMillis)) {
      sweepNow(now);
    }
  }

  private int sweepNow(long now) {
    if (!sweeping.compareAndSet(false, true)) {
      return 0;
    }
    try {
      int removed = 0;
      for (Iterator<Map.Entry<String, Entry>> it = entries.entrySet().iterator(); it.hasNext(); ) {
        Map.Entry<String, Entry> me = it.next();
        Entry e = me.getValue();
        if (!e.isLive(now) && entries.remove(me.getKey(), e)) {
          forget(e);
          counters.expired();
          removed++;
        }
      }
      completedOrder.removeIf(c -> entries.get(c.key) != c.entry);
      return removed;
    } finally {
      sweeping.set(false);
    }
  }

  // ---- entries ------------------------------------------------------------------------------

  /** An immutable entry; a state change replaces it, so its identity is the compare-and-set. */
  static final class Entry {
    private static final ClaimResult MISMATCH = new ClaimResult.Mismatch();

    final String fingerprint;
    final String token;
    final long leaseUntil;
    /** When the entry is dead: retention end, lease end (re-execute) or abandoned-claim end. */
    final long deadAt;
    final @Nullable StoredResponse response;
    final ClaimResult.@Nullable Completed completed;
    final long bytes;
    private final long baseBytes;

    private Entry(String fingerprint, String token, long leaseUntil, long deadAt,
        @Nullable StoredResponse response, long baseBytes) {
      this.fingerprint = fingerprint;
      this.token = token;
      this.leaseUntil = leaseUntil;
      this.deadAt = deadAt;
      this.response = response;
      this.completed = response == null ? null : new ClaimResult.Completed(response);
      this.baseBytes = baseBytes;
      this.bytes = baseBytes + (response == null || !response.isReplayable() ? 0 : response.size());
    }

    static Entry inProgress(String key, String fingerprint, String token, long now, long leaseMillis,
        ExpiredLeasePolicy policy, long abandonedRetentionMillis) {
      long leaseUntil = saturatedAdd(now, leaseMillis);
      long deadAt = policy == ExpiredLeasePolicy.RE_EXECUTE
          ? leaseUntil
          : Math.max(leaseUntil, saturatedAdd(now, abandonedRetentionMillis));
      long base = ENTRY_OVERHEAD + 2L * (key.length() + fingerprint.length() + token.length());
      return new Entry(fingerprint, token, leaseUntil, deadAt, null, base);
    }

    /** The same claim leased until {@code now + leaseMillis}; same bytes, so no accounting. */
    Entry renewed(long now, long leaseMillis, ExpiredLeasePolicy policy) {
      long until = saturatedAdd(now, leaseMillis);
      long dead = policy == ExpiredLeasePolicy.RE_EXECUTE ? until : Math.max(until, deadAt);
      return new Entry(fingerprint, token, until, dead, null, baseBytes);
    }

    Entry completed(StoredResponse r, long now, long retentionMillis) {
      return new Entry(fingerprint, token, leaseUntil, saturatedAdd(now, retentionMillis), r, baseBytes);
    }

    boolean isLive(long now) {
      return now - deadAt < 0;
    }

    /** The answer to a claim of this live entry. */
    ClaimResult answer(String claimFingerprint, long now) {
      if (!fingerprint.equals(claimFingerprint)) {
        return MISMATCH;
      }
      if (completed != null) {
        return completed;
      }
      long until = now - leaseUntil < 0 ? leaseUntil : deadAt;
      return new ClaimResult.InProgress(Duration.ofMillis(Math.max(1, until - now)));
    }

    private static long saturatedAdd(long a, long b) {
      long r = a + b;
      return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
    }
  }

  /** A node of the eviction queue: the entry that was completed under a key. */
  private static final class Completion {
    final String key;
    final Entry entry;

    Completion(String key, Entry entry) {
      this.key = key;
      this.entry = entry;
    }
  }
}
