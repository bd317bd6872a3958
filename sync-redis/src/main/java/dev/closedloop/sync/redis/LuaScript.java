package dev.closedloop.sync.redis;

import dev.closedloop.sync.spi.Digests;
import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import java.nio.charset.StandardCharsets;

/**
 * A Lua script run by its SHA-1 ({@code EVALSHA}); when the server does not know it yet ({@code
 * NOSCRIPT}: first use, a restart, {@code SCRIPT FLUSH}, another cluster node) it is sent once
 * with {@code EVAL}, which also caches it. The digest is computed here, so building a store
 * needs no round trip.
 *
 * <p>This class is immutable and threadsafe.
 */
final class LuaScript {
  private final byte[] source;
  private final String sha;
  private final byte[] shaBytes;

  LuaScript(String source) {
    this.source = source.getBytes(StandardCharsets.UTF_8);
    this.sha = Digests.hex(Digests.sha1(this.source));
    this.shaBytes = sha.getBytes(StandardCharsets.US_ASCII);
  }

  <T> T run(RedisScriptingCommands<byte[], byte[]> redis, ScriptOutputType type, byte[] key, byte[]... args) {
    byte[][] keys = {key};
    return run(redis, type, keys, args);
  }

  /** Runs the script on {@code keys} with {@code args}, with any codec. */
  @SafeVarargs
  final <K, V, T> T run(RedisScriptingCommands<K, V> redis, ScriptOutputType type, K[] keys, V... args) {
    try {
      return redis.evalsha(sha, type, keys, args);
    } catch (RedisNoScriptException e) {
      return redis.eval(source, type, keys, args);
    }
  }

  String sha() {
    return sha;
  }

  /** The digest in ASCII, for a raw {@code EVALSHA}; callers must not change the array. */
  byte[] shaBytes() {
    return shaBytes;
  }

  /** The source in UTF-8, for a raw {@code EVAL}; callers must not change the array. */
  byte[] sourceBytes() {
    return source;
  }
}
