package dev.closedloop.sync.spring.boot;

/**
 * A store or bus that could not start: its message names the property that chose it ({@code
 * closedloop.idempotency.store} or {@code closedloop.realtime.bus}) and the cause; {@link
 * #action()} says what to do. {@link BackendFailureAnalyzer} shows both when the application
 * fails to start.
 */
final class BackendStartupException extends IllegalStateException {
  private static final long serialVersionUID = 1L;
  private final String action;

  BackendStartupException(String message, String action, Throwable cause) {
    super(message, cause);
    this.action = action;
  }

  BackendStartupException(String message, String action) {
    super(message);
    this.action = action;
  }

  String action() {
    return action;
  }
}
