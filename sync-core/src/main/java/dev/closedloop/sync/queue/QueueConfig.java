package dev.closedloop.sync.queue;

import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.Clock;
import dev.closedloop.sync.time.Ticker;
import java.util.List;

/** An immutable copy of a builder's settings. */
final class QueueConfig {
  final Clock clock;
  final Ticker ticker;
  final RetryPolicy<?> retryPolicy;
  final int maxPayloadBytes;
  final int maxItems;
  final long maxBytes;
  final Durability durability;
  final long segmentBytes;
  final List<OfflineQueueListener> listeners;
  final ChannelFactory channels;

  QueueConfig(OfflineQueueBuilder b) {
    this.clock = b.clock;
    this.ticker = b.ticker;
    this.retryPolicy = b.retryPolicy;
    this.maxPayloadBytes = b.maxPayloadBytes;
    this.maxItems = b.maxItems;
    this.maxBytes = b.maxBytes;
    this.durability = b.durability;
    this.segmentBytes = b.segmentBytes;
    this.listeners = List.copyOf(b.listeners);
    this.channels = b.channels;
  }
}
