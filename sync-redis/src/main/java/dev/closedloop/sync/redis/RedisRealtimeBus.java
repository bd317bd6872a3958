package dev.closedloop.sync.redis;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.ChangeType;
import dev.closedloop.sync.realtime.CloseReason;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.NodeFanout;
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
import io.lettuce.core.pubsub.RedisPubSubAdapter;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import io.lettuce.core.pubsub.api.sync.RedisPubSubCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.OptionalLong;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;
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
 * hands each event to this node's subscriptions through a {@link NodeFanout} (bounded queue
 * per subscription, listeners isolated), remembering per topic the last position it dispatched
 * and skipping anything at or before it. Whenever a channel subscription is confirmed (the first
 * time, and again after Lettuce reconnected and resubscribed) the reader catches up from the
 * stream ({@code XRANGE} after its position): events published while the node was not listening
 * are delivered, in order, once. A catch-up that fails is retried after {@link
 * RetryPolicy#delayNanos} on the {@link Scheduler}. If the stream was trimmed past the reader's
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
 * events that are gone. When the node the bus listens on dies, the Pub/Sub
 * connection reconnects to another node and subscribes again, and each topic catches up from
 * its stream, so nothing that survived the failover is missed.
 *
 * <p>{@link #close()} stops the reader, delivers to local subscribers the events that were
 * published before it (reading what is left), ends every subscription with {@link
 * CloseReason#BUS_CLOSED}, and closes the connections (and the client, if the bus created it).
 *
 * <p>This class is threadsafe.
 */
public final class RedisRealtimeBus implements RealtimeBus {
  private static final Logger log = LoggerFactory.getLogger(RedisRealtimeBus.class);

  static final String PUBLISH_LUA = String.join("\n",
      "-- KEYS: stream, latest hash, meta hash; ARGV: max, max + slack, payload, U|D|N, entity key",
      "local len = redis.call('XLEN', KEYS[1])",
      "local max = tonumber(ARGV[1])",
      "if len >= tonumber(ARGV[2]) then",
      "  local old = redis.call('XRANGE', KEYS[1], '-', '+', 'COUNT', len - max + 1)",
      "  redis.call('HSET', KEYS[3], 'trimmed', old[#old][1])",
      "  redis.call('XTRIM', KEYS[1], 'MAXLEN', max - 1)",
      "end",
      "local id = redis.call('XADD', KEYS[1], '*', 'e', ARGV[3])",
      "redis.call('PUBLISH', KEYS[1], id .. '\\n' .. ARGV[3])",
      "if ARGV[4] == 'U' then",
      "  redis.call('HSET', KEYS[2], ARGV[5], id .. ' ' .. ARGV[3])",
      "elseif ARGV[4] == 'D' then",
      "  redis.call('HDEL', KEYS[2], ARGV[5])",
      "end",
      "return id");

  static final String REPLAY_LUA = String.join("\n",
      "-- KEYS: stream, meta hash; ARGV: the id to read after. Returns {head, trimmed, entries}.",
      "local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)",
      "local head = '0-0'",
      "if #last > 0 then head = last[1][1] end",
      "local trimmed = redis.call('HGET', KEYS[2], 'trimmed') or '0-0'",
      "return {head, trimmed, redis.call('XRANGE', KEYS[1], '(' .. ARGV[1], '+')}");

  private static final LuaScript PUBLISH = new LuaScript(PUBLISH_LUA);
  private static final LuaScript REPLAY = new LuaScript(REPLAY_LUA);
  private static final String FIELD = "e";

  private final String prefix;
  private final int maxEvents;
  private final int trimAt;
  private final Duration commandTimeout;
  private final BusConnections connections;
  private final BusConnections.Commands redis;
  private final BusConnections.Commands readerRedis;
  private final ServerBusCore core;
  private final NodeFanout node;
  private final StatefulRedisPubSubConnection<String, String> pubSubConnection;
  private final RedisPubSubCommands<String, String> pubSub;
  private final LinkedBlockingQueue<Object> queue = new LinkedBlockingQueue<>();
  /** The spacing of failed catch-ups; reader thread only. */
  private final Backoff backoff;

  /** {@code open} opens the connections, given the listener that feeds the reader. */
  RedisRealtimeBus(RedisRealtimeBusBuilder b, Function<RedisPubSubListener<String, String>, BusConnections> open) {
    this.prefix = b.keyPrefix;
    this.maxEvents = b.options.maxEventsPerTopic();
    this.trimAt = maxEvents + Math.max(1, maxEvents / 10);
    this.commandTimeout = b.commandTimeout;
    this.backoff = Backoff.of(b.options.reconnectPolicy());
    this.connections = open.apply(new ChannelListener());
    this.redis = connections.commands;
    this.readerRedis = connections.reader;
    this.pubSubConnection = connections.pubSub;
    this.pubSub = pubSubConnection.sync();
    this.core = new ServerBusCore(b.options, new NodeFanout.Source() {
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
    this.node = core.node();
    core.startReader("closedloop-redis-bus-reader-" + UUID.randomUUID().toString().substring(0, 8), this::readLoop);
  }

  /** Returns a builder; exactly one of a URI or a client must be set. */
  public static RedisRealtimeBusBuilder builder() {
    return new RedisRealtimeBusBuilder();
  }

  /** {@code P{t}}: the braces make the topic the hash tag of its three keys (see the class comment). */
  String streamKey(String topic) {
    return prefix + "{" + topic + "}";
  }

  private String metaKey(String topic) {
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
    String kind = draft.type() == ChangeType.DELETE ? "D"
        : draft.type().isEntityChange() ? "U" : "N";
    String key = draft.key() == null ? "" : draft.key();
    String id;
    try {
      id = PUBLISH.run(redis.scripts(), ScriptOutputType.VALUE,
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
      answer = REPLAY.run(redis.scripts(), ScriptOutputType.MULTI, new String[] {streamKey(topic), metaKey(topic)},
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
      events.add(decode(topic, (String) e.get(0), payloadOf(fields)));
    }
    return Replay.of(events, head);
  }

  private static String payloadOf(List<?> fields) {
    for (int i = 0; i + 1 < fields.size(); i += 2) {
      if (FIELD.equals(fields.get(i))) {
        return (String) fields.get(i + 1);
      }
    }
    return "";
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

  // ---- the reader ---------------------------------------------------------------------------

  /** An event heard on a channel. */
  private record Live(String topic, String message) {}

  /** Catch {@code topic} up from its stream. */
  private record CatchUp(String topic) {}

  private static final Object STOP = new Object();

  private final class ChannelListener extends RedisPubSubAdapter<String, String> {
    @Override
    public void message(String channel, String message) {
      queue.add(new Live(topicOf(channel), message));
    }

    @Override
    public void subscribed(String channel, long count) {
      queue.add(new CatchUp(topicOf(channel)));
    }
  }

  private void readLoop() {
    while (true) {
      Object item;
      try {
        item = queue.take();
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
    OptionalLong from = node.position(c.topic());
    if (from.isEmpty() || core.isClosed()) {
      return;
    }
    String topic = c.topic();
    List<Object> answer;
    try {
      answer = REPLAY.run(readerRedis.scripts(), ScriptOutputType.MULTI,
          new String[] {streamKey(topic), metaKey(topic)}, StreamEntries.id(from.getAsLong()));
      backoff.reset();
    } catch (RedisException e) {
      connections.failed();
      long delay = backoff.nextDelayNanos();
      log.warn("Redis realtime bus could not catch up {} ({} failures in a row); again in {} ms: {}",
          streamKey(topic), backoff.failures(), TimeUnit.NANOSECONDS.toMillis(delay), e.toString());
      core.scheduler().schedule(() -> queue.add(c), delay);
      return;
    }
    List<ChangeEvent> events = new ArrayList<>();
    long through = from.getAsLong();
    for (Object entry : (List<?>) answer.get(2)) {
      List<?> e = (List<?>) entry;
      String id = (String) e.get(0);
      through = StreamEntries.position(id);
      ChangeEvent event = decodeOrSkip(topic, id, payloadOf((List<?>) e.get(1)));
      if (event != null) {
        events.add(event);
      }
    }
    core.catchUp(topic, events, through, StreamEntries.position((String) answer.get(1)));
  }

  /** Hands one live entry to the node, unless it is not followed or was dispatched already. */
  private void dispatch(String topic, String id, String payload) {
    OptionalLong at = node.position(topic);
    if (at.isEmpty() || StreamEntries.position(id) <= at.getAsLong()) {
      return; // cheap skip before decoding
    }
    ChangeEvent event = decodeOrSkip(topic, id, payload);
    if (event != null) {
      core.dispatch(event);
    }
  }

  private @Nullable ChangeEvent decodeOrSkip(String topic, String id, String payload) {
    try {
      return StreamEntries.event(topic, id, payload);
    } catch (IllegalArgumentException bad) {
      log.error("Redis realtime bus skips an entry it cannot read in {}: {}", streamKey(topic), bad.getMessage());
      return null;
    }
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
        queue.add(STOP);
      }

      @Override
      public void deliverRest() {
        catchUpOnClose();
      }

      @Override
      public void release() {
        connections.close();
      }
    });
  }

  /** Delivers what was published before the close and not dispatched yet. */
  private void catchUpOnClose() {
    for (String topic : node.followed()) {
      OptionalLong from = node.position(topic);
      if (from.isEmpty()) {
        continue;
      }
      try {
        List<StreamMessage<String, String>> rest = redis.streams().xrange(streamKey(topic), Range.from(
            Range.Boundary.excluding(StreamEntries.id(from.getAsLong())), Range.Boundary.unbounded()));
        List<ChangeEvent> events = new ArrayList<>();
        long through = from.getAsLong();
        for (StreamMessage<String, String> m : rest) {
          through = StreamEntries.position(m.getId());
          ChangeEvent e = decodeOrSkip(topic, m.getId(), String.valueOf(m.getBody().get(FIELD)));
          if (e != null) {
            events.add(e);
          }
        }
        core.catchUp(topic, events, through, 0);
      } catch (RuntimeException e) {
        log.warn("Redis realtime bus could not deliver the rest of {} on close: {}", streamKey(topic), e.toString());
      }
    }
  }

  @Override
  public String toString() {
    return "RedisRealtimeBus[prefix=" + prefix + ", " + node + (core.isClosed() ? ", closed" : "") + "]";
  }
}
