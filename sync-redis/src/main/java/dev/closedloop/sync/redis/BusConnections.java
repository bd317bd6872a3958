package dev.closedloop.sync.redis;

import dev.closedloop.sync.time.Ticker;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisHashCommands;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import io.lettuce.core.api.sync.RedisStreamCommands;
import io.lettuce.core.cluster.RedisClusterClient;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.pubsub.RedisPubSubListener;
import io.lettuce.core.pubsub.StatefulRedisPubSubConnection;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The three connections of a {@link RedisRealtimeBus}, on one Redis or on Redis Cluster: one for
 * publishing and reads, one for the reader's catch-ups (so a slow catch-up never holds up a
 * publish), and one for Pub/Sub. On a cluster the first two route every command by its key's
 * slot; the Pub/Sub connection listens on one node, which hears every node's {@code PUBLISH}
 * (classic Pub/Sub is broadcast over the cluster bus), and reconnects to another node when that
 * one goes away, subscribing again. On a cluster the client name is also in the seed URIs, so
 * that connections the cluster client opens later (to a promoted replica, or after a reconnect)
 * carry it too; those carry the bus's name without the {@code -reader} or {@code -listener}
 * suffix.
 *
 * <p>This class is threadsafe (Lettuce's connections are); {@link #close()} is idempotent.
 */
final class BusConnections implements AutoCloseable {
  /** The commands the bus sends on a command connection, on one Redis or a cluster. */
  record Commands(RedisScriptingCommands<String, String> scripts, RedisStreamCommands<String, String> streams,
      RedisHashCommands<String, String> hashes) {}

  final Commands commands;
  final Commands reader;
  final StatefulRedisPubSubConnection<String, String> pubSub;
  private final List<AutoCloseable> opened;
  private final Runnable shutdownClient;
  private final Runnable onFailure;
  private final AtomicBoolean closed = new AtomicBoolean();

  private BusConnections(Commands commands, Commands reader, StatefulRedisPubSubConnection<String, String> pubSub,
      List<AutoCloseable> opened, Runnable shutdownClient, Runnable onFailure) {
    this.onFailure = onFailure;
    this.commands = commands;
    this.reader = reader;
    this.pubSub = pubSub;
    this.opened = opened;
    this.shutdownClient = shutdownClient;
  }

  /** Opens the connections on one Redis; {@code shutdownClient} runs after they are closed. */
  static BusConnections open(RedisClient client, String name, Duration timeout,
      RedisPubSubListener<String, String> listener, Runnable shutdownClient) {
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      StatefulRedisConnection<String, String> c = named(opened, client.connect(), timeout);
      c.sync().clientSetname(name);
      StatefulRedisConnection<String, String> r = named(opened, client.connect(), timeout);
      r.sync().clientSetname(name + "-reader");
      StatefulRedisPubSubConnection<String, String> p = named(opened, client.connectPubSub(), timeout);
      p.sync().clientSetname(name + "-listener");
      p.addListener(listener);
      return new BusConnections(new Commands(c.sync(), c.sync(), c.sync()), new Commands(r.sync(), r.sync(), r.sync()),
          p, opened, shutdownClient, () -> { });
    } catch (RedisException e) {
      closeAll(opened, e);
      throw e;
    }
  }

  /** Opens the connections on a cluster; {@code shutdownClient} runs after they are closed. */
  static BusConnections open(RedisClusterClient client, String name, Duration timeout,
      RedisPubSubListener<String, String> listener, Runnable shutdownClient) {
    List<AutoCloseable> opened = new ArrayList<>();
    try {
      StatefulRedisClusterConnection<String, String> c = named(opened, client.connect(), timeout);
      c.sync().clientSetname(name);
      StatefulRedisClusterConnection<String, String> r = named(opened, client.connect(), timeout);
      r.sync().clientSetname(name + "-reader");
      StatefulRedisPubSubConnection<String, String> p = named(opened, client.connectPubSub(), timeout);
      p.sync().clientSetname(name + "-listener");
      p.addListener(listener);
      return new BusConnections(new Commands(c.sync(), c.sync(), c.sync()), new Commands(r.sync(), r.sync(), r.sync()),
          p, opened, shutdownClient, RedisClusters.refresher(client, Ticker.system()));
    } catch (RedisException e) {
      closeAll(opened, e);
      throw e;
    }
  }

  /**
   * A command failed: on a cluster, ask the client to refresh its topology (at most once a
   * second), so the bus follows a failover even to a master it never talked to.
   */
  void failed() {
    onFailure.run();
  }

  private static <C extends StatefulConnection<String, String>> C named(List<AutoCloseable> opened, C c, Duration timeout) {
    opened.add(c);
    c.setTimeout(timeout);
    return c;
  }

  private static void closeAll(List<AutoCloseable> opened, RuntimeException e) {
    for (AutoCloseable c : opened) {
      try {
        c.close();
      } catch (Exception suppressed) {
        e.addSuppressed(suppressed);
      }
    }
  }

  /** Closes the Pub/Sub connection, then the reader's, then the command connection, then the client if owned. */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      for (int i = opened.size() - 1; i >= 0; i--) {
        try {
          opened.get(i).close();
        } catch (Exception e) {
          // closing: nothing more to do
        }
      }
    } finally {
      shutdownClient.run();
    }
  }
}
