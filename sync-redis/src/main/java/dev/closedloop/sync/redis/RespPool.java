package dev.closedloop.sync.redis;

import dev.closedloop.sync.time.Ticker;
import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisCommandTimeoutException;
import io.lettuce.core.RedisConnectionException;
import io.lettuce.core.RedisException;
import io.lettuce.core.RedisNoScriptException;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentLinkedDeque;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.jspecify.annotations.Nullable;

/**
 * {@link StoreCommands} over blocking connections of the store's own, each used by one caller at
 * a time: a command costs one write and one read on the caller's thread. Sharing one Lettuce
 * connection instead hands every command to Netty's I/O thread and every reply back, which on a
 * small machine caps a store at about 70 % of what Redis serves (see {@code BENCHMARKS.md}).
 *
 * <p>Connections are opened on demand, at most {@code maxConnections} at once; a caller waits up
 * to the command timeout for one to come free. An idle connection is reused most recently used
 * first, so a quiet store keeps few warm; one idle for more than {@link #MAX_IDLE} is closed
 * instead of reused, because a firewall or load balancer may have dropped it without a word, and
 * a dead connection would cost its next caller the whole command timeout. A connection that breaks is closed; when it broke
 * before any byte of the reply (Redis restarted, or dropped the connection while it was idle or
 * while the command waited), the command is sent once more on a new connection, as Lettuce
 * resends after a reconnect: every command of the store is safe to resend. A timeout is not
 * resent: the connection is closed and the caller hears of it.
 *
 * <p>This class is threadsafe.
 */
final class RespPool implements StoreCommands {
  private static final byte[] SET = ascii("SET");
  private static final byte[] NX = ascii("NX");
  private static final byte[] PX = ascii("PX");
  private static final byte[] GET = ascii("GET");
  private static final byte[] EVALSHA = ascii("EVALSHA");
  private static final byte[] EVAL = ascii("EVAL");
  private static final byte[] ONE = ascii("1");

  /** What the store needs of a connection. */
  @FunctionalInterface
  interface Opener {
    RespConnection open() throws IOException;
  }

  @FunctionalInterface
  private interface Call<T> {
    T on(RespConnection c) throws IOException;
  }

  /** How long a connection may sit idle and still be reused. */
  static final Duration MAX_IDLE = Duration.ofSeconds(60);
  private static final long MAX_IDLE_NANOS = MAX_IDLE.toNanos();

  private final Opener opener;
  private final Ticker ticker;
  private final long timeoutMillis;
  private final Semaphore permits;
  private final ConcurrentLinkedDeque<RespConnection> idle = new ConcurrentLinkedDeque<>();
  private final AtomicBoolean closed = new AtomicBoolean();
  private final @Nullable ReplicaWait wait;
  private final byte @Nullable [][] waitCommand;

  RespPool(Opener opener, Duration timeout, int maxConnections, Ticker ticker, @Nullable ReplicaWait wait) {
    this.opener = opener;
    this.wait = wait;
    this.waitCommand = wait == null ? null : wait.command();
    this.ticker = ticker;
    this.timeoutMillis = timeout.toMillis();
    this.permits = new Semaphore(maxConnections);
  }

  /** Opens one connection now, so that a wrong address or password fails the build. */
  RespPool warm() {
    call(c -> c.call(ascii("PING")));
    return this;
  }

  @Override
  public byte @Nullable [] setNxGet(byte[] key, byte[] value, long pxMillis) {
    byte[] ttl = ascii(Long.toString(pxMillis));
    Object reply = write(SET, key, value, NX, PX, ttl, GET);
    if (reply == null) {
      return null; // the key was free and is now set: the only answer that grants a claim
    }
    return (byte[]) expect(byte[].class, reply);
  }

  @Override
  @SuppressWarnings("unchecked")
  public List<Object> evalArray(LuaScript script, byte[] key, byte[]... args) {
    return (List<Object>) expect(List.class, eval(script, key, args));
  }

  @Override
  public long evalInteger(LuaScript script, byte[] key, byte[]... args) {
    return (Long) expect(Long.class, eval(script, key, args));
  }

