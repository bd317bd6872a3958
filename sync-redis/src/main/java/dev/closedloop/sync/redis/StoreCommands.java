package dev.closedloop.sync.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.sync.BaseRedisCommands;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import io.lettuce.core.api.sync.RedisServerCommands;
import io.lettuce.core.api.sync.RedisStringCommands;
import io.lettuce.core.cluster.SlotHash;
import io.lettuce.core.cluster.api.StatefulRedisClusterConnection;
import io.lettuce.core.cluster.api.sync.RedisAdvancedClusterCommands;
import io.lettuce.core.cluster.models.partitions.RedisClusterNode;
import java.util.List;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The commands {@link RedisIdempotencyStore} sends, over one of two transports: {@link
 * RespPool} (blocking connections of its own) or a Lettuce connection ({@link #lettuce}). Every
 * failure is a Lettuce {@link RedisException}, whichever the transport, so the store maps them in
 * one place.
 *
 * <p>Implementations are threadsafe.
 */
interface StoreCommands {
  /** {@code SET key value NX PX pxMillis GET}: the old value, or null if the key was free and is now set. */
  byte @Nullable [] setNxGet(byte[] key, byte[] value, long pxMillis);

  /** Runs {@code script} on {@code key} and returns its array reply. */
  List<Object> evalArray(LuaScript script, byte[] key, byte[]... args);

  /** Runs {@code script} on {@code key} and returns its integer reply. */
  long evalInteger(LuaScript script, byte[] key, byte[]... args);

  /** {@code INFO server}. */
  String serverInfo();

  /** Closes what this transport opened for the store; idempotent. */
  void close();

  /**
   * The commands over a Lettuce connection, which pipelines the commands of all threads; with a
   * {@link ReplicaWait}, each command that may write is followed by {@code WAIT} on the same
   * connection.
   */
  static <C extends RedisScriptingCommands<byte[], byte[]> & RedisStringCommands<byte[], byte[]>
      & RedisServerCommands<byte[], byte[]> & BaseRedisCommands<byte[], byte[]>> StoreCommands lettuce(
      C redis, Runnable onClose, @Nullable ReplicaWait wait) {
    return lettuce(key -> redis, redis, onClose, wait, () -> { });
  }

  /**
   * The commands over Redis Cluster. Without a {@link ReplicaWait} they go through the cluster
   * connection, which routes each by its key's slot and follows redirections. With one, {@code
   * WAIT} must reach the master that ran the write on the same connection, so each command is
   * sent on the connection to the master of its key's slot as the client last saw the topology,
   * and a redirection ({@code MOVED}: the topology changed) fails the command and is never
   * followed to another node, where {@code WAIT} would not cover the write. Either way a command
   * that fails for want of a node (unreachable, timed out, redirected, cluster down) asks {@code
   * onTopologyChange} to refresh the client's view of the cluster.
   */
  static StoreCommands cluster(StatefulRedisClusterConnection<byte[], byte[]> connection, Runnable onClose,
      @Nullable ReplicaWait wait, Runnable onTopologyChange) {
    if (wait == null) {
      RedisAdvancedClusterCommands<byte[], byte[]> routed = connection.sync();
      return lettuce(key -> routed, routed, onClose, null, onTopologyChange);
    }
    return lettuce(key -> {
      int slot = SlotHash.getSlot(key);
      RedisClusterNode master = connection.getPartitions().getMasterBySlot(slot);
      if (master == null) {
        onTopologyChange.run();
        throw new RedisConnectionException("no master is known for slot " + slot);
      }
      return connection.getConnection(master.getUri().getHost(), master.getUri().getPort()).sync();
    }, connection.sync(), onClose, wait, onTopologyChange);
  }

  private static <C extends RedisScriptingCommands<byte[], byte[]> & RedisStringCommands<byte[], byte[]>
      & BaseRedisCommands<byte[], byte[]>> StoreCommands lettuce(Function<byte[], C> route,
      RedisServerCommands<byte[], byte[]> info, Runnable onClose, @Nullable ReplicaWait wait,
      Runnable onTopologyChange) {
    return new StoreCommands() {
      @Override
      public byte @Nullable [] setNxGet(byte[] key, byte[] value, long pxMillis) {
        return acknowledged(key, redis -> redis.setGet(key, value, SetArgs.Builder.nx().px(pxMillis)));
      }

      @Override
      public List<Object> evalArray(LuaScript script, byte[] key, byte[]... args) {
        return acknowledged(key, redis -> script.run(redis, ScriptOutputType.MULTI, key, args));
      }

      @Override
      public long evalInteger(LuaScript script, byte[] key, byte[]... args) {
        Long n = acknowledged(key, redis -> script.run(redis, ScriptOutputType.INTEGER, key, args));
        return n;
      }

      /** Runs {@code command} where {@code key} is routed, then {@code WAIT}s there if asked to. */
      private <T> T acknowledged(byte[] key, Function<C, T> command) {
        C redis = route.apply(key);
        T answer;
        try {
          answer = command.apply(redis);
        } catch (RedisConnectionException | RedisCommandTimeoutException e) {
          onTopologyChange.run();
          throw e;
        } catch (RedisCommandExecutionException e) {
          String m = String.valueOf(e.getMessage());
          if (m.startsWith("MOVED") || m.startsWith("ASK") || m.startsWith("CLUSTERDOWN")) {
            onTopologyChange.run();
          }
          throw e;
        }
        if (wait != null) {
          wait.check(redis.waitForReplication(wait.replicas(), wait.timeoutMillis()));
        }
        return answer;
      }

      @Override
      public String serverInfo() {
        return info.info("server");
      }

      @Override
      public void close() {
        onClose.run();
      }
    };
  }
}
