package dev.closedloop.sync.redis;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.ExpiredLeasePolicy;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.StoredResponse;
import io.lettuce.core.RedisClient;
import io.lettuce.core.RedisException;
import io.lettuce.core.ScriptOutputType;
import io.lettuce.core.api.StatefulConnection;
import io.lettuce.core.api.sync.RedisScriptingCommands;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * An {@link IdempotencyStore} in Redis, shared by every node of a deployment: a retry that lands
 * on another node finds the claim or the response the first node left.
 *
 * <pre>{@code
 * RedisIdempotencyStore store = RedisIdempotencyStore.builder()
 *     .uri("redis://redis.internal:6379")
 *     .keyPrefix("orders:idem:")
 *     .build();
 * ...
 * store.close();
 * }</pre>
 *
 * <h2>Layout</h2>
 *
 * Each entry is one hash at {@code <keyPrefix><IdempotencyKey.storageKey()>} with the fields
 * {@code s} (state: {@code p} in progress, {@code c} completed), {@code f} (fingerprint), {@code t}
 * (owner token), {@code l} (lease end, Redis server milliseconds) and, once completed, {@code r}
 * (the response in the binary form {@code ResponseCodec} documents). Every entry has a TTL: the
 * lease under {@link ExpiredLeasePolicy#RE_EXECUTE}, the longer of lease and abandoned-claim
 * retention under {@link ExpiredLeasePolicy#CONFLICT_UNTIL_EXPIRY}, the retention once
 * completed. Redis removes dead entries itself; nothing needs sweeping.
 *
 * <h2>Operations</h2>
 *
 * Claim, complete and release are each one Lua script, so each is atomic and one round trip
 * ({@code EVALSHA}, falling back to {@code EVAL} once when the server does not know the script).
 * Lease ends are computed from {@code redis.call('TIME')} inside the scripts and retention is a
 * {@code PEXPIRE}: all expiry runs on the server's clock, never a node's. Complete and release
 * compare the owner token first and change nothing for anyone else. Owner tokens are made by the
 * store (128 random bits per store, then a sequence number) and sent with the claim, so a claim
 * that Lettuce resends after a reconnect finds its own token and answers {@link
 * ClaimResult.Claimed} again instead of blocking its key.
 *
 * <h2>Redis Cluster</h2>
 *
 * Every script touches exactly one key, so the store runs unchanged on Redis Cluster through
 * {@link RedisIdempotencyStoreBuilder#clusterConnection}, and entries spread over all slots. Keep
 * hash tags ({@code {...}}) out of the key prefix: a prefix like {@code {idem}:} would pin every
 * entry to one slot and one node. A client key that contains a hash tag only moves its own entry.
 *
 * <h2>Failures</h2>
 *
 * When Redis cannot be reached, does not answer within the command timeout or refuses a
 * command, the operation throws {@link RedisStoreException}; the caller must run nothing. The
 * store has no bound of its own: size Redis with {@code maxmemory} and a {@code volatile-*} or
 * {@code noeviction} policy (every entry has a TTL; {@code noeviction} never drops a claim in
 * progress). Responses larger than {@link #maxResponseBytes()} are kept as not replayable.
 *
 * <p>{@link #close()} closes the connection and client the store created, never ones the
 * application passed in.
 *
 * <p>This class is threadsafe: one Lettuce connection is shared by all callers, which pipelines
 * their commands.
 */
public final class RedisIdempotencyStore implements IdempotencyStore, AutoCloseable {
  static final String CLAIM_LUA = String.join("\n",
      "-- KEYS[1] entry; ARGV: fingerprint, token, lease ms, ttl ms of a new claim,",
      "-- '1' if an expired lease frees the key (re-execute)",
      "local e = redis.call('HMGET', KEYS[1], 's', 'f', 't', 'l', 'r')",
      "local time = redis.call('TIME')",
      "local now = tonumber(time[1]) * 1000 + math.floor(tonumber(time[2]) / 1000)",
      "if e[1] then",
      "  local leaseEnd = tonumber(e[4]) or 0",
      "  if not (e[1] == 'p' and ARGV[5] == '1' and now >= leaseEnd) then",
      "    if e[1] == 'p' and e[3] == ARGV[2] then return {1} end",
      "    if e[2] ~= ARGV[1] then return {4} end",
      "    if e[1] == 'c' then return {3, e[5]} end",
      "    local left = leaseEnd - now",
      "    if left <= 0 then left = redis.call('PTTL', KEYS[1]) end",
      "    if left < 1 then left = 1 end",
      "    return {2, left}",
      "  end",
      "  redis.call('DEL', KEYS[1])",
      "end",
      "redis.call('HSET', KEYS[1], 's', 'p', 'f', ARGV[1], 't', ARGV[2], 'l',",
      "    string.format('%.0f', now + tonumber(ARGV[3])))",
      "redis.call('PEXPIRE', KEYS[1], ARGV[4])",
      "return {1}");

  static final String COMPLETE_LUA = String.join("\n",
      "-- KEYS[1] entry; ARGV: token, encoded response, retention ms",
      "local e = redis.call('HMGET', KEYS[1], 's', 't')",
      "if e[1] ~= 'p' or e[2] ~= ARGV[1] then return 0 end",
      "redis.call('HSET', KEYS[1], 's', 'c', 'r', ARGV[2])",
      "redis.call('PEXPIRE', KEYS[1], ARGV[3])",
      "return 1");

  static final String RELEASE_LUA = String.join("\n",
      "-- KEYS[1] entry; ARGV: token",
      "local e = redis.call('HMGET', KEYS[1], 's', 't')",
      "if e[1] ~= 'p' or e[2] ~= ARGV[1] then return 0 end",
      "redis.call('DEL', KEYS[1])",
      "return 1");

  private static final LuaScript CLAIM = new LuaScript(CLAIM_LUA);
  private static final LuaScript COMPLETE = new LuaScript(COMPLETE_LUA);
  private static final LuaScript RELEASE = new LuaScript(RELEASE_LUA);
  private static final byte[] ONE = {'1'};
  private static final byte[] ZERO = {'0'};
  private static final ClaimResult MISMATCH = new ClaimResult.Mismatch();

  private final RedisScriptingCommands<byte[], byte[]> redis;
  private final @Nullable StatefulConnection<byte[], byte[]> ownedConnection;
  private final @Nullable RedisClient ownedClient;
  private final String keyPrefix;
  private final byte[] prefixBytes;
  private final ExpiredLeasePolicy policy;
  private final long abandonedRetentionMillis;
  private final long maxResponseBytes;
  private final OwnerTokens tokens = new OwnerTokens();
  private final AtomicBoolean closed = new AtomicBoolean();

  RedisIdempotencyStore(RedisScriptingCommands<byte[], byte[]> redis,
      @Nullable StatefulConnection<byte[], byte[]> ownedConnection, @Nullable RedisClient ownedClient,
      String keyPrefix, ExpiredLeasePolicy policy, Duration abandonedRetention, long maxResponseBytes) {
    this.redis = redis;
    this.ownedConnection = ownedConnection;
    this.ownedClient = ownedClient;
    this.keyPrefix = keyPrefix;
    this.prefixBytes = keyPrefix.getBytes(StandardCharsets.UTF_8);
    this.policy = policy;
    this.abandonedRetentionMillis = ceilMillis(abandonedRetention);
    this.maxResponseBytes = maxResponseBytes;
  }

  /**
   * Returns a builder: prefix {@value RedisIdempotencyStoreBuilder#DEFAULT_KEY_PREFIX},
   * re-execute, 1 MiB per response. Exactly one of a URI, a client or a connection must be set.
   */
  public static RedisIdempotencyStoreBuilder builder() {
    return new RedisIdempotencyStoreBuilder();
  }

  /**
   * {@inheritDoc}
   *
   * @throws RedisStoreException if Redis cannot be reached, times out or refuses the script
   * @throws IllegalStateException if the store is closed
   */
  @Override
  public ClaimResult claim(IdempotencyKey key, String fingerprint, Duration lease) {
    Objects.requireNonNull(key, "key cannot be null");
    IdempotencyStore.checkFingerprint(fingerprint);
    long leaseMillis = ceilMillis(IdempotencyStore.checkDuration(lease, "lease"));
    return claim(key, fingerprint, leaseMillis, tokens.next());
  }

  /** Claims with a given token: what a resent claim looks like to Redis. */
  ClaimResult claim(IdempotencyKey key, String fingerprint, long leaseMillis, String token) {
    checkOpen();
    boolean reExecute = policy == ExpiredLeasePolicy.RE_EXECUTE;
    long ttl = reExecute ? leaseMillis : Math.max(leaseMillis, abandonedRetentionMillis);
    List<Object> answer;
    try {
      answer = CLAIM.run(redis, ScriptOutputType.MULTI, redisKey(key),
          utf8(fingerprint), utf8(token), number(leaseMillis), number(ttl), reExecute ? ONE : ZERO);
    } catch (RedisException e) {
      throw failure("claim", key, e);
    }
    long code = (Long) answer.get(0);
    if (code == 1) {
      return new ClaimResult.Claimed(token);
    } else if (code == 2) {
      return new ClaimResult.InProgress(Duration.ofMillis((Long) answer.get(1)));
    } else if (code == 3) {
      try {
        return new ClaimResult.Completed(ResponseCodec.decode((byte[]) answer.get(1)));
      } catch (IllegalArgumentException e) {
        throw new RedisStoreException("stored response at " + keyPrefix + key.storageKey()
            + " cannot be read: " + e.getMessage(), e);
      }
    } else {
      return MISMATCH;
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws RedisStoreException if Redis cannot be reached, times out or refuses the script
   * @throws IllegalStateException if the store is closed
   */
  @Override
  public boolean complete(IdempotencyKey key, String token, StoredResponse response, Duration retention) {
    Objects.requireNonNull(key, "key cannot be null");
    IdempotencyStore.checkToken(token);
    Objects.requireNonNull(response, "response cannot be null");
    long retentionMillis = ceilMillis(IdempotencyStore.checkDuration(retention, "retention"));
    checkOpen();
    StoredResponse kept = response.isReplayable() && response.size() > maxResponseBytes
        ? StoredResponse.notReplayable(response.status())
        : response;
    try {
      Long done = COMPLETE.run(redis, ScriptOutputType.INTEGER, redisKey(key),
          utf8(token), ResponseCodec.encode(kept), number(retentionMillis));
      return done == 1;
    } catch (RedisException e) {
      throw failure("complete", key, e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * @throws RedisStoreException if Redis cannot be reached, times out or refuses the script
   * @throws IllegalStateException if the store is closed
   */
  @Override
  public boolean release(IdempotencyKey key, String token) {
    Objects.requireNonNull(key, "key cannot be null");
    IdempotencyStore.checkToken(token);
    checkOpen();
    try {
      Long done = RELEASE.run(redis, ScriptOutputType.INTEGER, redisKey(key), utf8(token));
      return done == 1;
    } catch (RedisException e) {
      throw failure("release", key, e);
    }
  }

  @Override
  public long maxResponseBytes() {
    return maxResponseBytes;
  }

  /** Returns the policy for claims whose lease expired. */
  public ExpiredLeasePolicy expiredLeasePolicy() {
    return policy;
  }

  /** Returns the prefix of every key this store writes. */
  public String keyPrefix() {
    return keyPrefix;
  }

  /**
   * Closes the connection and the client this store created; a connection or client the
   * application passed in stays open. Idempotent. Operations after close throw {@link
   * IllegalStateException}.
   */
  @Override
  public void close() {
    if (!closed.compareAndSet(false, true)) {
      return;
    }
    try {
      if (ownedConnection != null) {
        ownedConnection.close();
      }
    } finally {
      if (ownedClient != null) {
        ownedClient.shutdown();
      }
    }
  }

  @Override
  public String toString() {
    return "RedisIdempotencyStore[prefix=" + keyPrefix + ", " + policy + ", maxResponseBytes="
        + maxResponseBytes + (closed.get() ? ", closed" : "") + "]";
  }

  /** Returns the Redis key of {@code key}: the prefix, then the storage key, in UTF-8. */
  byte[] redisKey(IdempotencyKey key) {
    byte[] k = utf8(key.storageKey());
    byte[] out = new byte[prefixBytes.length + k.length];
    System.arraycopy(prefixBytes, 0, out, 0, prefixBytes.length);
    System.arraycopy(k, 0, out, prefixBytes.length, k.length);
    return out;
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("store is closed");
    }
  }

  private RedisStoreException failure(String operation, IdempotencyKey key, RedisException cause) {
    return new RedisStoreException("redis idempotency store could not " + operation + " "
        + keyPrefix + key.storageKey() + ": " + cause.getMessage(), cause);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] number(long n) {
    return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
  }

  static long ceilMillis(Duration d) {
    long millis = d.toMillis();
    return d.minusMillis(millis).isZero() ? millis : millis + 1;
  }
}
