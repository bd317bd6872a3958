package dev.closedloop.sync.servlet.testing;

import java.net.URI;
import java.util.function.Consumer;
import org.eclipse.jetty.ee10.servlet.ServletContextHandler;
import org.eclipse.jetty.server.Server;
import org.eclipse.jetty.server.ServerConnector;

/**
 * Embedded Jetty 12 on 127.0.0.1 and an ephemeral port, with one servlet context at {@code /}
 * that the caller fills: the server every HTTP test of the project starts.
 *
 * <p>This class is threadsafe once started.
 */
public final class EmbeddedJetty implements AutoCloseable {
  private final Server server;
  private final int port;

  private EmbeddedJetty(Server server, int port) {
    this.server = server;
    this.port = port;
  }

  /**
   * Starts a server whose context {@code setup} fills (filters, servlets) before the start.
   *
   * @throws Exception if Jetty cannot start; nothing is left running then
   */
  public static EmbeddedJetty start(Consumer<ServletContextHandler> setup) throws Exception {
    Server server = new Server();
    ServerConnector connector = new ServerConnector(server);
    connector.setHost("127.0.0.1");
    connector.setPort(0);
    server.addConnector(connector);
    ServletContextHandler context = new ServletContextHandler();
    context.setContextPath("/");
    setup.accept(context);
    server.setHandler(context);
    try {
      server.start();
    } catch (Exception e) {
      server.stop();
      throw e;
    }
    return new EmbeddedJetty(server, connector.getLocalPort());
  }

  /** Returns {@code http://127.0.0.1:<port><path>}. */
  public URI uri(String path) {
    return URI.create("http://127.0.0.1:" + port + path);
  }

  /** Returns the port it listens on. */
  public int port() {
    return port;
  }

  /** Stops the server; an interrupt is kept and reported as {@link IllegalStateException}. */
  @Override
  public void close() {
    try {
      server.stop();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new IllegalStateException(e);
    } catch (Exception e) {
      throw new IllegalStateException("could not stop the test server", e);
    }
  }
}
