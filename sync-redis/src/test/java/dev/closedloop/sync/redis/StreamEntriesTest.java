package dev.closedloop.sync.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import java.time.Instant;
import org.junit.jupiter.api.Test;

class StreamEntriesTest {
  @Test
  void streamIdsMapToPositionsAndBackInOrder() {
    assertThat(StreamEntries.position("0-0")).isZero();
    assertThat(StreamEntries.position("1-0")).isEqualTo(1L << 20);
    assertThat(StreamEntries.position("1700000000000-5")).isEqualTo((1700000000000L << 20) | 5);
    assertThat(StreamEntries.id((1700000000000L << 20) | 5)).isEqualTo("1700000000000-5");
    assertThat(StreamEntries.position("5-1048575")).isLessThan(StreamEntries.position("6-0"));
    assertThat(StreamEntries.id(0)).isEqualTo("0-0");
  }

  @Test
  void idsBeyondThePositionRangeAreRefusedNotFolded() {
    assertThatThrownBy(() -> StreamEntries.position("5-1048576"))
        .hasMessage("stream id 5-1048576 is outside the position range: at most 8796093022207 ms and 1048576"
            + " entries in one millisecond");
    assertThatThrownBy(() -> StreamEntries.position("8796093022208-0")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> StreamEntries.position("x-1")).hasMessage("not a stream id: 'x-1'");
  }

  @Test
  void payloadKeepsEveryFieldOfTheDraftAndTheIdGivesPositionAndTime() {
    ChangeDraft draft = ChangeDraft.update("orders", "42", "{\"seats\":3,\"note\":\"a\\nb\"}", "{\"seats\":2}")
        .withIdempotencyKey("key-1");
    String payload = StreamEntries.payload(draft);
    assertThat(payload).doesNotContain("\n");
    assertThat(payload).as("the stream keeps the key's digest, never the key").doesNotContain("key-1")
        .contains("\"idempotencyKeyDigest\":\"" + draft.idempotencyKeyDigest() + "\"");
    ChangeEvent e = StreamEntries.event("orders", "1700000000123-7", payload);
    assertThat(e.draft()).usingRecursiveComparison().isEqualTo(draft);
    assertThat(e.position()).isEqualTo((1700000000123L << 20) | 7);
    assertThat(e.time()).isEqualTo(Instant.ofEpochMilli(1700000000123L));
    ChangeEvent broadcast = StreamEntries.event("orders", "1-1", StreamEntries.payload(ChangeDraft.broadcast("orders", null)));
    assertThat(broadcast.newData()).isNull();
    assertThat(broadcast.key()).isNull();
  }

  @Test
  void foreignPayloadsAreNamed() {
    assertThatThrownBy(() -> StreamEntries.event("orders", "1-1", "[]"))
        .hasMessage("stream entry 1-1 of orders is not a JSON object");
    assertThatThrownBy(() -> StreamEntries.event("orders", "1-1", "{\"key\":\"k\"}"))
        .hasMessage("stream entry 1-1 of orders has no type");
    assertThatThrownBy(() -> StreamEntries.event("orders", "1-1", "{\"type\":\"MERGE\"}"))
        .hasMessage("stream entry 1-1 of orders has unknown type MERGE");
  }
}
