package dev.closedloop.sync.servlet;

import jakarta.servlet.AsyncContext;
import jakarta.servlet.ReadListener;
import jakarta.servlet.ServletInputStream;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.Part;
import java.io.BufferedReader;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStreamReader;
import java.net.URLDecoder;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Collections;
import java.util.Enumeration;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * A request whose body the filter has already read (to fingerprint it): the application reads
 * the same bytes, as often as it likes, through {@link #getInputStream()} or {@link
 * #getReader()}; form parameters of {@code application/x-www-form-urlencoded} bodies are parsed
 * from them, unless the container had parsed the form before the filter ran: then its own
 * parameters pass through. {@link #startAsync()} hands out the filter's wrappers so that an asynchronous
 * handler writes into the captured response. Multipart parts are not available: the body was
 * consumed. Not part of the API.
 *
 * <p>This class is not threadsafe, like the request it wraps.
 */
final class BufferedRequest extends HttpServletRequestWrapper {
  private final byte[] body;
  private final boolean containerParameters;
  private final IdempotentExecution execution;
  private @Nullable Map<String, String[]> formParameters;
  private @Nullable AsyncContext asyncContext;

  /**
   * @param containerParameters the container parsed the form before the filter ran (the body is
   *     gone): parameters come from the container, untouched
   */
  BufferedRequest(HttpServletRequest request, byte[] body, boolean containerParameters, IdempotentExecution execution) {
    super(request);
    this.body = body;
    this.containerParameters = containerParameters;
    this.execution = execution;
  }

  @Override
  public ServletInputStream getInputStream() {
    return new BodyStream(body);
  }

  @Override
  public BufferedReader getReader() {
    String enc = getCharacterEncoding();
    Charset cs = enc == null ? StandardCharsets.ISO_8859_1 : Charset.forName(enc);
    return new BufferedReader(new InputStreamReader(new ByteArrayInputStream(body), cs));
  }

  @Override
  public int getContentLength() {
    return body.length;
  }

  @Override
  public long getContentLengthLong() {
    return body.length;
  }

  // ---- parameters ---------------------------------------------------------------------------

  private boolean isForm() {
    if (containerParameters) {
      return false; // the container's own parameters pass through
    }
    String ct = getContentType();
    return ct != null && ct.toLowerCase(Locale.ROOT).startsWith("application/x-www-form-urlencoded");
  }

  private Map<String, String[]> formParameters() {
    Map<String, String[]> p = formParameters;
    if (p == null) {
      String enc = getCharacterEncoding();
      Charset cs = enc == null ? StandardCharsets.UTF_8 : Charset.forName(enc);
      Map<String, List<String>> collected = new LinkedHashMap<>();
      parse(getQueryString(), StandardCharsets.UTF_8, collected);
      parse(new String(body, StandardCharsets.ISO_8859_1), cs, collected);
      p = new LinkedHashMap<>();
      for (Map.Entry<String, List<String>> e : collected.entrySet()) {
        p.put(e.getKey(), e.getValue().toArray(new String[0]));
      }
      formParameters = p = Collections.unmodifiableMap(p);
    }
    return p;
  }

  private static void parse(@Nullable String encoded, Charset cs, Map<String, List<String>> into) {
    if (encoded == null || encoded.isEmpty()) {
      return;
    }
    for (String pair : encoded.split("&")) {
      if (pair.isEmpty()) {
        continue;
      }
      int eq = pair.indexOf('=');
      String name = decode(eq < 0 ? pair : pair.substring(0, eq), cs);
      String value = eq < 0 ? "" : decode(pair.substring(eq + 1), cs);
      into.computeIfAbsent(name, k -> new ArrayList<>()).add(value);
    }
  }

  private static String decode(String s, Charset cs) {
    // the body was decoded as ISO-8859-1 (one char per byte): re-encode before URL-decoding
    String bytesAsChars = new String(s.getBytes(StandardCharsets.ISO_8859_1), cs);
    try {
      return URLDecoder.decode(bytesAsChars, cs);
    } catch (IllegalArgumentException malformed) {
      return bytesAsChars;
    }
  }

  @Override
  public @Nullable String getParameter(String name) {
    if (!isForm()) {
      return super.getParameter(name);
    }
    String[] v = formParameters().get(name);
    return v == null ? null : v[0];
  }

  @Override
  public Map<String, String[]> getParameterMap() {
    return isForm() ? formParameters() : super.getParameterMap();
  }

  @Override
  public Enumeration<String> getParameterNames() {
    return isForm() ? Collections.enumeration(formParameters().keySet()) : super.getParameterNames();
  }

  @Override
  public String @Nullable [] getParameterValues(String name) {
    if (!isForm()) {
      return super.getParameterValues(name);
    }
    String[] v = formParameters().get(name);
    return v == null ? null : v.clone();
  }

  @Override
  public Collection<Part> getParts() {
    throw noParts();
  }

  @Override
  public Part getPart(String name) {
    throw noParts();
  }

  private static IllegalStateException noParts() {
    return new IllegalStateException(
        "multipart parts are not available behind IdempotencyFilter: it buffered the body; read getInputStream()");
  }

  // ---- async --------------------------------------------------------------------------------

  @Override
  public AsyncContext startAsync() {
    return startAsync(this, execution.response());
  }

  @Override
  public AsyncContext startAsync(ServletRequest request, ServletResponse response) {
    AsyncContext real = super.startAsync(request, response);
    AsyncContext wrapped = execution.asyncStarted(real);
    asyncContext = wrapped;
    return wrapped;
  }

  @Override
  public AsyncContext getAsyncContext() {
    AsyncContext a = asyncContext;
    return a != null && isAsyncStarted() ? a : super.getAsyncContext();
  }

  /** The buffered body as a servlet stream; ready at once, finished at its end. */
  private static final class BodyStream extends ServletInputStream {
    private final ByteArrayInputStream in;

    BodyStream(byte[] body) {
      this.in = new ByteArrayInputStream(body);
    }

    @Override
    public int read() {
      return in.read();
    }

    @Override
    public int read(byte[] b, int off, int len) {
      return in.read(b, off, len);
    }

    @Override
    public boolean isFinished() {
      return in.available() == 0;
    }

    @Override
    public boolean isReady() {
      return true;
    }

    @Override
    public void setReadListener(ReadListener listener) {
      try {
        if (!isFinished()) {
          listener.onDataAvailable();
        }
        listener.onAllDataRead();
      } catch (IOException | RuntimeException e) {
        listener.onError(e);
      }
    }
  }
}
