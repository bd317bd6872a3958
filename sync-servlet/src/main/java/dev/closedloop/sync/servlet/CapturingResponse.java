package dev.closedloop.sync.servlet;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.io.IOException;
import java.io.OutputStream;
import java.io.OutputStreamWriter;
import java.io.PrintWriter;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.Arrays;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Captures what the application answers so that it can be stored before it is sent. Status and
 * headers go to the real response at once (nothing is sent until the body is); the body is
 * buffered up to a limit. Past the limit the buffered part and the rest stream straight to the
 * client ({@link #overflowed()}), and the filter stores the response as not replayable.
 *
 * <p>What the application may do and how it is handled:
 *
 * <ul>
 *   <li>{@code getOutputStream} or {@code getWriter} (one of them, as the servlet spec says); the
 *       writer encodes with the response's character encoding, which {@code getWriter} fixes on
 *       the real response as a container would;
 *   <li>{@code flushBuffer} and flushing the stream mark the response committed, but the bytes
 *       wait until the response is stored (or overflows);
 *   <li>{@code setContentLength}: remembered; the real length is set from the captured body, or
 *       from the declared one when the response overflows;
 *   <li>{@code sendError}: status set and the buffer replaced by the message as {@code
 *       text/plain}, so that the stored response and the replay are the same; no container error
 *       page;
 *   <li>{@code sendRedirect}: status 302 with the {@code Location} given;
 *   <li>{@code reset} and {@code resetBuffer}: allowed until the response overflows.
 * </ul>
 *
 * <p>Not part of the API. This class is not threadsafe, like the response it wraps.
 */
final class CapturingResponse extends HttpServletResponseWrapper {
  private final HttpServletResponse real;
  private final int limit;
  private ByteBuffer buffer = new ByteBuffer();
  private boolean overflowed;
  private boolean flushed;
  private long declaredLength = -1;
  private @Nullable CaptureStream stream;
  private @Nullable PrintWriter writer;
  private @Nullable Charset writerCharset;

  CapturingResponse(HttpServletResponse real, int limit) {
    super(real);
    this.real = real;
    this.limit = limit;
  }

  /** Returns whether the body passed the capture limit and went (or goes) straight to the client. */
  boolean overflowed() {
    return overflowed;
  }

  /** Returns the captured body; only meaningful when not {@link #overflowed()}. */
  byte[] capturedBody() {
    flushWriter();
    return buffer.toByteArray();
  }

  /** Sends what was captured to the client: the buffered body, or the end of an overflowed one. */
  void sendCaptured() throws IOException {
    flushWriter();
    if (overflowed) {
      real.flushBuffer();
      return;
    }
    real.setContentLength(buffer.size());
    if (buffer.size() > 0) {
      OutputStream out = real.getOutputStream();
      out.write(buffer.array(), 0, buffer.size());
    }
    real.flushBuffer();
  }

  private void flushWriter() {
    PrintWriter w = writer;
    if (w != null) {
      w.flush();
    }
  }

  // ---- body ---------------------------------------------------------------------------------

  @Override
  public ServletOutputStream getOutputStream() {
    if (writer != null) {
      throw new IllegalStateException("getWriter() has already been called on this response");
    }
    CaptureStream s = stream;
    if (s == null) {
      stream = s = new CaptureStream();
    }
    return s;
  }

  @Override
  public PrintWriter getWriter() {
    PrintWriter w = writer;
    if (w != null) {
      return w;
    }
    if (stream != null) {
      throw new IllegalStateException("getOutputStream() has already been called on this response");
    }
    String enc = real.getCharacterEncoding();
    Charset cs = enc == null ? StandardCharsets.ISO_8859_1 : Charset.forName(enc);
    real.setCharacterEncoding(cs.name()); // fixed now, as the container does on getWriter()
    writerCharset = cs;
    CaptureStream s = new CaptureStream();
    stream = s;
    writer = w = new PrintWriter(new OutputStreamWriter(s, cs), false);
    return w;
  }

  @Override
  public void setContentType(@Nullable String type) {
    Charset cs = writerCharset;
    if (cs == null || type == null) {
      real.setContentType(type);
      return;
    }
    // after getWriter() the charset can no longer change: keep the writer's
    int semi = type.indexOf(';');
    real.setContentType(semi < 0 ? type : type.substring(0, semi).trim());
    real.setCharacterEncoding(cs.name());
  }

  @Override
  public void setCharacterEncoding(@Nullable String charset) {
    if (writerCharset == null) {
      real.setCharacterEncoding(charset);
    }
  }

  @Override
  public void setLocale(@Nullable Locale locale) {
    if (writerCharset == null) {
      real.setLocale(locale);
    } else {
      String enc = real.getCharacterEncoding();
      real.setLocale(locale);
      real.setCharacterEncoding(enc);
    }
  }

  @Override
  public void setContentLength(int len) {
    setContentLengthLong(len);
  }

  @Override
  public void setContentLengthLong(long len) {
    declaredLength = len;
    if (overflowed && !real.isCommitted()) {
      real.setContentLengthLong(len);
    }
  }

  @Override
  public void setHeader(String name, @Nullable String value) {
    if ("Content-Length".equalsIgnoreCase(name)) {
      setContentLengthLong(value == null ? -1 : parseLength(value));
    } else if ("Content-Type".equalsIgnoreCase(name)) {
      setContentType(value);
    } else {
      real.setHeader(name, value);
    }
  }

  @Override
  public void addHeader(String name, @Nullable String value) {
    if ("Content-Length".equalsIgnoreCase(name) || "Content-Type".equalsIgnoreCase(name)) {
      setHeader(name, value);
    } else {
      real.addHeader(name, value);
    }
  }

  @Override
  public void setIntHeader(String name, int value) {
    if ("Content-Length".equalsIgnoreCase(name)) {
      setContentLengthLong(value);
    } else {
      real.setIntHeader(name, value);
    }
  }

  @Override
  public void addIntHeader(String name, int value) {
    if ("Content-Length".equalsIgnoreCase(name)) {
      setContentLengthLong(value);
    } else {
      real.addIntHeader(name, value);
    }
  }

  private static long parseLength(String value) {
    try {
      return Long.parseLong(value.trim());
    } catch (NumberFormatException e) {
      return -1;
    }
  }

  @Override
  public void flushBuffer() throws IOException {
    flushWriter();
    flushed = true;
    if (overflowed) {
      real.flushBuffer();
    }
  }

  @Override
  public boolean isCommitted() {
    return flushed || overflowed || real.isCommitted();
  }

  @Override
  public void resetBuffer() {
    if (overflowed) {
      throw new IllegalStateException("response already committed: it passed the idempotency capture limit");
    }
    flushWriter();
    buffer = new ByteBuffer();
    flushed = false;
  }

  @Override
  public void reset() {
    resetBuffer();
    real.reset();
    stream = null;
    writer = null;
    writerCharset = null;
    declaredLength = -1;
  }

  @Override
  public void sendError(int sc) throws IOException {
    sendError(sc, null);
  }

  @Override
  public void sendError(int sc, @Nullable String msg) throws IOException {
    if (isCommitted()) {
      throw new IllegalStateException("response already committed");
    }
    resetBuffer();
    real.setStatus(sc);
    if (msg != null && !msg.isEmpty()) {
      real.setContentType("text/plain;charset=utf-8");
      byte[] m = msg.getBytes(StandardCharsets.UTF_8);
      write(m, 0, m.length);
    }
    flushed = true;
  }

  @Override
  public void sendRedirect(String location) throws IOException {
    if (isCommitted()) {
      throw new IllegalStateException("response already committed");
    }
    resetBuffer();
    real.setStatus(HttpServletResponse.SC_FOUND);
    real.setHeader("Location", location);
    flushed = true;
  }

  // ---- capture ------------------------------------------------------------------------------

  private void write(byte[] b, int off, int len) throws IOException {
    if (!overflowed && buffer.size() + len <= limit) {
      buffer.write(b, off, len);
      return;
    }
    if (!overflowed) {
      overflowed = true;
      if (declaredLength >= 0) {
        real.setContentLengthLong(declaredLength);
      }
      ServletOutputStream out = real.getOutputStream();
      out.write(buffer.array(), 0, buffer.size());
      buffer = new ByteBuffer();
    }
    real.getOutputStream().write(b, off, len);
  }

  /** The application's output stream: into the buffer, past the limit to the client. */
  private final class CaptureStream extends ServletOutputStream {
    private final byte[] one = new byte[1];

    @Override
    public void write(int b) throws IOException {
      one[0] = (byte) b;
      CapturingResponse.this.write(one, 0, 1);
    }

    @Override
    public void write(byte[] b, int off, int len) throws IOException {
      CapturingResponse.this.write(b, off, len);
    }

    @Override
    public void flush() throws IOException {
      if (overflowed) {
        real.getOutputStream().flush();
      }
    }

    @Override
    public boolean isReady() {
      return true;
    }

    /** Captured writes never block, so the listener may write at once, on this thread. */
    @Override
    public void setWriteListener(WriteListener listener) {
      try {
        listener.onWritePossible();
      } catch (IOException | RuntimeException e) {
        listener.onError(e);
      }
    }
  }

  /** A growable byte array that exposes its storage, to write it out without a copy. */
  private static final class ByteBuffer {
    private byte[] data = new byte[512];
    private int size;

    void write(byte[] b, int off, int len) {
      if (size + len > data.length) {
        data = Arrays.copyOf(data, Math.max(size + len, data.length * 2));
      }
      System.arraycopy(b, off, data, size, len);
      size += len;
    }

    int size() {
      return size;
    }

    byte[] array() {
      return data;
    }

    byte[] toByteArray() {
      return Arrays.copyOf(data, size);
    }
  }
}
