package dev.closedloop.sync.queue;

/**
 * What {@link OfflineQueue#offer(Offer)} does when an item with the same idempotency key is
 * already waiting or in flight. Dead letters never collapse: a new offer with a dead letter's key
 * is queued as a new item.
 *
 * <p>This enum is immutable and threadsafe.
 */
public enum Collapse {
  /** Always queue a new item (the default). */
  NONE,
  /**
   * Keep the item already queued and return it; the new payload is dropped. An item in flight
   * counts as queued.
   */
  KEEP,
  /**
   * Replace the newest waiting item with that key by the new one, in one atomic step: the old
   * item disappears and the new one (a new id, attempts reset) joins the tail of its lane. An
   * item already in flight cannot be recalled; if every item with the key is in flight, the new
   * one is queued behind it.
   */
  REPLACE
}