  @Override
  public String serverInfo() {
    return new String((byte[]) expect(byte[].class, call(c -> c.call(ascii("INFO"), ascii("server")))),
        StandardCharsets.UTF_8);
  }

  private @Nullable Object eval(LuaScript script, byte[] key, byte[][] args) {
    byte[][] command = new byte[3 + 1 + args.length][];
    command[0] = EVALSHA;
    command[1] = script.shaBytes();
    command[2] = ONE;
    command[3] = key;
    System.arraycopy(args, 0, command, 4, args.length);
    try {
      return write(command);
    } catch (RedisNoScriptException e) {
      command[0] = EVAL;
      command[1] = script.sourceBytes();
      return write(command);
    }
  }

  /**
   * Sends a command that may write; with a {@link ReplicaWait}, {@code WAIT} follows it on the
   * same connection, in the same write, and fewer acknowledgements than required throw.
   */
  private @Nullable Object write(byte[]... command) {
    byte[][] waitFor = waitCommand;
    if (waitFor == null) {
      return call(c -> c.call(command));
    }
    Object[] reply = new Object[1];
    Object acknowledged = call(c -> c.callThen(command, waitFor, reply));
    Objects.requireNonNull(wait).check((Long) expect(Long.class, acknowledged));
    return reply[0];
  }

  private static Object expect(Class<?> type, @Nullable Object reply) {
    if (!type.isInstance(reply)) {
      throw new RedisCommandExecutionException("unexpected reply from Redis: " + describe(reply));
    }
    return reply;
  }

  private static String describe(@Nullable Object reply) {
    return reply == null ? "nil" : reply.getClass().getSimpleName();
  }

  private <T> T call(Call<T> call) {
    acquire();
    try {
      try {
        return on(take(), call);
      } catch (RespConnection.Unanswered e) {
        return on(open(), call); // sent once more, on a new connection
      }
    } catch (IOException e) {
      throw failure(e);
    } finally {
      permits.release();
    }
  }

  /** Runs {@code call} on {@code c} and gives {@code c} back, unless it broke: then it is closed. */
  private <T> T on(RespConnection c, Call<T> call) throws IOException {
    try {
      T reply = call.on(c);
      give(c);
      return reply;
    } catch (RedisException e) {
      give(c); // an error reply: the connection is fine
      throw e;
    } catch (IOException e) {
      c.close();
      throw e;
    }
  }

  private void acquire() {
    checkOpen();
    try {
      if (!permits.tryAcquire(timeoutMillis, TimeUnit.MILLISECONDS)) {
        throw new RedisCommandTimeoutException("no connection to Redis came free within " + timeoutMillis + " ms");
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new RedisException("interrupted while waiting for a connection to Redis", e);
    }
  }

  private RespConnection take() {
    long now = ticker.read();
    for (RespConnection c; (c = idle.pollFirst()) != null; ) {
      if (now - c.idleSince <= MAX_IDLE_NANOS) {
        return c;
      }
      c.close(); // idle too long to trust; the ones below it are older still
    }
    return open();
  }

  private RespConnection open() {
    checkOpen();
    try {
      return opener.open();
    } catch (IOException e) {
      throw failure(e);
    }
  }

  private void give(RespConnection c) {
    c.idleSince = ticker.read();
    idle.offerFirst(c);
    if (closed.get()) {
      drain(); // closed meanwhile: the connection must not outlive the store
    }
  }

  private static RedisException failure(IOException e) {
    if (e instanceof SocketTimeoutException) {
      return new RedisCommandTimeoutException("Redis did not answer in time: " + e.getMessage());
    }
    return new RedisConnectionException("connection to Redis failed: " + e.getMessage(), e);
  }

  private void checkOpen() {
    if (closed.get()) {
      throw new IllegalStateException("store is closed");
    }
  }

  @Override
  public void close() {
    if (closed.compareAndSet(false, true)) {
      drain();
    }
  }

  private void drain() {
    for (RespConnection c; (c = idle.pollFirst()) != null; ) {
      c.close();
    }
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
