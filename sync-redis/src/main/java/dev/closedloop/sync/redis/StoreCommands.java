package dev.closedloop.sync.redis;

import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.SetArgs;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import io.lettuce.core.api.sync.RedisServerCommands;
import io.lettuce.core.api.sync.RedisStringCommands;
import java.util.List;
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

  /** The commands over a Lettuce connection, which pipelines the commands of all threads. */
  static <C extends RedisScriptingCommands<byte[], byte[]> & RedisStringCommands<byte[], byte[]>
      & RedisServerCommands<byte[], byte[]>> StoreCommands lettuce(C redis, Runnable onClose) {
    return new StoreCommands() {
      @Override
      public byte @Nullable [] setNxGet(byte[] key, byte[] value, long pxMillis) {
        return redis.setGet(key, value, SetArgs.Builder.nx().px(pxMillis));
      }

      @Override
      public List<Object> evalArray(LuaScript script, byte[] key, byte[]... args) {
        return script.run(redis, ScriptOutputType.MULTI, key, args);
      }

      @Override
      public long evalInteger(LuaScript script, byte[] key, byte[]... args) {
        Long n = script.run(redis, ScriptOutputType.INTEGER, key, args);
        return n;
      }

      @Override
      public String serverInfo() {
        return redis.info("server");
      }

      @Override
      public void close() {
        onClose.run();
      }
    };
  }
}
