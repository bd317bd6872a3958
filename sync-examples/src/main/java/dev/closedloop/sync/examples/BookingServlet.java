package dev.closedloop.sync.examples;

import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.closedloop.sync.examples.DemoHttp.ProblemException;
import dev.closedloop.sync.examples.DemoState.BookingChange;
import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.realtime.ChangeDraft;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * {@code POST /api/bookings/{id}/confirm}: confirms a booking and sends the guest a
 * confirmation. Behind the idempotency filter, a retried click confirms once and sends one
 * message; the change event carries the key of the request that caused it.
 *
 * <p>This class is threadsafe.
 */
final class BookingServlet extends MutationServlet {
  private static final long serialVersionUID = 1L;
  private static final Pattern PATH = Pattern.compile("/([A-Za-z0-9-]{1,64})/confirm");

  private final transient DemoState state;
  private final transient DemoEvents events;

  BookingServlet(DemoState state, DemoEvents events) {
    super("POST");
    this.state = state;
    this.events = events;
  }

  @Override
  void handle(HttpServletRequest req, HttpServletResponse resp) throws IOException, ProblemException {
    Matcher m = PATH.matcher(String.valueOf(req.getPathInfo()));
    if (!m.matches()) {
      throw new ProblemException(404, "not-found", "Not found", "use POST /api/bookings/{id}/confirm");
    }
    IdempotencyKey key = DemoHttp.requireKey(req); // the filter claimed it; this runs once per key
    BookingChange change = state.confirmBooking(m.group(1), key.storageKey());
    if (change == null) {
      throw new ProblemException(404, "booking-not-found", "Booking not found", "no booking " + m.group(1));
    }
    ObjectNode booking = DemoHttp.JSON.valueToTree(change.after());
    events.publish(ChangeDraft.update(DemoEvents.BOOKINGS, change.after().id(), booking.toString(),
            DemoHttp.JSON.valueToTree(change.before()).toString())
        .withIdempotencyKey(key.clientKey()));
    DemoHttp.writeJson(resp, 200, booking);
  }
}
