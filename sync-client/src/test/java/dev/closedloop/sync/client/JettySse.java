package dev.closedloop.sync.client;

import dev.closedloop.sync.servlet.RealtimeSseServlet;
import java.net.URI;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.ee10.servlet.ServletHolder;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;
import org.eclipse.jetty.util.thread.QueuedThreadPool;

/** Embedded Jetty 12 (ee10) on 127.0.0.1 serving a {@link RealtimeSseServlet} at {@code /sse}. */
final class JettySse implements AutoCloseable {
  final Server server;
  final ServerConnector connector;
  final RealtimeSseServlet servlet;

  JettySse(RealtimeSseServlet servlet, int port) throws Exception {
    this.servlet = servlet;
    QueuedThreadPool pool = new QueuedThreadPool(64, 4);
    pool.setName("qtp-client-test");
    server = new Server(pool);
    connector = new ServerConnector(server, 1, 1);
    connector.setHost("127.0.0.1");
    connector.setPort(port);
    server.addConnector(connector);
    ServletContextHandler ctx = new ServletContextHandler();
    ctx.setContextPath("/");
    ctx.addServlet(new ServletHolder(servlet), "/sse");
    server.setHandler(ctx);
    server.start();
  }

  JettySse(RealtimeSseServlet servlet) throws Exception {
    this(servlet, 0);
  }

  URI endpoint() {
    return URI.create("http://127.0.0.1:" + connector.getLocalPort() + "/sse");
  }

  /** Closes every TCP connection from the server side. */
  void dropAllConnections() {
    for (EndPoint ep : connector.getConnectedEndPoints()) {
      ep.close();
    }
  }

  @Override
  public void close() throws Exception {
    server.stop();
  }
}
