package dev.closedloop.sync.queue;

import org.jspecify.annotations.Nullable;

/**
 * A change to the queue, as written to the journal and replayed on open. Every record sets
 * absolute values (never "add one"), so replaying a record on a state that already includes it
 * changes nothing: that is what lets a compaction snapshot and later records coexist.
 */
sealed interface Rec permits Rec.Put, Rec.Ack, Rec.Nack, Rec.Dead, Rec.Requeue, Rec.Clear, Rec.Snapshot {

  /** An item, new or in full (compaction); {@code replaces} (0 = none) is removed first. */
  record Put(QueuedItem item, boolean dead, long replaces) implements Rec {}

  /** An item removed: acknowledged, or a dead letter discarded. */
  record Ack(long id) implements Rec {}

  /** A failed attempt: new attempt count, not-before and last error. */
  record Nack(long id, int attempts, long notBeforeMillis, @Nullable String error) implements Rec {}

  /** An item dead-lettered, with its attempt count and reason. */
  record Dead(long id, int attempts, String reason) implements Rec {}

  /** A dead letter back in the queue: attempts reset, due at {@code notBeforeMillis}. */
  record Requeue(long id, long notBeforeMillis) implements Rec {}

  /** Every item removed. */
  record Clear() implements Rec {}

  /** The first record of a snapshot file: it replaces segments up to {@code baseSegment}. */
  record Snapshot(long baseSegment, long nextId, long nextSeq, int count) implements Rec {}
}
