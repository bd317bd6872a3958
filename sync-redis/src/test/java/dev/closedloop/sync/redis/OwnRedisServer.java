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

  private final java.nio.file.Path dir;

  private OwnRedisServer(Process process, int port, java.nio.file.Path dir) {
    this.dir = dir;
    this.process = process;
    this.port = port;
    this.adminClient = RedisClient.create(url());
    this.adminConnection = adminClient.connect();
  }

  static OwnRedisServer start() throws IOException {
    return start(new String[0]);
  }

  /** Starts one with {@code extraArgs} appended to the command line (e.g. {@code --replicaof host port}). */
  static OwnRedisServer start(String... extraArgs) throws IOException {
    int port;
    try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = probe.getLocalPort();
    }
    // a directory of its own: a replica writes the RDB it receives from its master there
    java.nio.file.Path dir = java.nio.file.Files.createTempDirectory("own-redis-");
    Process p;
    try {
      java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("redis-server", "--port",
          Integer.toString(port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no",
          "--dir", dir.toString()));
      command.addAll(java.util.List.of(extraArgs));
      p = new ProcessBuilder(command)
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
    return new OwnRedisServer(p, port, dir);
  }

  int port() {
    return port;
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
      try (java.util.stream.Stream<java.nio.file.Path> files = java.nio.file.Files.walk(dir)) {
        files.sorted(java.util.Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
      } catch (IOException e) {
        // a temporary directory left behind is harmless
      }
    }
  }
}
