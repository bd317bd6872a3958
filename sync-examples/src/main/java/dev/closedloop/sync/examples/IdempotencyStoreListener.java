package dev.closedloop.sync.examples;

import dev.closedloop.sync.idempotency.IdempotencyStore;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import jakarta.servlet.ServletContextEvent;
import jakarta.servlet.ServletContextListener;

/**
 * For {@code web.xml} applications: puts the {@link IdempotencyStore} the filter's {@code
 * store-attribute} init parameter names into the {@code ServletContext} before the filter starts
 * (listeners run before filters are initialised), and closes it when the application stops. Use
 * a Redis or PostgreSQL store here when the application runs on more than one node (see {@link
 * Backends}).
 *
 * <p>This class is threadsafe.
 */
public final class IdempotencyStoreListener implements ServletContextListener {
  /** The attribute {@code web.xml} names in the filter's {@code store-attribute}. */
  public static final String ATTRIBUTE = "dev.closedloop.sync.idempotencyStore";

  /** Creates the listener; the container calls this. */
  public IdempotencyStoreListener() {}

  @Override
  public void contextInitialized(ServletContextEvent event) {
    event.getServletContext().setAttribute(ATTRIBUTE, InMemoryIdempotencyStore.ofDefaults());
  }

  @Override
  public void contextDestroyed(ServletContextEvent event) {
    Object store = event.getServletContext().getAttribute(ATTRIBUTE);
    if (store instanceof AutoCloseable) {
      try {
        ((AutoCloseable) store).close();
      } catch (Exception e) {
        event.getServletContext().log("could not close the idempotency store", e);
      }
    }
  }
}
