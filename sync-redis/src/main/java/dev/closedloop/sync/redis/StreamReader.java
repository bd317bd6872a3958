package dev.closedloop.sync.redis;

import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.spi.ServerBusCore;
import dev.closedloop.sync.retry.Backoff;
import io.lettuce.core.Range;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Redis bus's reader: takes what the Pub/Sub listener puts in its {@link Inbox} (a live
 * event, or "a channel subscription was confirmed: catch this topic up") and hands events to the
 * {@link ServerBusCore}. A catch-up reads the stream after the node's position with the replay
 * script on the reader's own connection; one that fails is queued again after the {@link
 * Backoff}'s delay on the scheduler. {@link RedisRealtimeBus} documents the whole.
 *
 * <p>This class is not threadsafe: {@link #run} runs on the core's reader thread, and {@link
 * #deliverRest} on the closing thread once that thread ended.
 */
final class StreamReader implements Runnable {
  // the bus's logger, so that operators configure one name for every part of the bus
  private static final Logger log = LoggerFactory.getLogger(RedisRealtimeBus.class);
  private static final Object STOP = new Object();

  /** An event heard on a channel. */
  private record Live(String topic, String message) {}

  /** Catch {@code topic} up from its stream. */
  private record CatchUp(String topic) {}

  /**
   * The reader's queue, fed by Lettuce's Pub/Sub thread; made before the connections it listens
   * on. Threadsafe.
   */
  static final class Inbox extends RedisPubSubAdapter<String, String> {
    private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
    private final Function<String, String> topicOf;

    /** {@code topicOf} gives the topic of a channel. */
    Inbox(Function<String, String> topicOf) {
      this.topicOf = topicOf;
    }

    @Override
    public void message(String channel, String message) {
      queue.add(new Live(topicOf.apply(channel), message));
    }

    @Override
    public void subscribed(String channel, long count) {
      queue.add(new CatchUp(topicOf.apply(channel)));
    }

    /** Makes the reader end once it has handled what is queued before. */
    void stop() {
      queue.add(STOP);
    }
  }

  private final Inbox inbox;
  private final RedisRealtimeBus bus;
  private final BusConnections connections;
  private final ServerBusCore core;
  /** The spacing of failed catch-ups; reader thread only. */
  private final Backoff backoff;

  StreamReader(Inbox inbox, RedisRealtimeBus bus, BusConnections connections, ServerBusCore core, Backoff backoff) {
    this.inbox = inbox;
    this.bus = bus;
    this.connections = connections;
    this.core = core;
    this.backoff = backoff;
  }

  /** Makes the reader end once it has handled what is queued before. */
  void stop() {
    inbox.stop();
  }

  @Override
  public void run() {
    while (true) {
      Object item;
      try {
        item = inbox.queue.take();
      } catch (InterruptedException e) {
        return; // only close interrupts, after STOP was not seen in time
      }
      if (item == STOP) {
        return;
      }
      try {
        if (item instanceof Live live) {
          int newline = live.message().indexOf('\n');
          if (newline > 0) {
            dispatch(live.topic(), live.message().substring(0, newline), live.message().substring(newline + 1));
          }
        } else if (item instanceof CatchUp c) {
          catchUp(c);
        }
      } catch (RuntimeException e) {
        log.error("Redis realtime bus reader failed on {}", item, e);
      }
    }
  }

  /** Reads the stream after the node's position and dispatches it; on failure, tries again later. */
  private void catchUp(CatchUp c) {
    OptionalLong from = core.node().position(c.topic());
    if (from.isEmpty() || core.isClosed()) {
      return;
    }
    String topic = c.topic();
    List<Object> answer;
    try {
      answer = BusScripts.REPLAY.run(connections.reader.scripts(), ScriptOutputType.MULTI,
          new String[] {bus.streamKey(topic), bus.metaKey(topic)}, StreamEntries.id(from.getAsLong()));
      backoff.reset();
    } catch (RedisException e) {
      connections.failed();
      long delay = backoff.nextDelayNanos();
      log.warn("Redis realtime bus could not catch up {} ({} failures in a row); again in {} ms: {}",
          bus.streamKey(topic), backoff.failures(), TimeUnit.NANOSECONDS.toMillis(delay), e.toString());
      core.scheduler().schedule(() -> inbox.queue.add(c), delay);
      return;
    }
    List<ChangeEvent> events = new ArrayList<>();
    long through = from.getAsLong();
    for (Object entry : (List<?>) answer.get(2)) {
      List<?> e = (List<?>) entry;
      String id = (String) e.get(0);
      through = StreamEntries.position(id);
      ChangeEvent event = decodeOrSkip(topic, id, BusScripts.payloadOf((List<?>) e.get(1)));
      if (event != null) {
        events.add(event);
      }
    }
    core.catchUp(topic, events, through, StreamEntries.position((String) answer.get(1)));
  }

  /** Hands one live entry to the core, unless it is not followed or was dispatched already. */
  private void dispatch(String topic, String id, String payload) {
    OptionalLong at = core.node().position(topic);
    if (at.isEmpty() || StreamEntries.position(id) <= at.getAsLong()) {
      return; // cheap skip before decoding
    }
    ChangeEvent event = decodeOrSkip(topic, id, payload);
    if (event != null) {
      core.dispatch(event);
    }
  }

  /** Delivers what was published before the close and not dispatched yet. */
  void deliverRest() {
    for (String topic : core.node().followed()) {
      OptionalLong from = core.node().position(topic);
      if (from.isEmpty()) {
        continue;
      }
      try {
        List<StreamMessage<String, String>> rest = connections.commands.streams().xrange(bus.streamKey(topic),
            Range.from(Range.Boundary.excluding(StreamEntries.id(from.getAsLong())), Range.Boundary.unbounded()));
        List<ChangeEvent> events = new ArrayList<>();
        long through = from.getAsLong();
        for (StreamMessage<String, String> m : rest) {
          through = StreamEntries.position(m.getId());
          ChangeEvent e = decodeOrSkip(topic, m.getId(), String.valueOf(m.getBody().get(BusScripts.FIELD)));
          if (e != null) {
            events.add(e);
          }
        }
        core.catchUp(topic, events, through, 0);
      } catch (RuntimeException e) {
        log.warn("Redis realtime bus could not deliver the rest of {} on close: {}", bus.streamKey(topic), e.toString());
      }
    }
  }

  private @Nullable ChangeEvent decodeOrSkip(String topic, String id, String payload) {
    try {
      return StreamEntries.event(topic, id, payload);
    } catch (IllegalArgumentException bad) {
      log.error("Redis realtime bus skips an entry it cannot read in {}: {}", bus.streamKey(topic), bad.getMessage());
      return null;
    }
  }
}
