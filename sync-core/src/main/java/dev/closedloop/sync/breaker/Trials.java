package dev.closedloop.sync.breaker;

import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReferenceArray;

/**
 * The trial leases of one HALF_OPEN episode: exactly {@code n} slots, each free, leased (with a
 * deadline) or succeeded.
 *
 * <p>Concurrency: each slot holds an immutable {@link Lease}, replaced by CAS, so at most one
 * caller wins a free or expired slot and at most {@code n} leases are live at once. A lease
 * carries a sequence number that grows each time its slot is leased again; the permit holds the
 * slot and that number, so a result for a lease that was reclaimed (its probe timeout passed and
 * another caller took the slot) or released finds a different lease in the slot and counts
 * nowhere. A slot that succeeded stays succeeded; when all {@code n} have, the episode is over.
 *
 * <p>Not part of the API. This class is threadsafe.
 */
final class Trials {
  static final int FREE = 0;
  static final int LEASED = 1;
  static final int SUCCEEDED = 2;
  static final int FAILED = 3;

  /** Bits of the lease sequence kept in a permit. */
  static final int SEQ_BITS = 12;
  static final int SEQ_MASK = (1 << SEQ_BITS) - 1;

  /** A slot's state. Immutable. */
  record Lease(int seq, int status, long deadline) {}

  /** Result of {@link #acquire}: the slot and sequence won, or the nanos until one may free. */
  static final long NONE = -1;

  private static final Lease INITIAL = new Lease(0, FREE, 0);

  private final AtomicReferenceArray<Lease> slots;
  private final AtomicInteger succeeded = new AtomicInteger();
  private final int n;

  Trials(int n) {
    this.n = n;
    this.slots = new AtomicReferenceArray<>(n);
    for (int i = 0; i < n; i++) {
      slots.set(i, INITIAL);
    }
  }

  int size() {
    return n;
  }

  int succeeded() {
    return succeeded.get();
  }

  /**
   * Tries to lease a slot at {@code now} for {@code probeTimeout} nanos. Returns {@code (slot <<
   * SEQ_BITS) | seq}, with bit 62 set if the slot was reclaimed from an expired lease; or {@code
   * -1 - untilFree} (a negative number) if every slot is leased or succeeded, where {@code
   * untilFree} is the nanos until the earliest lease expires ({@code Long.MAX_VALUE - 1} if none
   * will).
   */
  long acquire(long now, long probeTimeout) {
    long deadline = saturatedAdd(now, probeTimeout);
    long untilFree = Long.MAX_VALUE - 1;
    for (int i = 0; i < n; i++) {
      while (true) {
        Lease lease = slots.get(i);
        boolean expired = lease.status() == LEASED && now - lease.deadline() >= 0;
        if (lease.status() == FREE || expired) {
          int seq = (lease.seq() + 1) & SEQ_MASK;
          if (slots.compareAndSet(i, lease, new Lease(seq, LEASED, deadline))) {
            return ((long) i << SEQ_BITS) | seq | (expired ? RECLAIMED : 0);
          }
          continue; // lost the race for this slot; look at it again
        }
        if (lease.status() == LEASED) {
          untilFree = Math.min(untilFree, lease.deadline() - now);
        }
        break;
      }
    }
    return -1 - untilFree;
  }

  /** Flag in {@link #acquire}'s result: the slot was reclaimed from a leaked lease. */
  static final long RECLAIMED = 1L << 62;

  /**
   * Ends the lease {@code (slot, seq)} with {@code status} ({@link #FREE} or {@link
   * #SUCCEEDED}). Returns false if that lease is no longer in its slot (reclaimed, released or
   * already reported).
   */
  boolean end(int slot, int seq, int status) {
    if (slot < 0 || slot >= n) {
      return false;
    }
    while (true) {
      Lease lease = slots.get(slot);
      if (lease.status() != LEASED || lease.seq() != seq) {
        return false;
      }
      if (slots.compareAndSet(slot, lease, new Lease(seq, status, 0))) {
        if (status == SUCCEEDED) {
          succeeded.incrementAndGet();
        }
        return true;
      }
    }
  }

  /** Returns true if the lease {@code (slot, seq)} is the one in its slot and still leased. */
  boolean holds(int slot, int seq) {
    if (slot < 0 || slot >= n) {
      return false;
    }
    Lease lease = slots.get(slot);
    return lease.status() == LEASED && lease.seq() == seq;
  }

  private static long saturatedAdd(long a, long b) {
    long r = a + b;
    return ((a ^ r) & (b ^ r)) < 0 ? Long.MAX_VALUE : r;
  }
}
