package dev.closedloop.sync.queue;

/**
 * An item as the queue holds it: the item, whether it is a dead letter, the size of its record on
 * disk (for the compaction estimate) and the sequence number of the record that last changed it
 * (for visibility: an item is handed out only once that record is committed).
 */
record Entry(QueuedItem item, boolean dead, int bytes, long seq) {
  long id() {
    return item.id();
  }
}
