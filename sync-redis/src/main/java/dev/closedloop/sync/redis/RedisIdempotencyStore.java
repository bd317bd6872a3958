package dev.closedloop.sync.redis;

import dev.closedloop.sync.idempotency.ClaimResult;
import dev.closedloop.sync.idempotency.ExpiredLeasePolicy;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.IdempotencyStoreStats;
import dev.closedloop.sync.idempotency.StoredResponse;
import dev.closedloop.sync.idempotency.IdempotencyStoreCounters;
import dev.closedloop.sync.idempotency.spi.OwnerTokens;
import dev.closedloop.sync.idempotency.spi.StoreArguments;
import dev.closedloop.sync.idempotency.spi.StoredResponseCodec;
import io.lettuce.core.RedisException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
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
 * Each entry is one string at {@code <keyPrefix><IdempotencyKey.storageKey()>}, binary-safe,
 * version 2 of the layout (version 1 was a hash):
 *
 * <pre>
 * &lt;state&gt;:&lt;lease ms&gt;:&lt;ttl ms&gt;:&lt;token bytes&gt;:&lt;fingerprint bytes&gt;:&lt;token&gt;&lt;fingerprint&gt;[&lt;response&gt;]
 *
 * state        p (in progress) or c (completed)
 * lease ms     the lease the claim was given
 * ttl ms       the key's TTL when it was claimed
 * ... bytes    the UTF-8 lengths of token and fingerprint, in decimal
 * response     completed entries only: StoredResponseCodec.encode(StoredResponse), to the end
 * </pre>
 *
 * The lease end is not stored as a time: it is the claim's server time plus the lease, which is
 * {@code PTTL - (ttl - lease)} from now, so every lease is measured on Redis's clock. Every entry
 * has a TTL: the lease under {@link ExpiredLeasePolicy#RE_EXECUTE}, the longer of lease and
 * abandoned-claim retention under {@link ExpiredLeasePolicy#CONFLICT_UNTIL_EXPIRY}, the retention
 * once completed. Redis removes dead entries itself; nothing needs sweeping.
 *
 * <h2>Operations</h2>
 *
 * <b>Claim</b> is one round trip. On Redis 7 or later (detected when the store is built) it is
 * the native {@code SET key entry NX PX ttl GET}: a fresh key is claimed by that one command,
 * and an existing key comes back in the same reply, so a completed entry or a mismatch is
 * answered from it; only a key in progress under another owner takes a second round trip, the
 * claim script, which weighs the lease in server time. Before Redis 7 ({@code NX} with {@code
 * GET} is refused there) every claim is the script. <b>Complete</b>, <b>renew</b> and <b>release</b> are
 * owner-checked scripts: they compare the token first and change nothing for anyone else.
 * Scripts run by {@code EVALSHA}, falling back to {@code EVAL} once when the server does not
 * know them. Owner tokens are made by the store ({@link OwnerTokens}) and sent with the claim,
 * so a claim that Lettuce resends after a reconnect finds its own token and answers {@link
 * ClaimResult.Claimed} again instead of blocking its key.
 *
 * <h2>Redis Cluster</h2>
 *
 * Every command and script touches exactly one key, so the store runs unchanged on Redis
 * Cluster ({@link RedisIdempotencyStoreBuilder#clusterUris} or {@link
 * RedisIdempotencyStoreBuilder#clusterConnection}), and entries spread over all slots by their
 * key. The store needs no hash tag of its own; keep hash tags ({@code {...}}) out of the key
 * prefix: a prefix like {@code {idem}:} would pin every entry to one slot and one node. A client
 * key that contains a hash tag only moves its own entry.
 *
 * <h2>Replication and failover: what can be lost</h2>
 *
 * Redis replicates asynchronously: a master acknowledges a write before any replica has it. If
 * the master dies in that window (typically well under a millisecond, longer while a replica
 * lags or is cut off) and its replica is promoted, the write is gone. For this store:
 *
 * <ul>
 *   <li>a lost <b>claim</b> frees its key on the new master while the first request may still run
 *       (or has run): a retry claims again and the handler runs twice. This is the one way a
 *       failover breaks exactly-once by default.
 *   <li>a lost <b>completion</b> leaves the claim in progress (if the claim itself reached the
 *       replica): retries wait, and the filter's completion retry stores the response again;
 *       with nobody left to retry, the lease runs out and the request may run again, as after a
 *       node crash.
 *   <li>a lost <b>renewal</b> shortens the lease to what the replica had, until the next renewal.
 *   <li>a lost <b>release</b> keeps the key blocked until its lease ends.
 * </ul>
 *
 * {@link RedisIdempotencyStoreBuilder#waitForReplicas} closes the window for claims,
 * completions and renewals: each is acknowledged only after {@code WAIT} confirms that many
 * replicas have it, and fails with {@link RedisStoreException} (run nothing, answer 503) when
 * they do not confirm in time. A failover can then lose only writes that were never
 * acknowledged. A claim whose {@code WAIT} fell short is released again at once (best effort),
 * so a retry once the replicas are back claims the key afresh; if that release fails too, the
 * claim stays until its lease ends and retries are answered "in progress" meanwhile. Even
 * with {@code WAIT}, a promoted replica that had a write is still chosen by the cluster, not by
 * the store: Redis Cluster promotes the replica with the most data, and {@code WAIT 1} on a
 * master with one replica makes that replica the one with the claim. Replies that only read
 * (a replay of a completed response, "in progress", a mismatch) may reflect a write not yet
 * replicated; they run nothing, so a failover cannot make them run anything twice.
 *
 * <h2>Failures</h2>
 *
 * When Redis cannot be reached, does not answer within the command timeout or refuses a
 * command, the operation throws {@link RedisStoreException}; the caller must run nothing. The
 * store has no bound of its own: size Redis with {@code maxmemory} and a {@code volatile-*} or
 * {@code noeviction} policy (every entry has a TTL; {@code noeviction} never drops a claim in
 * progress). Responses larger than {@link #maxResponseBytes()} are kept as not replayable.
 *
 * <p>{@link #close()} closes the connections and client the store created, never ones the
 * application passed in.
 *
 * <h2>Transports</h2>
 *
 * Built from a plain {@code redis://} URI, the store sends its commands over blocking connections
 * of its own, one per concurrent caller (at most {@link
 * RedisIdempotencyStoreBuilder#maxConnections}); everything else (TLS, Sentinel, an application's
 * client or connection, Redis Cluster) goes through Lettuce. The first is about 1.4 times as fast
 * on a small machine; both behave the same (see {@link RedisIdempotencyStoreBuilder}).
 *
 * <p>This class is threadsafe: callers share the store, its connections are handed to one caller
 * at a time (or, on Lettuce, shared by all, which pipelines their commands).
 */
public final class RedisIdempotencyStore implements IdempotencyStore, AutoCloseable {
  /** The pattern of an entry's header, in Lua: state, lease, ttl, token length, fingerprint length, then where the token starts. */
  private static final String HEADER = "'^([pc]):(%d+):(%d+):(%d+):(%d+):()'";

  static final String CLAIM_LUA = String.join("\n",
      "-- KEYS[1] entry; ARGV: the new entry, its ttl ms, token, fingerprint,",
      "-- '1' if an expired lease frees the key (re-execute)",
      "local v = redis.call('GET', KEYS[1])",
      "if v then",
      "  local st, lease, ttl, tl, fl, at = string.match(v, " + HEADER + ")",
      "  if not st then return redis.error_reply('ERR not an idempotency entry: ' .. KEYS[1]) end",
      "  tl = tonumber(tl)",
      "  fl = tonumber(fl)",
      "  local left = 0",
      "  if st == 'p' then",
      "    if string.sub(v, at, at + tl - 1) == ARGV[3] then",
      "      local t = redis.call('PTTL', KEYS[1])",
      "      if t > 0 then redis.call('PEXPIRE', KEYS[1], t) end -- a write, which a WAIT after it covers",
      "      return {1}",
      "    end",
      "    left = redis.call('PTTL', KEYS[1]) - (tonumber(ttl) - tonumber(lease))",
      "  end",
      "  if not (st == 'p' and left <= 0 and ARGV[5] == '1') then",
      "    if string.sub(v, at + tl, at + tl + fl - 1) ~= ARGV[4] then return {4} end",
      "    if st == 'c' then return {3, string.sub(v, at + tl + fl)} end",
      "    if left <= 0 then left = redis.call('PTTL', KEYS[1]) end",
      "    if left < 1 then left = 1 end",
      "    return {2, left}",
      "  end",
      "end",
      "redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])",
      "return {1}");

  static final String COMPLETE_LUA = String.join("\n",
      "-- KEYS[1] entry; ARGV: token, encoded response, retention ms",
      "local v = redis.call('GET', KEYS[1])",
      "if not v then return 0 end",
      "local st, lease, ttl, tl, fl, at = string.match(v, " + HEADER + ")",
      "tl = tonumber(tl)",
      "if string.sub(v, at, at + tl - 1) ~= ARGV[1] then return 0 end",
      "if st ~= 'p' then",
      "  local t = redis.call('PTTL', KEYS[1])",
      "  if t > 0 then redis.call('PEXPIRE', KEYS[1], t) end -- a write, which a WAIT after it covers",
      "  return 0",
      "end",
      "redis.call('SET', KEYS[1], 'c' .. string.sub(v, 2, at + tl + tonumber(fl) - 1) .. ARGV[2], 'PX', ARGV[3])",
      "return 1");

  static final String RELEASE_LUA = String.join("\n",
      "-- KEYS[1] entry; ARGV: token",
      "local v = redis.call('GET', KEYS[1])",
      "if not v then return 0 end",
      "local st, lease, ttl, tl, fl, at = string.match(v, " + HEADER + ")",
      "if st ~= 'p' then return 0 end",
      "if string.sub(v, at, at + tonumber(tl) - 1) ~= ARGV[1] then return 0 end",
      "redis.call('DEL', KEYS[1])",
      "return 1");

  static final String RENEW_LUA = String.join("\n",
      "-- KEYS[1] entry; ARGV: token, new lease ms, new ttl ms",
      "local v = redis.call('GET', KEYS[1])",
      "if not v then return 0 end",
      "local st, lease, ttl, tl, fl, at = string.match(v, " + HEADER + ")",
      "if st ~= 'p' then return 0 end",
      "if string.sub(v, at, at + tonumber(tl) - 1) ~= ARGV[1] then return 0 end",
      "redis.call('SET', KEYS[1], 'p:' .. ARGV[2] .. ':' .. ARGV[3] .. ':' .. tl .. ':' .. fl .. ':'"
          + " .. string.sub(v, at), 'PX', ARGV[3])",
      "return 1");

  private static final LuaScript CLAIM = new LuaScript(CLAIM_LUA);
  private static final LuaScript RENEW = new LuaScript(RENEW_LUA);
  private static final LuaScript COMPLETE = new LuaScript(COMPLETE_LUA);
  private static final LuaScript RELEASE = new LuaScript(RELEASE_LUA);
  private static final byte[] ONE = {'1'};
  private static final byte[] ZERO = {'0'};
  private static final ClaimResult MISMATCH = new ClaimResult.Mismatch();

  private final StoreCommands redis;
  private final boolean nativeClaims;
  private final String keyPrefix;
  private final byte[] prefixBytes;
  private final ExpiredLeasePolicy policy;
  private final long abandonedRetentionMillis;
  private final long maxResponseBytes;
  private final OwnerTokens tokens = OwnerTokens.create();
  private final IdempotencyStoreCounters counters = new IdempotencyStoreCounters();
  private final AtomicBoolean closed = new AtomicBoolean();

  RedisIdempotencyStore(StoreCommands redis, boolean nativeClaims, String keyPrefix,
      ExpiredLeasePolicy policy, Duration abandonedRetention, long maxResponseBytes) {
    this.redis = redis;
    this.nativeClaims = nativeClaims;
    this.keyPrefix = keyPrefix;
    this.prefixBytes = keyPrefix.getBytes(StandardCharsets.UTF_8);
    this.policy = policy;
    this.abandonedRetentionMillis = StoreArguments.ceilMillis(abandonedRetention);
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
    long leaseMillis = StoreArguments.claim(key, fingerprint, lease);
    return counters.claimed(claim(key, fingerprint, leaseMillis, tokens.next()));
  }

  /** Claims with a given token: what a resent claim looks like to Redis. */
  ClaimResult claim(IdempotencyKey key, String fingerprint, long leaseMillis, String token) {
    checkOpen();
    boolean reExecute = policy == ExpiredLeasePolicy.RE_EXECUTE;
    long ttl = reExecute ? leaseMillis : Math.max(leaseMillis, abandonedRetentionMillis);
    byte[] redisKey = redisKey(key);
    byte[] tokenBytes = utf8(token);
    byte[] fingerprintBytes = utf8(fingerprint);
    byte[] entry = Entry.inProgress(leaseMillis, ttl, tokenBytes, fingerprintBytes);
    if (nativeClaims) {
      byte[] old;
      try {
        old = redis.setNxGet(redisKey, entry, ttl);
      } catch (ReplicaWait.Behind e) {
        throw unacknowledged(key, redisKey, tokenBytes, e);
      } catch (RedisException e) {
        throw failure("claim", key, e);
      }
      if (old == null) {
        return new ClaimResult.Claimed(token);
      }
      Entry existing = Entry.parse(old);
      if (existing != null && existing.completed()) {
        return existing.fingerprintEquals(fingerprintBytes) ? completed(key, existing.response()) : MISMATCH;
      }
      // in progress under another owner (the script weighs its lease in server time), or our own
      // claim resent after a reconnect (the script touches it, so a WAIT that follows covers it)
    }
    List<Object> answer;
    try {
      answer = redis.evalArray(CLAIM, redisKey,
          entry, number(ttl), tokenBytes, fingerprintBytes, reExecute ? ONE : ZERO);
    } catch (ReplicaWait.Behind e) {
      throw unacknowledged(key, redisKey, tokenBytes, e);
    } catch (RedisException e) {
      throw failure("claim", key, e);
    }
    long code = (Long) answer.get(0);
    if (code == 1) {
      return new ClaimResult.Claimed(token);
    } else if (code == 2) {
      return new ClaimResult.InProgress(Duration.ofMillis((Long) answer.get(1)));
    } else if (code == 3) {
      return completed(key, (byte[]) answer.get(1));
    } else {
      return MISMATCH;
    }
  }

  private ClaimResult completed(IdempotencyKey key, byte[] response) {
    try {
      return new ClaimResult.Completed(StoredResponseCodec.decode(response));
    } catch (IllegalArgumentException e) {
      throw new RedisStoreException("stored response at " + keyPrefix + key.storageKey()
          + " cannot be read: " + e.getMessage(), e);
    }
  }

  /**
   * Returns what this store (this instance, on this node) asked Redis and was answered: claims by
   * answer, completions, releases, renewals, refusals to a stale owner, and operations that failed
   * with Redis unreachable. Takeovers are counted as claims; entries and bytes live in Redis and
   * read -1. Nothing is added to the store's path but a counter increment.
   */
  @Override
  public IdempotencyStoreStats stats() {
    return counters.snapshot(-1, -1);
  }

  private boolean settled(boolean owner) {
    if (!owner) {
      counters.staleOwner();
    }
    return owner;
  }

  /** Returns whether claims of fresh keys are one {@code SET NX PX GET} (Redis 7 or later). */
  public boolean nativeClaims() {
    return nativeClaims;
  }

  /**
   * {@inheritDoc}
   *
   * @throws RedisStoreException if Redis cannot be reached, times out or refuses the script
   * @throws IllegalStateException if the store is closed
   */
  @Override
  public boolean complete(IdempotencyKey key, String token, StoredResponse response, Duration retention) {
    long retentionMillis = StoreArguments.complete(key, token, response, retention);
    checkOpen();
    StoredResponse kept = response.isReplayable() && response.size() > maxResponseBytes
        ? StoredResponse.notReplayable(response.status())
        : response;
    try {
      long done = redis.evalInteger(COMPLETE, redisKey(key),
          utf8(token), StoredResponseCodec.encode(kept), number(retentionMillis));
      if (done == 1) {
        counters.completed(kept);
      }
      return settled(done == 1);
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
    StoreArguments.release(key, token);
    checkOpen();
    try {
      long done = redis.evalInteger(RELEASE, redisKey(key), utf8(token));
      if (done == 1) {
        counters.released();
      }
      return settled(done == 1);
    } catch (RedisException e) {
      throw failure("release", key, e);
    }
  }

  /**
   * {@inheritDoc}
   *
   * <p>An owner-checked script rewrites the entry's lease and TTL as a claim made now would have
   * them, so the lease is again measured on Redis's clock.
   *
   * @throws RedisStoreException if Redis cannot be reached, times out or refuses the script
   * @throws IllegalStateException if the store is closed
   */
  @Override
  public boolean renew(IdempotencyKey key, String token, Duration lease) {
    long leaseMillis = StoreArguments.renew(key, token, lease);
    checkOpen();
    long ttl = policy == ExpiredLeasePolicy.RE_EXECUTE ? leaseMillis : Math.max(leaseMillis, abandonedRetentionMillis);
    try {
      long done = redis.evalInteger(RENEW, redisKey(key), utf8(token), number(leaseMillis), number(ttl));
      if (done == 1) {
        counters.renewed();
      }
      return settled(done == 1);
    } catch (RedisException e) {
      throw failure("renew", key, e);
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
    if (closed.compareAndSet(false, true)) {
      redis.close();
    }
  }

  @Override
  public String toString() {
    return "RedisIdempotencyStore[prefix=" + keyPrefix + ", " + policy + (redis instanceof RespPool ? ", own connections" : ", lettuce")
        + ", maxResponseBytes="
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

  /**
   * A claim that the replicas did not acknowledge in time: the store reports it unavailable, and
   * first tries to take back what it may have written (owner-checked, so nobody else's claim is
   * touched), so that a retry once the replicas are back is not answered "in progress" until the
   * lease ends. The release is best effort: its own {@code WAIT} falls short too, and a failure
   * changes nothing for the caller, who runs nothing either way.
   */
  private RedisStoreException unacknowledged(IdempotencyKey key, byte[] redisKey, byte[] token, ReplicaWait.Behind cause) {
    RedisStoreException failure = failure("claim", key, cause);
    try {
      redis.evalInteger(RELEASE, redisKey, token);
    } catch (RedisException e) {
      if (!(e instanceof ReplicaWait.Behind)) {
        failure.addSuppressed(e);
      }
    }
    return failure;
  }

  private RedisStoreException failure(String operation, IdempotencyKey key, RedisException cause) {
    counters.unavailable();
    return new RedisStoreException("redis idempotency store could not " + operation + " "
        + keyPrefix + key.storageKey() + ": " + cause.getMessage(), cause);
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  private static byte[] number(long n) {
    return Long.toString(n).getBytes(StandardCharsets.US_ASCII);
  }
}
