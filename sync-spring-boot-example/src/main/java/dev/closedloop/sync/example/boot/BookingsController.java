package dev.closedloop.sync.example.boot;

import dev.closedloop.sync.idempotency.IdempotencyKey;
import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.RealtimeBus;
import dev.closedloop.sync.servlet.IdempotencyFilter;
import jakarta.servlet.http.HttpServletRequest;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Bookings that a guest confirms. The idempotency filter runs each confirmation once per
 * {@code Idempotency-Key}; the controller publishes the change with that key on the bus, so
 * every page hears it and the page that sent it knows its click landed.
 *
 * <p>This class is threadsafe.
 */
@RestController
public class BookingsController {
  static final String TOPIC = "bookings";

  /** A booking: confirmed how many times the server applied a confirmation (1 at most, per key). */
  record Booking(String id, String guest, boolean confirmed, int confirmations) {
    String json() {
      return "{\"id\":\"" + id + "\",\"guest\":\"" + guest + "\",\"confirmed\":" + confirmed
          + ",\"confirmations\":" + confirmations + "}";
    }
  }

  private final Map<String, Booking> bookings = new ConcurrentHashMap<>();
  private final RealtimeBus bus;

  public BookingsController(RealtimeBus bus) {
    this.bus = bus;
    for (String[] b : new String[][] {{"b1", "Ada"}, {"b2", "Grace"}, {"b3", "Linus"}}) {
      bookings.put(b[0], new Booking(b[0], b[1], false, 0));
    }
  }

  @GetMapping(path = "/api/bookings", produces = MediaType.APPLICATION_JSON_VALUE)
  public String list() {
    List<String> items = new ArrayList<>();
    bookings.values().stream().sorted((a, b) -> a.id().compareTo(b.id())).forEach(b -> items.add(b.json()));
    return "[" + String.join(",", items) + "]";
  }

  @PostMapping(path = "/api/bookings/{id}/confirm", produces = MediaType.APPLICATION_JSON_VALUE)
  public ResponseEntity<String> confirm(@PathVariable("id") String id, HttpServletRequest request) {
    Booking before = bookings.get(id);
    if (before == null) {
      return ResponseEntity.status(HttpStatus.NOT_FOUND).body("{\"error\":\"no booking " + id + "\"}");
    }
    Booking after = bookings.compute(id, (k, b) -> new Booking(b.id(), b.guest(), true, b.confirmations() + 1));
    String key = IdempotencyFilter.currentKey(request).map(IdempotencyKey::clientKey).orElse(null);
    bus.publish(ChangeDraft.update(TOPIC, id, after.json(), before.json()).withIdempotencyKey(key));
    return ResponseEntity.ok(after.json());
  }
}
