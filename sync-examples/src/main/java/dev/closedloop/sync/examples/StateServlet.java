package dev.closedloop.sync.examples;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.closedloop.sync.breaker.CircuitBreakerMetrics;
import dev.closedloop.sync.examples.DemoState.Counters;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import dev.closedloop.sync.servlet.IdempotencyFilterStats;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.Map;
import java.util.TreeMap;

/**
 * {@code GET /api/state}: the current bookings, leads and messages, and the counters that prove
 * the loop: effects applied per endpoint, keys seen, and {@code duplicates} (keys whose effect
 * was applied more than once; must stay 0), with the idempotency filter's, the fault injector's
 * and the SMS guard's own counts.
 *
 * <p>This class is threadsafe.
 */
final class StateServlet extends HttpServlet {
  private static final long serialVersionUID = 1L;

  private final transient DemoServer server;

  StateServlet(DemoServer server) {
    this.server = server;
  }

  @Override
  protected void doGet(HttpServletRequest req, HttpServletResponse resp) throws IOException {
    resp.setHeader("Cache-Control", "no-store");
    DemoHttp.writeJson(resp, 200, snapshot(server));
  }

  static ObjectNode snapshot(DemoServer server) {
    DemoState state = server.state();
    Counters c = state.counters();
    ObjectNode root = DemoHttp.JSON.createObjectNode();
    root.putObject("applied")
        .put("bookings", c.bookings())
        .put("sms", c.sms())
        .put("leads", c.leads())
        .put("total", c.total());
    root.put("keys", c.keys());
    root.put("duplicates", c.duplicates());
    root.putPOJO("bookings", state.bookings());
    Map<String, Integer> byStatus = new TreeMap<>();
    state.leads().values().forEach(s -> byStatus.merge(s, 1, Integer::sum));
    root.putPOJO("leadsByStatus", byStatus);
    root.putPOJO("recentSms", state.recentSms());

    IdempotencyFilter filter = server.idempotencyFilter();
    IdempotencyFilterStats f = filter.stats();
    root.putObject("idempotency")
        .put("first", f.first())
        .put("replayed", f.replayed())
        .put("inProgressConflicts", f.conflicts())
        .put("mismatches", f.mismatches())
        .put("released", f.released())
        .put("stored", f.stored());

    ObjectNode faults = root.putObject("faults").put("enabled", server.faults().isEnabled());
    server.faults().counts().forEach((fault, n) -> faults.put(fault.name(), n));

    SimulatedSmsGateway.Stats g = server.smsSender().gateway().stats();
    CircuitBreakerMetrics b = server.smsSender().breaker().metrics();
    root.putObject("smsGateway")
        .put("calls", g.calls())
        .put("failures", g.failures())
        .put("stalls", g.stalls())
        .put("sent", g.sent())
        .put("deduplicated", g.deduplicated())
        .put("breaker", b.state().name())
        .put("breakerRejected", b.rejectedCalls())
        .put("budgetTokens", server.smsSender().budget().tokens());
    return root;
  }
}
