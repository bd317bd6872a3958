package dev.closedloop.sync.servlet;

import jakarta.servlet.DispatcherType;
import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpFilter;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletRequestWrapper;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.security.Principal;
import java.util.EnumSet;
import org.eclipse.jetty.ee10.servlet.FilterHolder;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/**
 * Embedded Jetty 12 (ee10) on 127.0.0.1 and a free port, serving the servlet at {@code /sse}.
 * The header {@code X-User} becomes the request's principal.
 */
final class SseTestServer implements AutoCloseable {
  final Server server;
  final ServerConnector connector;
  final RealtimeSseServlet servlet;

  SseTestServer(RealtimeSseServlet servlet) throws Exception {
    this.servlet = servlet;
    QueuedThreadPool pool = new QueuedThreadPool(64, 4);
    pool.setName("qtp-sse-test");
    server = new Server(pool);
    connector = new ServerConnector(server, 1, 1);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    connector.setAcceptQueueSize(1024);
    server.addConnector(connector);
    ServletContextHandler ctx = new ServletContextHandler();
    ctx.setContextPath("/");
    ctx.addFilter(new FilterHolder(new PrincipalFromHeader()), "/*", EnumSet.of(DispatcherType.REQUEST));
    ctx.addServlet(new ServletHolder(servlet), "/sse");
    server.setHandler(ctx);
    server.start();
  }

  int port() {
    return connector.getLocalPort();
  }

  URI uri(String query) {
    return URI.create("http://127.0.0.1:" + port() + "/sse" + (query.isEmpty() ? "" : "?" + query));
  }

  /** Closes every TCP connection from the server side, as a crashed proxy would. */
  void dropAllConnections() {
    for (EndPoint ep : connector.getConnectedEndPoints()) {
      ep.close();
    }
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }

  static final class PrincipalFromHeader extends HttpFilter {
    private static final long serialVersionUID = 1L;

    @Override
    protected void doFilter(HttpServletRequest req, HttpServletResponse res, FilterChain chain)
        throws IOException, ServletException {
      String user = req.getHeader("X-User");
      if (user == null) {
        chain.doFilter(req, res);
        return;
      }
      Principal p = () -> user;
      chain.doFilter(new HttpServletRequestWrapper(req) {
        @Override
        public Principal getUserPrincipal() {
          return p;
        }
      }, res);
    }
  }
}
