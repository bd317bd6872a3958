package dev.closedloop.sync.bench;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletRequest;
import jakarta.servlet.ServletResponse;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;

/**
 * The application behind the filter, as a chain: reads the whole JSON body, answers 201 with a
 * small JSON document, {@code Content-Type: application/json} and a {@code Location} header (the
 * same servlet that sync-servlet's overhead test puts behind Jetty).
 *
 * <p>This class is not threadsafe.
 */
final class OrdersApp implements FilterChain {
  private long handled;
  private long received;

  @Override
  public void doFilter(ServletRequest request, ServletResponse response) throws IOException {
    byte[] in = request.getInputStream().readAllBytes();
    handled++;
    received += in.length;
    byte[] out = ("{\"id\":" + handled + ",\"received\":" + in.length + "}").getBytes(StandardCharsets.UTF_8);
    HttpServletResponse http = (HttpServletResponse) response;
    http.setStatus(201);
    http.setContentType("application/json");
    http.setHeader("Location", "/orders/" + handled);
    http.setContentLength(out.length);
    http.getOutputStream().write(out);
  }

  /** Returns how many requests reached the application. */
  long handled() {
    return handled;
  }

  /** Returns how many body bytes the application read in all. */
  long received() {
    return received;
  }
}
