package dev.closedloop.sync.redis;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.ChangeType;
import dev.closedloop.sync.realtime.CloseReason;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.spi.ServerLogFanout;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.realtime.RealtimeBusUnavailableException;
import dev.closedloop.sync.realtime.RealtimeListener;
import dev.closedloop.sync.realtime.Replay;
import dev.closedloop.sync.realtime.Subscription;
import dev.closedloop.sync.realtime.Topics;
import dev.closedloop.sync.realtime.spi.ServerBusCore;
import dev.closedloop.sync.retry.Backoff;
import dev.closedloop.sync.retry.RetryPolicy;
import dev.closedloop.sync.time.Scheduler;
import io.lettuce.core.Limit;
import io.lettuce.core.Range;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.StreamMessage;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.pubsub.api.sync.RedisPubSubCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A {@link RealtimeBus} on Redis Streams, shared by every node of a deployment: an event
 * published on one node reaches the subscribers of every node, and a client that reconnects to
 * another node resumes from its cursor there.
 *
 * <pre>{@code
 * RedisRealtimeBus bus = RedisRealtimeBus.builder().uri("redis://redis.internal:6379").build();
 * long position = bus.publish(ChangeDraft.update("bookings", "42", "{\"seats\":3}", null));
 * }</pre>
 *
 * <h2>Layout</h2>
 *
 * For a topic {@code t} and the key prefix {@code P} (default {@value
 * RedisRealtimeBusBuilder#DEFAULT_KEY_PREFIX}), three keys whose hash tag is the topic, so they
 * share one Redis Cluster slot (the publish script touches all three) while topics spread over
 * the cluster:
 *
 * <ul>
 *   <li>{@code P{t}}: the stream, one entry per event with one field {@code e} (the payload
 *       {@code StreamEntries} documents). The entry id {@code ms-seq} is the position {@code (ms
 *       << 20) | seq} (see the {@code sync-realtime} package documentation; at most 2<sup>20</sup>
 *       entries per Redis millisecond) and {@code ms} the event's time, both from Redis's clock.
 *   <li>{@code P{t}:latest}: a hash, entity key to {@code "<id> <payload>"} of its last {@code
 *       INSERT} or {@code UPDATE}; a {@code DELETE} removes the field. It holds one field per live
 *       entity of the topic and is not trimmed, so {@link #latest} answers for entities older
 *       than the replay log. Topics whose keys never repeat should not rely on it.
 *   <li>{@code P{t}:meta}: a hash whose field {@code trimmed} is the id of the newest entry
 *       trimmed from the stream, so a position the log no longer reaches is told apart from one
 *       it does (Redis 7.0 does not record trimmed ids itself).
 *   <li>The Pub/Sub channel {@code P{t}} (the stream key's name): each event is published there
 *       as {@code "<id>\n<payload>"} by the same script that appends it, so live delivery does
 *       not depend on how much the stream retains.
 * </ul>
 *
 * Topics hold no braces ({@code [A-Za-z0-9._-]}), so the tag is exactly the topic, as long as
 * the prefix holds no braces of its own (a prefix with a hash tag would put every topic in the
 * prefix's slot: still correct, but on one node).
 *
 * <h2>Publishing and trimming</h2>
 *
 * {@link #publish} is one Lua script: {@code XADD}, the latest-state hash, and trimming. The
 * stream is trimmed exactly, in batches: once it holds {@code max + max/10} entries (at least
 * {@code max + 1}) it is cut to {@code max} and the id of the newest removed entry is recorded.
 * Approximate trimming ({@code MAXLEN ~}) is not used because it removes whole internal nodes (up
 * to 100 entries) without saying which, which would turn precise resets into guesses; batching
 * keeps the cost per publish constant all the same.
 *
 * <h2>Reading</h2>
 *
 * The stream is the truth; Pub/Sub is the fast path. Each bus subscribes (on its own Pub/Sub
 * connection) to the channels of the topics this node has subscribers for, and one reader thread
 * hands each event to this node's subscriptions through a {@link ServerLogFanout} (bounded queue
 * per subscription, listeners isolated), remembering per topic the last position it dispatched
 * and skipping anything at or before it. Whenever a channel subscription is confirmed (the first
 * time, and again after Lettuce reconnected and resubscribed) the reader catches up from the
 * stream ({@code XRANGE} after its position): events published while the node was not listening
 * are delivered, in order, once. A catch-up that fails is retried after {@link
 * RetryPolicy#delayNanos} ({@link dev.closedloop.sync.retry.Backoff}) on the {@link Scheduler}. If the stream was trimmed past the reader's
 * position meanwhile (the node was away for longer than the replay capacity lasts), the topic's
 * subscriptions end with {@link CloseReason#FAILED}: their clients resume from their cursor and
 * get a reset instead of a silent gap.
 *
 * <p>A subscription made while the node already reads its topic starts at the later of the
 * topic's head and the reader's position; a resumed one replays from the stream up to where the
 * reader is, then continues live.
 *
 * <h2>Redis Cluster</h2>
 *
 * Built with {@link RedisRealtimeBusBuilder#clusterUris} or {@link
 * RedisRealtimeBusBuilder#clusterClient}, the bus routes each topic's commands to the master of
 * its slot and listens for live events on one node (Pub/Sub messages are broadcast to every node
 * of a cluster). When a master dies, publishing to its topics fails with {@link
 * RealtimeBusUnavailableException} until its replica has taken over (a few seconds). Events
 * that the dead master had acknowledged but not yet replicated are lost with it (Redis
 * replication is asynchronous): subscribers that had not received them never will, and a client
 * resuming from a position beyond the new master's head is told to reset instead of waiting for
 * events that are gone. When the node the bus listens on dies, the Pub/Sub connection
 * reconnects to another node and subscribes again, and each topic catches up from its stream,
 * so nothing that survived the failover is missed.
 *
 * <h2>Latest state and waiting for a change</h2>
 *
 * {@link #latest} reads the topic's latest-state hash, so every node answers the same and a
 * restart forgets nothing. {@link #awaitChange} completes from what this node's reader hears:
 * the events of the topics this node has subscribers for, published by any node, each once. It
 * does not hear topics nobody here subscribes to, nor anything from before the bus started; its
 * timeouts run on the builder's {@link RedisRealtimeBusBuilder#scheduler scheduler}.
 *
 * <p>Parts: the package-private {@code StreamReader} and {@code BusScripts}, and {@link
 * ServerBusCore} (the fan-out, the futures, the reader thread, the close order), shared with the
 * PostgreSQL bus.
 *
 * <p>{@link #close()} stops the reader, delivers to local subscribers the events that were
 * published before it (reading what is left), ends every subscription with {@link
 * CloseReason#BUS_CLOSED}, and closes the connections (and the client, if the bus created it).
 *
 * <p>This class is threadsafe.
 */
public final class RedisRealtimeBus implements RealtimeBus {
  private static final Logger log = LoggerFactory.getLogger(RedisRealtimeBus.class);

  private final String prefix;
  private final int maxEvents;
  private final int trimAt;
  private final Duration commandTimeout;
  private final BusConnections connections;
  private final BusConnections.Commands redis;
  private final ServerBusCore core;
  private final StatefulRedisPubSubConnection<String, String> pubSubConnection;
  private final RedisPubSubCommands<String, String> pubSub;
  private final StreamReader reader;

  /** {@code open} opens the connections, given the listener that feeds the reader. */
  RedisRealtimeBus(RedisRealtimeBusBuilder b, Function<RedisPubSubListener<String, String>, BusConnections> open) {
    this.prefix = b.keyPrefix;
    this.maxEvents = b.options.maxEventsPerTopic();
    this.trimAt = maxEvents + Math.max(1, maxEvents / 10);
    this.commandTimeout = b.commandTimeout;
    StreamReader.Inbox inbox = new StreamReader.Inbox(this::topicOf);
    this.connections = open.apply(inbox);
    this.redis = connections.commands;
    this.pubSubConnection = connections.pubSub;
    this.pubSub = pubSubConnection.sync();
    this.core = new ServerBusCore(b.options, new ServerLogFanout.Source() {
      @Override
      public Replay replay(String topic, long after) {
        return RedisRealtimeBus.this.replay(topic, after);
      }

      @Override
      public long head(String topic) {
        return RedisRealtimeBus.this.head(topic);
      }

      @Override
      public void follow(String topic, long position) {
        listen(topic);
      }

      @Override
      public void unfollow(String topic) {
        pubSubConnection.async().unsubscribe(streamKey(topic));
      }
    });
    this.reader = new StreamReader(inbox, this, connections, core, Backoff.of(b.options.reconnectPolicy()));
    core.startReader("closedloop-redis-bus-reader-" + UUID.randomUUID().toString().substring(0, 8), reader);
  }

  /** Returns a builder; exactly one of a URI or a client must be set. */
  public static RedisRealtimeBusBuilder builder() {
    return new RedisRealtimeBusBuilder();
  }

  /** {@code P{t}}: the braces make the topic the hash tag of its three keys (see the class comment). */
  String streamKey(String topic) {
    return prefix + "{" + topic + "}";
  }

  String metaKey(String topic) {
    return streamKey(topic) + ":meta";
  }

  private String latestKey(String topic) {
    return streamKey(topic) + ":latest";
  }

  /** The topic of a channel, which is named as its stream key. */
  private String topicOf(String channel) {
    return channel.substring(prefix.length() + 1, channel.length() - 1);
  }

  // ---- publishing and reading the log ------------------------------------------------------

  /**
   * {@inheritDoc}
   *
   * @throws RealtimeBusUnavailableException if Redis cannot be reached or refuses the script
   */
  @Override
  public long publish(ChangeDraft draft) {
    Objects.requireNonNull(draft, "draft cannot be null");
    core.ensureOpen();
    String topic = draft.topic();
    String kind = draft.type() == ChangeType.DELETE ? "D" : draft.type().isEntityChange() ? "U" : "N";
    String key = draft.key() == null ? "" : draft.key();
    String id;
    try {
      id = BusScripts.PUBLISH.run(redis.scripts(), ScriptOutputType.VALUE,
          new String[] {streamKey(topic), latestKey(topic), metaKey(topic)},
          Integer.toString(maxEvents), Integer.toString(trimAt), StreamEntries.payload(draft), kind, key);
    } catch (RedisException e) {
      connections.failed();
      throw new RealtimeBusUnavailableException("could not publish to " + streamKey(topic) + ": " + e.getMessage(), e);
    }
    return StreamEntries.position(id);
  }

  /**
   * {@inheritDoc}
   *
   * @throws RealtimeBusUnavailableException if Redis cannot be reached or holds an entry this
   *     version cannot read
   */
  @Override
  public Replay replay(String topic, long after) {
    Topics.requireValid(topic);
    if (after < 0) {
      throw new IllegalArgumentException("after must not be negative: " + after);
    }
    List<Object> answer;
    try {
      answer = BusScripts.REPLAY.run(redis.scripts(), ScriptOutputType.MULTI, new String[] {streamKey(topic), metaKey(topic)},
          StreamEntries.id(after));
    } catch (RedisException e) {
      connections.failed();
      throw new RealtimeBusUnavailableException("could not replay " + streamKey(topic) + ": " + e.getMessage(), e);
    }
    long head = StreamEntries.position((String) answer.get(0));
    long trimmed = StreamEntries.position((String) answer.get(1));
    if (after > head) {
      return Replay.gap("position " + after + " is ahead of topic " + topic + " (head " + head
          + "); the stream may have been deleted", head);
    }
    if (after < trimmed) {
      return Replay.gap("the replay log of topic " + topic + " no longer reaches back to position " + after
          + " (events up to " + trimmed + " were trimmed)", head);
    }
    List<ChangeEvent> events = new ArrayList<>();
    for (Object entry : (List<?>) answer.get(2)) {
      List<?> e = (List<?>) entry;
      List<?> fields = (List<?>) e.get(1);
      events.add(decode(topic, (String) e.get(0), BusScripts.payloadOf(fields)));
    }
    return Replay.of(events, head);
  }

  private ChangeEvent decode(String topic, String id, String payload) {
    try {
      return StreamEntries.event(topic, id, payload);
    } catch (IllegalArgumentException e) {
      throw new RealtimeBusUnavailableException("cannot read " + streamKey(topic) + ": " + e.getMessage(), e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws RealtimeBusUnavailableException if Redis cannot be reached
   */
  @Override
  public long head(String topic) {
    Topics.requireValid(topic);
    try {
      List<StreamMessage<String, String>> last = redis.streams().xrevrange(streamKey(topic), Range.unbounded(), Limit.from(1));
      return last.isEmpty() ? 0 : StreamEntries.position(last.get(0).getId());
    } catch (RedisException e) {
      connections.failed();
      throw new RealtimeBusUnavailableException("could not read the head of " + streamKey(topic) + ": " + e.getMessage(), e);
    }
  }

  /**
   * {@inheritDoc} Read from the topic's latest-state hash, which is not trimmed.
   *
   * @throws RealtimeBusUnavailableException if Redis cannot be reached
   */
  @Override
  public Optional<ChangeEvent> latest(String topic, String key) {
    Topics.requireValid(topic);
    Objects.requireNonNull(key, "key cannot be null");
    String value;
    try {
      value = redis.hashes().hget(latestKey(topic), key);
    } catch (RedisException e) {
      connections.failed();
      throw new RealtimeBusUnavailableException("could not read " + latestKey(topic) + ": " + e.getMessage(), e);
    }
    if (value == null) {
      return Optional.empty();
    }
    int space = value.indexOf(' ');
    if (space < 0) {
      throw new RealtimeBusUnavailableException("cannot read " + latestKey(topic) + " field " + key
          + ": not '<id> <payload>'", null);
    }
    return Optional.of(decode(topic, value.substring(0, space), value.substring(space + 1)));
  }

  // ---- subscribing --------------------------------------------------------------------------

  /**
   * {@inheritDoc}
   *
   * @throws RealtimeBusUnavailableException if Redis cannot be reached to find the topics' heads,
   *     to replay or to subscribe to a channel
   */
  @Override
  public Subscription subscribe(Set<String> topics, Cursor after, RealtimeListener listener) {
    return core.subscribe(topics, after, listener);
  }

  /**
   * {@inheritDoc} This node hears the events its reader receives for the topics it has
   * subscribers for, published on any node; not those of topics nobody here subscribes to. The
   * futures time out on the builder's {@link RedisRealtimeBusBuilder#scheduler scheduler}.
   */
  @Override
  public CompletableFuture<ChangeEvent> awaitChange(Predicate<? super ChangeEvent> predicate, Duration timeout) {
    return core.awaitChange(predicate, timeout);
  }

  /**
   * Subscribes to the topic's channel; once Redis confirms, the reader catches up from the
   * stream after the position the node follows it from.
   */
  private void listen(String topic) {
    try {
      pubSub.subscribe(streamKey(topic));
    } catch (RedisException e) {
      connections.failed();
      throw new RealtimeBusUnavailableException("could not subscribe to " + streamKey(topic) + ": " + e.getMessage(), e);
    }
  }

  @Override
  public int subscriptionCount() {
    return core.subscriptionCount();
  }

  // ---- close --------------------------------------------------------------------------------

  /** Returns whether {@link #close()} was called. */
  public boolean isClosed() {
    return core.isClosed();
  }

  @Override
  public void close() {
    core.close(commandTimeout, new ServerBusCore.Shutdown() {
      @Override
      public void wakeReader() {
        reader.stop();
      }

      @Override
      public void deliverRest() {
        reader.deliverRest();
      }

      @Override
      public void release() {
        connections.close();
      }
    });
  }

  @Override
  public String toString() {
    return "RedisRealtimeBus[prefix=" + prefix + ", " + core.node() + (core.isClosed() ? ", closed" : "") + "]";
  }
}
