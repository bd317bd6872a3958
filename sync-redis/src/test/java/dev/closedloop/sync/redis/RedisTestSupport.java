package dev.closedloop.sync.redis;

import static org.junit.jupiter.api.Assertions.fail;
import static org.junit.jupiter.api.Assumptions.abort;

import io.lettuce.core.KeyScanCursor;
import io.lettuce.core.RedisURI;
import io.lettuce.core.ScanArgs;
import io.lettuce.core.ScanCursor;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.List;
import java.util.UUID;

/**
 * Where the tests find Redis: {@code SYNC_REDIS_URL}, default {@value #DEFAULT_URL}. Without a
 * reachable server the tests are skipped with a message saying how to start one, except when
 * {@code CI=true}, where they fail.
 */
final class RedisTestSupport {
  static final String DEFAULT_URL = "redis://127.0.0.1:6379";

  private RedisTestSupport() {}

  /** Returns the server's URL, or skips (fails under CI) when nothing listens there. */
  static String url() {
    String env = System.getenv("SYNC_REDIS_URL");
    String url = env == null || env.isBlank() ? DEFAULT_URL : env;
    RedisURI uri = RedisURI.create(url);
    try (Socket s = new Socket()) {
      s.connect(new InetSocketAddress(uri.getHost(), uri.getPort()), 1000);
    } catch (IOException e) {
      String message = "Redis is not reachable at " + url + " (" + e.getMessage() + "). Start one with"
          + " `redis-server --daemonize yes` (or `docker run -d -p 6379:6379 redis:7`), or point"
          + " SYNC_REDIS_URL at one.";
      if ("true".equalsIgnoreCase(System.getenv("CI"))) {
        fail(message + " CI=true: a missing server fails the build.");
      }
      abort(message);
    }
    return url;
  }

  /** Returns a key prefix no other run uses. */
  static String newPrefix() {
    return "cls-test:" + UUID.randomUUID().toString().substring(0, 13) + ":";
  }

  /** Deletes every key under {@code prefix} (which must hold no glob characters); returns how many. */
  /**
   * {@code CLIENT PAUSE millis WRITE}: commands that write (and scripts) wait, unexecuted, until
   * the pause ends or their connection dies; reads and CLIENT commands go on. Always undo it with
   * {@link #unpause}.
   */
  static void pauseWrites(RedisCommands<String, String> admin, long millis) {
    admin.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
        new CommandArgs<>(StringCodec.UTF8).add("PAUSE").add(millis).add("WRITE"));
  }

  /** {@code CLIENT UNPAUSE}. */
  static void unpause(RedisCommands<String, String> admin) {
    admin.dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
        new CommandArgs<>(StringCodec.UTF8).add("UNPAUSE"));
  }

  static long deleteKeys(RedisCommands<String, String> redis, String prefix) {
    long deleted = 0;
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = redis.scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(500));
      List<String> keys = page.getKeys();
      if (!keys.isEmpty()) {
        deleted += redis.del(keys.toArray(new String[0]));
      }
      cursor = page;
    } while (!cursor.isFinished());
    return deleted;
  }

  /** Returns how many keys exist under {@code prefix}. */
  static long countKeys(RedisCommands<String, String> redis, String prefix) {
    long n = 0;
    ScanCursor cursor = ScanCursor.INITIAL;
    do {
      KeyScanCursor<String> page = redis.scan(cursor, ScanArgs.Builder.matches(prefix + "*").limit(500));
      n += page.getKeys().size();
      cursor = page;
    } while (!cursor.isFinished());
    return n;
  }
}
