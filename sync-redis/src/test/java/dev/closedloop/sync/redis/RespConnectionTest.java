package dev.closedloop.sync.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The store's own RESP2 connection against a scripted server on loopback (no Redis needed):
 * every reply type, replies torn across packets, error replies that leave the connection usable,
 * malformed replies, and the two ways a connection breaks (before the reply, or in it).
 */
class RespConnectionTest {
  private final ServerSocket listener;
  private Socket server;
  private RespConnection connection;

  RespConnectionTest() throws IOException {
    listener = new ServerSocket(0, 1, InetAddress.getLoopbackAddress());
  }

  @AfterEach
  void close() throws IOException {
    if (connection != null) {
      connection.close();
    }
    if (server != null) {
      server.close();
    }
    listener.close();
  }

  /** Opens a connection whose handshake (CLIENT SETNAME) the scripted server answers. */
  private void connect() throws Exception {
    CompletableFuture<Socket> accepted = CompletableFuture.supplyAsync(() -> {
      try {
        Socket s = listener.accept();
        readCommand(s.getInputStream());
        s.getOutputStream().write("+OK\r\n".getBytes(StandardCharsets.US_ASCII));
        return s;
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    connection = RespConnection.open("127.0.0.1", listener.getLocalPort(), 2_000, null, null, 0, "cls-test");
    server = accepted.get(5, TimeUnit.SECONDS);
  }

  /** Reads one RESP array of bulk strings, as the client writes it, and returns its parts. */
  private static List<String> readCommand(InputStream in) throws IOException {
    int n = Integer.parseInt(line(in).substring(1));
    String[] parts = new String[n];
    for (int i = 0; i < n; i++) {
      int len = Integer.parseInt(line(in).substring(1));
      parts[i] = new String(in.readNBytes(len), StandardCharsets.UTF_8);
      line(in);
    }
    return Arrays.asList(parts);
  }

  private static String line(InputStream in) throws IOException {
    StringBuilder b = new StringBuilder();
    for (int c; (c = in.read()) != '\n'; ) {
      if (c < 0) {
        throw new IOException("closed");
      }
      if (c != '\r') {
        b.append((char) c);
      }
    }
    return b.toString();
  }

  /** The server answers the next command with {@code chunks}, flushed one by one. */
  private CompletableFuture<List<String>> answer(String... chunks) {
    return CompletableFuture.supplyAsync(() -> {
      try {
        List<String> command = readCommand(server.getInputStream());
        OutputStream out = server.getOutputStream();
        for (String chunk : chunks) {
          out.write(chunk.getBytes(StandardCharsets.UTF_8));
          out.flush();
          Thread.sleep(5); // separate packets, most of the time
        }
        return command;
      } catch (IOException | InterruptedException e) {
        throw new IllegalStateException(e);
      }
    });
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @Test
  void everyReplyTypeMapsToItsJavaType() throws Exception {
    connect();
    CompletableFuture<List<String>> sent = answer("*5\r\n+OK\r\n:-42\r\n$3\r\nabc\r\n$-1\r\n*2\r\n$0\r\n\r\n*-1\r\n");

    Object reply = connection.call(b("EVALSHA"), b("sha"), b("1"), b("key"), b("arg with space"));

    assertThat(sent.get(5, TimeUnit.SECONDS)).containsExactly("EVALSHA", "sha", "1", "key", "arg with space");
    List<?> items = (List<?>) reply;
    assertThat(items).hasSize(5);
    assertThat(items.get(0)).isEqualTo("OK");
    assertThat(items.get(1)).isEqualTo(-42L);
    assertThat((byte[]) items.get(2)).isEqualTo(b("abc"));
    assertThat(items.get(3)).isNull();
    List<?> nested = (List<?>) items.get(4);
    assertThat((byte[]) nested.get(0)).isEmpty();
    assertThat(nested.get(1)).isNull();
  }

  @Test
  void aReplyTornAcrossPacketsIsReadWhole() throws Exception {
    connect();
    byte[] big = new byte[40_000]; // larger than the read buffer
    Arrays.fill(big, (byte) 'x');
    String body = new String(big, StandardCharsets.US_ASCII);
    answer("$4", "0000\r", "\n" + body.substring(0, 10), body.substring(10), "\r\n");

    assertThat((byte[]) connection.call(b("GET"), b("k"))).isEqualTo(big);
  }

  @Test
  void errorRepliesThrowAndLeaveTheConnectionUsable() throws Exception {
    connect();
    answer("-NOSCRIPT No matching script.\r\n");
    assertThatThrownBy(() -> connection.call(b("EVALSHA"), b("x"), b("0")))
        .isInstanceOf(RedisNoScriptException.class).hasMessageStartingWith("NOSCRIPT");
    answer("-WRONGTYPE Operation against a key holding the wrong kind of value\r\n");
    assertThatThrownBy(() -> connection.call(b("GET"), b("h")))
        .isInstanceOf(RedisCommandExecutionException.class).hasMessageStartingWith("WRONGTYPE");
    answer(":1\r\n");
    assertThat(connection.call(b("DEL"), b("k"))).isEqualTo(1L);
  }

  @Test
  void malformedRepliesAreIoErrors() throws Exception {
    connect();
    answer("?what\r\n");
    assertThatThrownBy(() -> connection.call(b("PING"))).isInstanceOf(IOException.class)
        .isNotInstanceOf(RespConnection.Unanswered.class).hasMessageContaining("not a RESP2 reply");
  }

  @Test
  void aMalformedNumberIsAnIoError() throws Exception {
    connect();
    answer(":12a\r\n");
    assertThatThrownBy(() -> connection.call(b("INCR"), b("k"))).isInstanceOf(IOException.class)
        .hasMessageContaining("not a number");
  }

  @Test
  void aConnectionClosedBeforeTheReplyIsUnanswered() throws Exception {
    connect();
    CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> {
      try {
        readCommand(server.getInputStream());
        server.close();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThatThrownBy(() -> connection.call(b("SET"), b("k"), b("v"))).isInstanceOf(RespConnection.Unanswered.class);
    closed.get(5, TimeUnit.SECONDS);
  }

  @Test
  void aConnectionClosedInTheMiddleOfTheReplyIsNotUnanswered() throws Exception {
    connect();
    CompletableFuture<Void> closed = CompletableFuture.runAsync(() -> {
      try {
        readCommand(server.getInputStream());
        server.getOutputStream().write(b("$10\r\nabc"));
        server.getOutputStream().flush();
        server.close();
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThatThrownBy(() -> connection.call(b("GET"), b("k"))).isInstanceOf(IOException.class)
        .isNotInstanceOf(RespConnection.Unanswered.class);
    closed.get(5, TimeUnit.SECONDS);
  }

  @Test
  void aServerThatDoesNotAnswerTimesOutWithoutBeingUnanswered() throws Exception {
    connect();
    CompletableFuture<List<String>> read = CompletableFuture.supplyAsync(() -> {
      try {
        return readCommand(server.getInputStream()); // and never answers
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThatThrownBy(() -> connection.call(b("GET"), b("k"))).isInstanceOf(SocketTimeoutException.class);
    assertThat(read.get(5, TimeUnit.SECONDS)).containsExactly("GET", "k");
  }

  @Test
  void theHandshakeSendsAuthSelectAndTheClientName() throws Exception {
    CompletableFuture<List<List<String>>> handshake = CompletableFuture.supplyAsync(() -> {
      try (Socket s = listener.accept()) {
        List<List<String>> commands = new java.util.ArrayList<>();
        for (int i = 0; i < 3; i++) {
          commands.add(readCommand(s.getInputStream()));
          s.getOutputStream().write(b("+OK\r\n"));
        }
        return commands;
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    try (RespConnection c = RespConnection.open("127.0.0.1", listener.getLocalPort(), 2_000, "app",
        "s3cret".toCharArray(), 5, "cls-node")) {
      assertThat(handshake.get(5, TimeUnit.SECONDS)).containsExactly(
          List.of("AUTH", "app", "s3cret"), List.of("SELECT", "5"), List.of("CLIENT", "SETNAME", "cls-node"));
    }
  }

  @Test
  void aRefusedPasswordFailsTheOpen() throws Exception {
    CompletableFuture<Void> refusing = CompletableFuture.runAsync(() -> {
      try (Socket s = listener.accept()) {
        readCommand(s.getInputStream());
        s.getOutputStream().write(b("-WRONGPASS invalid username-password pair\r\n"));
        s.getInputStream().read(); // until the client closes
      } catch (IOException e) {
        throw new IllegalStateException(e);
      }
    });
    assertThatThrownBy(() -> RespConnection.open("127.0.0.1", listener.getLocalPort(), 2_000, null,
        "nope".toCharArray(), 0, "cls-node"))
        .isInstanceOf(RedisCommandExecutionException.class).hasMessageStartingWith("WRONGPASS");
    refusing.get(5, TimeUnit.SECONDS);
  }
}
