package dev.closedloop.sync.examples;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.closedloop.sync.breaker.CircuitOpenException;
import dev.closedloop.sync.examples.DemoHttp.ProblemException;
import dev.closedloop.sync.examples.DemoState.SmsRecord;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.retry.RetryExhaustedException;
import dev.closedloop.sync.retry.RetryRejectedException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Duration;
import java.util.regex.Pattern;

/**
 * {@code POST /api/sms} with {@code {"to":"+15550100","text":"Your table is ready"}}: sends a
 * text through the flaky gateway with retry, circuit breaker and budget ({@link SmsSender}).
 * When the gateway cannot be reached the answer is 503 with {@code Retry-After}; the idempotency
 * filter never stores a 503, so the client's retry with the same key tries again, and the
 * gateway's own key (the request's) keeps the text from going out twice.
 *
 * <p>This class is threadsafe.
 */
final class SmsServlet extends MutationServlet {
  private static final long serialVersionUID = 1L;
  private static final Pattern PHONE = Pattern.compile("\\+[0-9]{6,15}");
  static final int MAX_TEXT = 480;

  private final transient DemoState state;
  private final transient DemoEvents events;
  private final transient SmsSender sender;

  SmsServlet(DemoState state, DemoEvents events, SmsSender sender) {
    super("POST");
    this.state = state;
    this.events = events;
    this.sender = sender;
  }

  @Override
  void handle(HttpServletRequest req, HttpServletResponse resp) throws IOException, ProblemException {
    JsonNode body = DemoHttp.readObject(req);
    String to = body.path("to").asText("");
    String text = body.path("text").asText("");
    if (!PHONE.matcher(to).matches()) {
      throw new ProblemException(422, "invalid-phone", "Invalid phone number", "to must be +, then 6 to 15 digits");
    }
    if (text.isEmpty() || text.length() > MAX_TEXT) {
      throw new ProblemException(422, "invalid-text", "Invalid text", "text must be 1 to " + MAX_TEXT + " characters");
    }
    IdempotencyKey key = DemoHttp.requireKey(req);
    String messageId;
    try {
      messageId = sender.send(key.storageKey(), to, text);
    } catch (RetryRejectedException e) {
      Duration wait = e.getCause() instanceof CircuitOpenException
          ? ((CircuitOpenException) e.getCause()).untilTrial() : Duration.ofSeconds(1);
      throw new ProblemException(503, "sms-gateway-unavailable", "SMS gateway unavailable",
          "not sent: " + e.getMessage(), wait.isZero() ? Duration.ofSeconds(1) : wait);
    } catch (RetryExhaustedException e) {
      throw new ProblemException(503, "sms-gateway-unavailable", "SMS gateway unavailable",
          "not sent after " + e.attempts() + " attempts: " + e.getMessage(), Duration.ofSeconds(1));
    }
    SmsRecord sms = new SmsRecord(messageId, to, text);
    state.recordSms(sms, key.storageKey());
    ObjectNode json = DemoHttp.JSON.valueToTree(sms);
    events.publish(ChangeDraft.insert(DemoEvents.SMS, messageId, json.toString()).withIdempotencyKey(key.clientKey()));
    DemoHttp.writeJson(resp, 200, json);
  }
}
