package dev.closedloop.sync.servlet;

import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.spi.ChangeEventJson;
import dev.closedloop.sync.realtime.Cursor;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Arrays;
import org.junit.jupiter.api.Test;

class SseFramesTest {
  private static final Instant T = Instant.parse("2026-12-04T18:00:00.123Z");

  @Test
  void everyStreamOfOneEventSharesOneEncoding() {
    SseFrames.Cache cache = new SseFrames.Cache();
    ChangeEvent e = ChangeEvent.of(ChangeDraft.update("bookings", "42", "{\"seats\":3}", null), 41, T);

    SseFrames.Shared first = cache.frame(e);

    assertThat(cache.frame(e)).isSameAs(first);
    assertThat(first.cursor()).isEqualTo(Cursor.of("bookings", 41));
    assertThat(new String(first.frame(), StandardCharsets.UTF_8))
        .isEqualTo("id: bookings:41\nevent: update\ndata: " + ChangeEventJson.toJson(e) + "\n\n");
  }

  @Test
  void anEqualEventThatIsAnotherInstanceIsEncodedAgain() {
    SseFrames.Cache cache = new SseFrames.Cache();
    ChangeDraft d = ChangeDraft.broadcast("sms", null);
    SseFrames.Shared a = cache.frame(ChangeEvent.of(d, 7, T));

    SseFrames.Shared b = cache.frame(ChangeEvent.of(d, 7, T.plusMillis(1)));

    assertThat(b).isNotSameAs(a);
    assertThat(new String(b.frame(), StandardCharsets.UTF_8)).contains("2026-12-04T18:00:00.124Z");
  }

  @Test
  void aStreamOverSeveralTopicsWritesItsOwnIdLineThenTheSharedTail() {
    ChangeEvent e = ChangeEvent.of(ChangeDraft.delete("bookings", "42", null), 41, T);
    SseFrames.Shared shared = SseFrames.event(e);
    byte[] head = SseFrames.idLine(Cursor.parse("bookings:41,sms:7"));
    byte[] tail = Arrays.copyOfRange(shared.frame(), shared.tailOffset(), shared.frame().length);

    assertThat(new String(head, StandardCharsets.UTF_8) + new String(tail, StandardCharsets.UTF_8))
        .isEqualTo("id: bookings:41,sms:7\nevent: delete\ndata: " + ChangeEventJson.toJson(e) + "\n\n");
  }
}
