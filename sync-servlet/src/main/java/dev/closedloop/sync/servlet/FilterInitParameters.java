package dev.closedloop.sync.servlet;

import dev.closedloop.sync.idempotency.IdempotencyStore;
import jakarta.servlet.FilterConfig;
import jakarta.servlet.ServletException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import org.jspecify.annotations.Nullable;

/**
 * The init parameters of an {@link IdempotencyFilter} made by its no-argument constructor
 * ({@code web.xml}, {@code ServletContext.addFilter(name, Class)}), read into a builder: each one
 * the builder setter of the same name, listed in the filter's class comment. A malformed value
 * fails {@code init} with a {@link ServletException} naming the parameter. Not part of the API.
 *
 * <p>This class is threadsafe: it is stateless.
 */
final class FilterInitParameters {
  private FilterInitParameters() {}

  /**
   * Returns a builder configured by {@code config}'s init parameters, their combination checked.
   *
   * @throws ServletException if a parameter is malformed or the store attribute is missing
   */
  static IdempotencyFilterBuilder read(FilterConfig config) throws ServletException {
    IdempotencyFilterBuilder b = IdempotencyFilter.builder();
    String param = null;
    try {
      param = "store-attribute";
      String attribute = config.getInitParameter(param);
      if (attribute != null && !attribute.isBlank()) {
        Object store = config.getServletContext().getAttribute(attribute.trim());
        if (!(store instanceof IdempotencyStore)) {
          throw new ServletException("init parameter store-attribute names ServletContext attribute '"
              + attribute.trim() + "', which holds " + (store == null ? "nothing" : store.getClass().getName())
              + ", not an IdempotencyStore");
        }
        b.store((IdempotencyStore) store);
      }
      param = "methods";
      String v = value(config, param);
      if (v != null) {
        b.methods(list(v));
      }
      param = "key-required";
      if ((v = value(config, param)) != null) {
        b.keyRequired(bool(v));
      }
      param = "required-paths";
      if ((v = value(config, param)) != null) {
        b.requireKey(list(v));
      }
      param = "optional-paths";
      if ((v = value(config, param)) != null) {
        b.optionalKey(list(v));
      }
      param = "max-key-length";
      if ((v = value(config, param)) != null) {
        b.maxKeyLength(Integer.parseInt(v));
      }
      param = "uuid-keys-only";
      if ((v = value(config, param)) != null) {
        b.uuidKeysOnly(bool(v));
      }
      param = "accept-legacy-header";
      if ((v = value(config, param)) != null) {
        b.acceptLegacyHeader(bool(v));
      }
      param = "max-body-bytes";
      if ((v = value(config, param)) != null) {
        b.maxBodyBytes(Long.parseLong(v));
      }
      param = "max-response-bytes";
      if ((v = value(config, param)) != null) {
        b.maxResponseBytes(Long.parseLong(v));
      }
      param = "lease";
      if ((v = value(config, param)) != null) {
        b.lease(Duration.parse(v));
      }
      param = "retention";
      if ((v = value(config, param)) != null) {
        b.retention(Duration.parse(v));
      }
      param = "in-progress-wait";
      if ((v = value(config, param)) != null) {
        b.inProgressWait(Duration.parse(v));
      }
      param = "poll-interval";
      if ((v = value(config, param)) != null) {
        b.pollInterval(Duration.parse(v));
      }
      param = "store-server-errors";
      if ((v = value(config, param)) != null) {
        b.storeServerErrors(bool(v));
      }
      param = "replay-headers";
      if ((v = value(config, param)) != null) {
        b.replayHeaders(list(v));
      }
      param = "(combination)";
      b.checkCombination();
      return b;
    } catch (IllegalArgumentException | IllegalStateException | DateTimeParseException e) {
      throw new ServletException("IdempotencyFilter init parameter " + param + ": " + e.getMessage(), e);
    }
  }

  private static @Nullable String value(FilterConfig config, String name) {
    String v = config.getInitParameter(name);
    return v == null || v.isBlank() ? null : v.trim();
  }

  private static String[] list(String v) {
    return v.trim().split("\\s*,\\s*");
  }

  private static boolean bool(String v) {
    if (v.equalsIgnoreCase("true")) {
      return true;
    }
    if (v.equalsIgnoreCase("false")) {
      return false;
    }
    throw new IllegalArgumentException("must be true or false: " + v);
  }
}
