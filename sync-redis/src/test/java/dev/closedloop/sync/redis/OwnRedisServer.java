package dev.closedloop.sync.redis;

import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.abort;

import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import io.lettuce.core.codec.StringCodec;
import io.lettuce.core.output.StatusOutput;
import io.lettuce.core.protocol.CommandArgs;
import io.lettuce.core.protocol.CommandType;
import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.time.Duration;

/**
 * A {@code redis-server} of the test's own on a free loopback port, for tests that pause or stop
 * Redis: the shared server on 6379 is never paused. No persistence; stopped (and its process
 * reaped) by {@link #close()}. Skips the test when {@code redis-server} is not installed.
 */
final class OwnRedisServer implements AutoCloseable {
  private final Process process;
  private final int port;
  private final RedisClient adminClient;
  private final StatefulRedisConnection<String, String> adminConnection;

  private OwnRedisServer(Process process, int port) {
    this.process = process;
    this.port = port;
    this.adminClient = RedisClient.create(url());
    this.adminConnection = adminClient.connect();
  }

  static OwnRedisServer start() throws IOException {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    Process p;
    try {
      p = new ProcessBuilder("redis-server", "--port", Integer.toString(port), "--bind", "127.0.0.1",
          "--save", "", "--appendonly", "no", "--daemonize", "no")
          .redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.to(new File("/dev/null"))).start();
    } catch (IOException e) {
      abort("redis-server is not installed (" + e.getMessage() + "); this test starts one of its own");
      throw e;
    }
    int chosen = port;
    await().atMost(Duration.ofSeconds(10)).ignoreExceptions().until(() -> {
      try (Socket s = new Socket()) {
        s.connect(new InetSocketAddress("127.0.0.1", chosen), 200);
        return true;
      }
    });
    return new OwnRedisServer(p, port);
  }

  String url() {
    return "redis://127.0.0.1:" + port;
  }

  RedisCommands<String, String> admin() {
    return adminConnection.sync();
  }

  /** {@code CLIENT PAUSE millis ALL}: every client's commands wait (this server only). */
  void pauseAll(long millis) {
    admin().dispatch(CommandType.CLIENT, new StatusOutput<>(StringCodec.UTF8),
        new CommandArgs<>(StringCodec.UTF8).add("PAUSE").add(millis).add("ALL"));
  }

  @Override
  public void close() {
    try {
      adminConnection.close();
      adminClient.shutdown();
    } finally {
      process.destroy();
      try {
        process.waitFor();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
      }
    }
  }
}
