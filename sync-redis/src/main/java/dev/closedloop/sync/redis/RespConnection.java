package dev.closedloop.sync.redis;

import io.lettuce.core.RedisCommandExecutionException;
import io.lettuce.core.RedisNoScriptException;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * One blocking connection to Redis speaking RESP2: a command is written in one {@code write} and
 * its reply read on the caller's thread, with no hand-off to an I/O thread. Replies map to Java
 * as {@code String} (status), {@code Long} (integer), {@code byte[]} or null (bulk), {@code
 * List<Object>} or null (array); an error reply throws {@link RedisCommandExecutionException}
 * ({@link RedisNoScriptException} for {@code NOSCRIPT}) and leaves the connection usable.
 *
 * <p>An {@link IOException} leaves it unusable: close it. {@link Unanswered} says the connection
 * broke before the first byte of the reply (not a timeout), the case in which the command is
 * resent on a new connection, as Lettuce resends after a reconnect.
 *
 * <p>This class is not threadsafe: one caller at a time (the pool hands it to one).
 */
final class RespConnection implements AutoCloseable {
  /** The command failed before any byte of its reply arrived: it may or may not have run. */
  static final class Unanswered extends IOException {
    private static final long serialVersionUID = 1L;

    Unanswered(IOException cause) {
      super(cause.getMessage(), cause);
    }
  }

  private static final int MAX_LINE = 64 * 1024;

  private final Socket socket;
  private final OutputStream out;
  private final InputStream in;
  private byte[] command = new byte[512];
  private int length;
  private final byte[] buffer = new byte[16 * 1024];
  private int position;
  private int limit;
  /** When the pool last took it back, on the pool's ticker; written and read by the pool. */
  long idleSince;

  private RespConnection(Socket socket) throws IOException {
    this.socket = socket;
    this.out = socket.getOutputStream();
    this.in = socket.getInputStream();
  }

  /** Connects, then authenticates, selects the database and names the connection as asked. */
  static RespConnection open(String host, int port, int timeoutMillis, @Nullable String username,
      char @Nullable [] password, int database, String clientName) throws IOException {
    Socket socket = new Socket();
    try {
      socket.setTcpNoDelay(true);
      socket.setKeepAlive(true);
      socket.connect(new InetSocketAddress(host, port), timeoutMillis);
      socket.setSoTimeout(timeoutMillis);
      RespConnection c = new RespConnection(socket);
      if (password != null) {
        byte[] secret = new String(password).getBytes(StandardCharsets.UTF_8);
        if (username != null) {
          c.call(ascii("AUTH"), username.getBytes(StandardCharsets.UTF_8), secret);
        } else {
          c.call(ascii("AUTH"), secret);
        }
      }
      if (database != 0) {
        c.call(ascii("SELECT"), ascii(Integer.toString(database)));
      }
      c.call(ascii("CLIENT"), ascii("SETNAME"), ascii(clientName));
      return c;
    } catch (IOException | RuntimeException e) {
      socket.close();
      throw e;
    }
  }

  /**
   * Sends one command and returns its reply.
   *
   * @throws Unanswered if the connection failed before any byte of the reply arrived
   * @throws IOException if it failed while the reply was read (or timed out)
   * @throws RedisCommandExecutionException if Redis answered with an error
   */
  @Nullable Object call(byte[]... args) throws IOException {
    length = 0;
    encode(args);
    send();
    return reply();
  }

  /**
   * Sends {@code first} and {@code then} in one write (a pipeline of two) and returns the reply
   * of {@code then}; the reply of {@code first} goes to {@code firstReply}. Both replies are read
   * before an error reply of either is thrown, so the connection stays usable.
   *
   * @throws Unanswered if the connection failed before any byte of the first reply arrived
   * @throws IOException if it failed while the replies were read (or timed out)
   * @throws RedisCommandExecutionException if Redis answered either with an error (the first's wins)
   */
  @Nullable Object callThen(byte[][] first, byte[][] then, @Nullable Object[] firstReply) throws IOException {
    length = 0;
    encode(first);
    encode(then);
    send();
    RedisCommandExecutionException error = null;
    try {
      firstReply[0] = reply();
    } catch (RedisCommandExecutionException e) {
      error = e;
    }
    Object second;
    try {
      second = reply();
    } catch (RedisCommandExecutionException e) {
      throw error != null ? error : e;
    }
    if (error != null) {
      throw error;
    }
    return second;
  }

