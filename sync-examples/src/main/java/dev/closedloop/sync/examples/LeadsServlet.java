package dev.closedloop.sync.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.closedloop.sync.examples.DemoHttp.ProblemException;
import dev.closedloop.sync.examples.DemoState.LeadsChange;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.realtime.ChangeDraft;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * {@code PATCH /api/leads/status} with {@code {"ids":["lead-1","lead-7"],"status":"CONTACTED"}}:
 * sets the status of many leads in one request, all or none, once per idempotency key. Each
 * changed lead gets an {@code UPDATE} event carrying the request's key.
 *
 * <p>This class is threadsafe.
 */
final class LeadsServlet extends MutationServlet {
  private static final long serialVersionUID = 1L;
  static final int MAX_IDS = 500;

  private final transient DemoState state;
  private final transient DemoEvents events;

  LeadsServlet(DemoState state, DemoEvents events) {
    super("PATCH");
    this.state = state;
    this.events = events;
  }

  @Override
  void handle(HttpServletRequest req, HttpServletResponse resp) throws IOException, ProblemException {
    JsonNode body = DemoHttp.readObject(req);
    List<String> ids = ids(body.get("ids"));
    String status = body.path("status").asText("");
    if (!DemoState.LEAD_STATUSES.contains(status)) {
      throw new ProblemException(422, "invalid-status", "Invalid status",
          "status must be one of " + String.join(", ", DemoState.LEAD_STATUSES));
    }
    IdempotencyKey key = DemoHttp.requireKey(req);
    LeadsChange change = state.setLeadStatus(ids, status, key.storageKey()); // all or none
    if (change == null) {
      throw new ProblemException(422, "unknown-lead", "Unknown lead",
          "one of the ids names no lead; nothing was changed");
    }
    for (Map.Entry<String, String> lead : change.previous().entrySet()) {
      ObjectNode now = DemoHttp.JSON.createObjectNode().put("id", lead.getKey()).put("status", status);
      ObjectNode before = DemoHttp.JSON.createObjectNode().put("id", lead.getKey()).put("status", lead.getValue());
      events.publish(ChangeDraft.update(DemoEvents.LEADS, lead.getKey(), now.toString(), before.toString())
          .withIdempotencyKey(key.clientKey()));
    }
    ObjectNode result = DemoHttp.JSON.createObjectNode().put("status", status).put("updated", ids.size());
    result.putPOJO("ids", ids);
    DemoHttp.writeJson(resp, 200, result);
  }

  private static List<String> ids(JsonNode node) throws ProblemException {
    if (node == null || !node.isArray() || node.isEmpty()) {
      throw new ProblemException(422, "invalid-ids", "Invalid ids", "ids must be a non-empty array of lead ids");
    }
    if (node.size() > MAX_IDS) {
      throw new ProblemException(422, "invalid-ids", "Invalid ids", "at most " + MAX_IDS + " ids per request");
    }
    Set<String> ids = new LinkedHashSet<>();
    for (JsonNode id : node) {
      if (!id.isTextual()) {
        throw new ProblemException(422, "invalid-ids", "Invalid ids", "every id must be a string");
      }
      ids.add(id.asText());
    }
    return new ArrayList<>(ids);
  }
}
