package dev.closedloop.sync.bench;

import jakarta.servlet.ServletOutputStream;
import jakarta.servlet.WriteListener;
import jakarta.servlet.http.HttpServletResponse;
import jakarta.servlet.http.HttpServletResponseWrapper;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * A response held in memory, for driving a filter without a container: status, headers, content
 * type and a body buffer that {@link #reset()} empties, so one instance serves every operation of
 * a benchmark. Committing only sets a flag; nothing is sent. Every method the fake does not
 * implement throws.
 *
 * <p>This class is not threadsafe.
 */
final class FakeResponse extends HttpServletResponseWrapper {
  private final List<String> headerNames = new ArrayList<>();
  private final List<String> headerValues = new ArrayList<>();
  private final Out out = new Out();
  private int status = 200;
  private @Nullable String contentType;
  private @Nullable String characterEncoding;
  private long contentLength = -1;
  private boolean committed;

  FakeResponse() {
    super(Unsupported.of(HttpServletResponse.class));
  }

  @Override
  public void reset() {
    headerNames.clear();
    headerValues.clear();
    out.size = 0;
    status = 200;
    contentType = null;
    characterEncoding = null;
    contentLength = -1;
    committed = false;
  }

  /** Returns the bytes written so far. */
  byte[] body() {
    return Arrays.copyOf(out.data, out.size);
  }

  /** Returns how many bytes were written so far. */
  int bodySize() {
    return out.size;
  }

  long contentLength() {
    return contentLength;
  }

  @Override
  public void setStatus(int sc) {
    status = sc;
  }

  @Override
  public int getStatus() {
    return status;
  }

  @Override
  public void setContentType(@Nullable String type) {
    contentType = type;
  }

  @Override
  public @Nullable String getContentType() {
    return contentType;
  }

  @Override
  public void setCharacterEncoding(@Nullable String charset) {
    characterEncoding = charset;
  }

  @Override
  public String getCharacterEncoding() {
    return characterEncoding == null ? "ISO-8859-1" : characterEncoding;
  }

  @Override
  public void setLocale(@Nullable Locale locale) {
    // no locale-dependent behaviour to fake
  }

  @Override
  public void setContentLength(int len) {
    contentLength = len;
  }

  @Override
  public void setContentLengthLong(long len) {
    contentLength = len;
  }

  @Override
  public void setHeader(String name, @Nullable String value) {
    for (int i = headerNames.size() - 1; i >= 0; i--) {
      if (headerNames.get(i).equalsIgnoreCase(name)) {
        headerNames.remove(i);
        headerValues.remove(i);
      }
    }
    if (value != null) {
      addHeader(name, value);
    }
  }

  @Override
  public void addHeader(String name, @Nullable String value) {
    if (value != null) {
      headerNames.add(name);
      headerValues.add(value);
    }
  }

  @Override
  public void setIntHeader(String name, int value) {
    setHeader(name, Integer.toString(value));
  }

  @Override
  public void addIntHeader(String name, int value) {
    addHeader(name, Integer.toString(value));
  }

  @Override
  public boolean containsHeader(String name) {
    return getHeader(name) != null;
  }

  @Override
  public @Nullable String getHeader(String name) {
    if ("Content-Type".equalsIgnoreCase(name)) {
      return contentType;
    }
    for (int i = 0; i < headerNames.size(); i++) {
      if (headerNames.get(i).equalsIgnoreCase(name)) {
        return headerValues.get(i);
      }
    }
    return null;
  }

  @Override
  public Collection<String> getHeaders(String name) {
    if ("Content-Type".equalsIgnoreCase(name)) {
      return contentType == null ? List.of() : List.of(contentType);
    }
    List<String> values = new ArrayList<>(2);
    for (int i = 0; i < headerNames.size(); i++) {
      if (headerNames.get(i).equalsIgnoreCase(name)) {
        values.add(headerValues.get(i));
      }
    }
    return values;
  }

  @Override
  public Collection<String> getHeaderNames() {
    LinkedHashSet<String> names = new LinkedHashSet<>();
    if (contentType != null) {
      names.add("Content-Type");
    }
    names.addAll(headerNames);
    return names;
  }

  @Override
  public ServletOutputStream getOutputStream() {
    return out;
  }

  @Override
  public void flushBuffer() {
    committed = true;
  }

  @Override
  public boolean isCommitted() {
    return committed;
  }

  @Override
  public void resetBuffer() {
    out.size = 0;
  }

  /** The body buffer; grows once, then is reused. */
  private static final class Out extends ServletOutputStream {
    byte[] data = new byte[4096];
    int size;

    @Override
    public void write(int b) {
      ensure(1);
      data[size++] = (byte) b;
    }

    @Override
    public void write(byte[] b, int off, int len) {
      ensure(len);
      System.arraycopy(b, off, data, size, len);
      size += len;
    }

    private void ensure(int more) {
      if (size + more > data.length) {
        data = Arrays.copyOf(data, Math.max(size + more, data.length * 2));
      }
    }

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setWriteListener(WriteListener listener) {
      throw new UnsupportedOperationException("the fake response is blocking only");
    }
  }
}