  private void encode(byte[][] args) {
    header('*', args.length);
    for (byte[] a : args) {
      header('$', a.length);
      append(a, a.length);
      append(CRLF, 2);
    }
  }

  private void send() throws IOException {
    try {
      out.write(command, 0, length);
      out.flush();
      if (position == limit) {
        fill();
      }
    } catch (SocketTimeoutException e) {
      throw e; // Redis is slow, not gone: the command may still run, so it is not resent
    } catch (IOException e) {
      throw new Unanswered(e);
    }
  }

  private static final byte[] CRLF = {'\r', '\n'};

  private void header(char type, int n) {
    ensure(16);
    command[length++] = (byte) type;
    if (n == 0) {
      command[length++] = '0';
    } else {
      int start = length;
      for (int v = n; v > 0; v /= 10) {
        command[length++] = (byte) ('0' + v % 10);
      }
      for (int i = start, j = length - 1; i < j; i++, j--) {
        byte t = command[i];
        command[i] = command[j];
        command[j] = t;
      }
    }
    command[length++] = '\r';
    command[length++] = '\n';
  }

  private void append(byte[] bytes, int n) {
    ensure(n);
    System.arraycopy(bytes, 0, command, length, n);
    length += n;
  }

  private void ensure(int more) {
    if (length + more > command.length) {
      command = Arrays.copyOf(command, Math.max(command.length * 2, length + more));
    }
  }

  private @Nullable Object reply() throws IOException {
    byte type = next();
    switch (type) {
      case '+':
        return new String(line(), StandardCharsets.UTF_8);
      case '-':
        String error = new String(line(), StandardCharsets.UTF_8);
        throw error.startsWith("NOSCRIPT") ? new RedisNoScriptException(error) : new RedisCommandExecutionException(error);
      case ':':
        return number(line());
      case '$': {
        long n = number(line());
        if (n < 0) {
          return null;
        }
        if (n > Integer.MAX_VALUE - 8) {
          throw new IOException("bulk reply too large: " + n);
        }
        byte[] bulk = new byte[(int) n];
        read(bulk);
        if (next() != '\r' || next() != '\n') {
          throw new IOException("bulk reply not ended by CRLF");
        }
        return bulk;
      }
      case '*': {
        long n = number(line());
        if (n < 0) {
          return null;
        }
        List<Object> items = new ArrayList<>((int) Math.min(n, 1024));
        for (long i = 0; i < n; i++) {
          items.add(reply());
        }
        return items;
      }
      default:
        throw new IOException("not a RESP2 reply: type byte " + (type & 0xFF));
    }
  }

  private byte[] line() throws IOException {
    byte[] line = new byte[32];
    int n = 0;
    while (true) {
      byte b = next();
      if (b == '\r') {
        if (next() != '\n') {
          throw new IOException("CR without LF in a reply line");
        }
        return Arrays.copyOf(line, n);
      }
      if (n == line.length) {
        if (n >= MAX_LINE) {
          throw new IOException("reply line longer than " + MAX_LINE + " bytes");
        }
        line = Arrays.copyOf(line, n * 2);
      }
      line[n++] = b;
    }
  }

  private static long number(byte[] digits) throws IOException {
    try {
      return Long.parseLong(new String(digits, StandardCharsets.US_ASCII));
    } catch (NumberFormatException e) {
      throw new IOException("not a number in a reply: " + new String(digits, StandardCharsets.US_ASCII), e);
    }
  }

  private byte next() throws IOException {
    if (position == limit) {
      fill();
    }
    return buffer[position++];
  }

  private void read(byte[] into) throws IOException {
    int done = 0;
    while (done < into.length) {
      if (position == limit) {
        fill();
      }
      int n = Math.min(into.length - done, limit - position);
      System.arraycopy(buffer, position, into, done, n);
      position += n;
      done += n;
    }
  }

  private void fill() throws IOException {
    int n = in.read(buffer, 0, buffer.length);
    if (n < 0) {
      throw new EOFException("connection closed by Redis");
    }
    position = 0;
    limit = n;
  }

  private static byte[] ascii(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }

  @Override
  public void close() {
    try {
      socket.close();
    } catch (IOException e) {
      // closing: nothing more to do
    }
  }
}
