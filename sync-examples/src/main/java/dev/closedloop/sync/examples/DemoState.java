package dev.closedloop.sync.examples;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Deque;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.ReentrantLock;
import org.jspecify.annotations.Nullable;

/**
 * The demo's "database": bookings, leads and sent text messages, and a ledger of every effect
 * applied, counted per endpoint and per idempotency key. A key applied more than once is a
 * duplicate, the one failure the closed loop must never show; {@link #counters()} reports how
 * many there are.
 *
 * <p>State changes take one lock, so a bulk update is applied atomically (all leads or none) and
 * readers never see half of it. The state outlives {@link DemoServer#stop()}, as a database
 * outlives an application node.
 *
 * <p>This class is threadsafe.
 */
final class DemoState {
  /** The endpoints whose effects the ledger counts. */
  enum Endpoint {
    BOOKING_CONFIRM,
    SMS_SEND,
    LEADS_STATUS
  }

  /** Lead statuses a bulk update may set. */
  static final List<String> LEAD_STATUSES = List.of("NEW", "CONTACTED", "QUALIFIED", "WON", "LOST");

  private static final int RECENT_SMS = 20;

  private final ReentrantLock lock = new ReentrantLock();
  private final Map<String, Booking> bookings = new LinkedHashMap<>(); // guarded by lock
  private final Map<String, String> leads = new LinkedHashMap<>(); // guarded by lock
  private final Deque<SmsRecord> recentSms = new ArrayDeque<>(); // guarded by lock
  private final Map<Endpoint, LongAdder> applied = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<String, AtomicInteger> applicationsByKey = new ConcurrentHashMap<>();
  private final AtomicInteger duplicateKeys = new AtomicInteger();

  /** A booking; {@code confirmations} counts the confirmation messages sent to the guest. */
  record Booking(String id, String guest, String status, int confirmations) {}

  /** A booking before and after a confirmation. */
  record BookingChange(Booking before, Booking after) {}

  /** The leads a bulk update changed, with their previous statuses. */
  record LeadsChange(String status, Map<String, String> previous) {}

  /** A text message the gateway accepted. */
  record SmsRecord(String messageId, String to, String text) {}

  /** What the ledger counted so far. */
  record Counters(long bookings, long sms, long leads, long keys, long duplicates) {
    long total() {
      return bookings + sms + leads;
    }
  }

  /**
   * Creates the state with {@code bookingCount} pending bookings ({@code 1001}, {@code 1002}, …)
   * and {@code leadCount} new leads ({@code lead-1}, {@code lead-2}, …).
   */
  DemoState(int bookingCount, int leadCount) {
    for (int i = 1; i <= bookingCount; i++) {
      String id = String.valueOf(1000 + i);
      bookings.put(id, new Booking(id, "Guest " + i, "PENDING", 0));
    }
    for (int i = 1; i <= leadCount; i++) {
      leads.put("lead-" + i, "NEW");
    }
    for (Endpoint e : Endpoint.values()) {
      applied.put(e, new LongAdder());
    }
  }

  /**
   * Confirms a booking and sends its guest a confirmation (counted in {@code confirmations}):
   * the effect that must not happen twice for one click.
   *
   * @return the booking before and after, or null if there is no such booking
   */
  @Nullable BookingChange confirmBooking(String id, String idempotencyKey) {
    lock.lock();
    try {
      Booking before = bookings.get(id);
      if (before == null) {
        return null;
      }
      Booking after = new Booking(id, before.guest(), "CONFIRMED", before.confirmations() + 1);
      bookings.put(id, after);
      count(Endpoint.BOOKING_CONFIRM, idempotencyKey);
      return new BookingChange(before, after);
    } finally {
      lock.unlock();
    }
  }

  /**
   * Sets the status of every lead in {@code ids}, all or none.
   *
   * @return the change, or null (and nothing changed) if an id is unknown
   * @throws IllegalArgumentException if the status is not one of {@link #LEAD_STATUSES}
   */
  @Nullable LeadsChange setLeadStatus(List<String> ids, String status, String idempotencyKey) {
    if (!LEAD_STATUSES.contains(status)) {
      throw new IllegalArgumentException("status must be one of " + String.join(", ", LEAD_STATUSES) + ": " + status);
    }
    lock.lock();
    try {
      for (String id : ids) {
        if (!leads.containsKey(id)) {
          return null;
        }
      }
      Map<String, String> previous = new LinkedHashMap<>();
      for (String id : ids) {
        previous.put(id, leads.put(id, status));
      }
      count(Endpoint.LEADS_STATUS, idempotencyKey);
      return new LeadsChange(status, previous);
    } finally {
      lock.unlock();
    }
  }

  /** Records a text message the gateway accepted. */
  void recordSms(SmsRecord sms, String idempotencyKey) {
    lock.lock();
    try {
      recentSms.addFirst(sms);
      if (recentSms.size() > RECENT_SMS) {
        recentSms.removeLast();
      }
      count(Endpoint.SMS_SEND, idempotencyKey);
    } finally {
      lock.unlock();
    }
  }

  private void count(Endpoint endpoint, String idempotencyKey) {
    Objects.requireNonNull(idempotencyKey, "idempotencyKey cannot be null");
    applied.get(endpoint).increment();
    int n = applicationsByKey.computeIfAbsent(idempotencyKey, k -> new AtomicInteger()).incrementAndGet();
    if (n == 2) {
      duplicateKeys.incrementAndGet();
    }
  }

  /** Returns how many times an effect was applied under {@code idempotencyKey} (a scoped key). */
  int applications(String idempotencyKey) {
    AtomicInteger n = applicationsByKey.get(idempotencyKey);
    return n == null ? 0 : n.get();
  }

  /** Returns the ledger's counts now. */
  Counters counters() {
    return new Counters(
        applied.get(Endpoint.BOOKING_CONFIRM).sum(),
        applied.get(Endpoint.SMS_SEND).sum(),
        applied.get(Endpoint.LEADS_STATUS).sum(),
        applicationsByKey.size(),
        duplicateKeys.get());
  }

  /** Returns a copy of the bookings, in id order. */
  List<Booking> bookings() {
    lock.lock();
    try {
      return new ArrayList<>(bookings.values());
    } finally {
      lock.unlock();
    }
  }

  /** Returns a booking, or null. */
  @Nullable Booking booking(String id) {
    lock.lock();
    try {
      return bookings.get(id);
    } finally {
      lock.unlock();
    }
  }

  /** Returns a copy of the leads' statuses, in id order. */
  Map<String, String> leads() {
    lock.lock();
    try {
      return Collections.unmodifiableMap(new LinkedHashMap<>(leads));
    } finally {
      lock.unlock();
    }
  }

  /** Returns the latest text messages, newest first. */
  List<SmsRecord> recentSms() {
    lock.lock();
    try {
      return new ArrayList<>(recentSms);
    } finally {
      lock.unlock();
    }
  }
}
