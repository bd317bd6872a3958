package dev.closedloop.sync.bench;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import java.security.Principal;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Enumeration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A POST request held in memory, for driving a filter without a container: method, URI, content
 * type, headers, attributes and a body that {@link #reset} rewinds, so one instance serves every
 * operation of a benchmark. What a container would do besides (parsing, dispatching) is not
 * here; every method the fake does not implement throws.
 *
 * <p>This class is not threadsafe.
 */
final class FakeRequest extends HttpServletRequestWrapper {
  private final String uri;
  private final String contentType;
  private final byte[] body;
  private final List<String> headerNames = new ArrayList<>();
  private final List<String> headerValues = new ArrayList<>();
  private final Map<String, Object> attributes = new HashMap<>();
  private final Body in = new Body();

  FakeRequest(String uri, String contentType, byte[] body) {
    super(Unsupported.of(HttpServletRequest.class));
    this.uri = uri;
    this.contentType = contentType;
    this.body = body;
  }

  /** Makes the request new again: no attributes, the body unread, the given key header. */
  FakeRequest reset(@Nullable String idempotencyKey) {
    attributes.clear();
    in.position = 0;
    headerNames.clear();
    headerValues.clear();
    headerNames.add("Content-Type");
    headerValues.add(contentType);
    if (idempotencyKey != null) {
      headerNames.add("Idempotency-Key");
      headerValues.add(idempotencyKey);
    }
    return this;
  }

  @Override
  public DispatcherType getDispatcherType() {
    return DispatcherType.REQUEST;
  }

  @Override
  public String getMethod() {
    return "POST";
  }

  @Override
  public String getRequestURI() {
    return uri;
  }

  @Override
  public String getContextPath() {
    return "";
  }

  @Override
  public String getServletPath() {
    return uri;
  }

  @Override
  public @Nullable String getPathInfo() {
    return null;
  }

  @Override
  public @Nullable String getQueryString() {
    return null;
  }

  @Override
  public String getContentType() {
    return contentType;
  }

  @Override
  public @Nullable String getCharacterEncoding() {
    return null;
  }

  @Override
  public int getContentLength() {
    return body.length;
  }

  @Override
  public long getContentLengthLong() {
    return body.length;
  }

  @Override
  public @Nullable Principal getUserPrincipal() {
    return null;
  }

  @Override
  public boolean isAsyncStarted() {
    return false;
  }

  @Override
  public @Nullable String getHeader(String name) {
    for (int i = 0; i < headerNames.size(); i++) {
      if (headerNames.get(i).equalsIgnoreCase(name)) {
        return headerValues.get(i);
      }
    }
    return null;
  }

  @Override
  public Enumeration<String> getHeaders(String name) {
    String value = getHeader(name);
    return value == null ? Collections.emptyEnumeration() : Collections.enumeration(List.of(value));
  }

  @Override
  public Enumeration<String> getHeaderNames() {
    return Collections.enumeration(headerNames);
  }

  @Override
  public @Nullable Object getAttribute(String name) {
    return attributes.get(name);
  }

  @Override
  public Enumeration<String> getAttributeNames() {
    return Collections.enumeration(attributes.keySet());
  }

  @Override
  public void setAttribute(String name, @Nullable Object value) {
    if (value == null) {
      attributes.remove(name);
    } else {
      attributes.put(name, value);
    }
  }

  @Override
  public void removeAttribute(String name) {
    attributes.remove(name);
  }

  @Override
  public ServletInputStream getInputStream() {
    return in;
  }

  /** The body, read from {@link #body} at {@link #position}. */
  private final class Body extends ServletInputStream {
    int position;

    @Override
    public int read() {
      return position < body.length ? body[position++] & 0xFF : -1;
    }

    @Override
    public int read(byte[] b, int off, int len) {
      if (len == 0) {
        return 0;
      }
      int n = Math.min(len, body.length - position);
      if (n <= 0) {
        return -1;
      }
      System.arraycopy(body, position, b, off, n);
      position += n;
      return n;
    }

    @Override
    public boolean isFinished() {
      return position >= body.length;
    }

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setReadListener(ReadListener listener) {
      throw new UnsupportedOperationException("the fake request is blocking only");
    }
  }
}
