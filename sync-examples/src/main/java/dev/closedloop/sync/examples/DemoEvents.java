package dev.closedloop.sync.examples;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.RealtimeBus;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Publishes the demo's change events. A failed publish is logged and swallowed: the effect it
 * reports has been applied, so failing the request would release the idempotency claim and let
 * a retry apply the effect a second time. Clients that missed the event catch up by refetching
 * state after a {@code reset}. (An outbox table, as {@code PostgresRealtimeBus} keeps, makes the
 * event as durable as the effect.)
 *
 * <p>This class is threadsafe.
 */
final class DemoEvents {
  static final String BOOKINGS = "bookings";
  static final String SMS = "sms";
  static final String LEADS = "leads";

  private static final Logger log = LoggerFactory.getLogger(DemoEvents.class);

  private final RealtimeBus bus;

  DemoEvents(RealtimeBus bus) {
    this.bus = bus;
  }

  /** Publishes {@code draft}; returns its position, or -1 if the bus refused it. */
  long publish(ChangeDraft draft) {
    try {
      return bus.publish(draft);
    } catch (RuntimeException e) {
      log.warn("change event {} not published; clients will refetch state", draft, e);
      return -1;
    }
  }
}
