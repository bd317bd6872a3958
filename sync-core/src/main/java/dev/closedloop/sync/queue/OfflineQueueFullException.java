package dev.closedloop.sync.queue;

import dev.closedloop.sync.SyncException;

/**
 * An {@link OfflineQueue} refused an offer because taking it would pass the queue's bound on items
 * ({@link OfflineQueueBuilder#maxItems}) or on bytes ({@link OfflineQueueBuilder#maxBytes}). Nothing
 * was written and nothing already queued was touched: the queue holds exactly what it held before
 * the offer. Items, dead letters included, count until they are acknowledged or discarded, so the
 * way out is to drain the queue (or discard dead letters), not to retry the offer at once.
 *
 * <p>Created without a stack trace: the message says everything (what was full, by how much).
 *
 * <p>This class is immutable and threadsafe.
 */
public final class OfflineQueueFullException extends SyncException {
  private static final long serialVersionUID = 1L;

  private final int items;
  private final long bytes;
  private final int maxItems;
  private final long maxBytes;
  private final long offerBytes;

  OfflineQueueFullException(int items, long bytes, int maxItems, long maxBytes, long offerBytes, boolean byItems) {
    super(message(items, bytes, maxItems, maxBytes, offerBytes, byItems), null, false);
    this.items = items;
    this.bytes = bytes;
    this.maxItems = maxItems;
    this.maxBytes = maxBytes;
    this.offerBytes = offerBytes;
  }

  private static String message(int items, long bytes, int maxItems, long maxBytes, long offerBytes,
      boolean byItems) {
    String which = byItems ? "its maximum of " + maxItems + " items" : "its maximum of " + maxBytes + " bytes";
    return "offline queue is full (" + items + " of " + maxItems + " items, " + bytes + " of " + maxBytes
        + " bytes): an item of " + offerBytes + " bytes would pass " + which + "; the offer was refused and nothing"
        + " was written. Drain the queue or discard dead letters to make room.";
  }

  /** Returns how many items (waiting, in flight and dead) the queue held when it refused. */
  public int items() {
    return items;
  }

  /** Returns how many bytes of records the queue held when it refused. */
  public long bytes() {
    return bytes;
  }

  /** Returns the queue's bound on items. */
  public int maxItems() {
    return maxItems;
  }

  /** Returns the queue's bound on bytes. */
  public long maxBytes() {
    return maxBytes;
  }

  /** Returns the size of the refused item's record, in bytes, as the byte bound counts it. */
  public long offerBytes() {
    return offerBytes;
  }
}
