package dev.closedloop.sync.client;

import static dev.closedloop.sync.client.MutationState.Kind.DEAD;
import static dev.closedloop.sync.client.MutationState.Kind.ERROR;
import static dev.closedloop.sync.client.MutationState.Kind.IDLE;
import static dev.closedloop.sync.client.MutationState.Kind.PENDING;
import static dev.closedloop.sync.client.MutationState.Kind.QUEUED;
import static dev.closedloop.sync.client.MutationState.Kind.SUCCESS;
import static org.assertj.core.api.Assertions.assertThat;

import dev.closedloop.sync.client.Fixtures.Item;
import dev.closedloop.sync.client.Fixtures.Recorder;
import dev.closedloop.sync.client.MutationState.Kind;
import java.net.URI;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class MutationStateTest {
  /** The documented graph, written out once more by hand. */
  private static final Map<Kind, Set<Kind>> LEGAL = Map.of(
      IDLE, EnumSet.of(PENDING, QUEUED, ERROR),
      PENDING, EnumSet.of(PENDING, SUCCESS, ERROR, QUEUED),
      QUEUED, EnumSet.of(SUCCESS, ERROR, DEAD),
      SUCCESS, EnumSet.of(IDLE),
      ERROR, EnumSet.noneOf(Kind.class),
      DEAD, EnumSet.noneOf(Kind.class));

  @Test
  void exactlyTheDocumentedMovesAreLegal() {
    for (Kind from : Kind.values()) {
      for (Kind to : Kind.values()) {
        assertThat(from.canMoveTo(to)).as("%s -> %s", from, to).isEqualTo(LEGAL.get(from).contains(to));
      }
    }
    assertThat(EnumSet.allOf(Kind.class).stream().filter(Kind::isFinal)).containsExactlyInAnyOrder(ERROR, DEAD);
  }

  @Test
  void aCallRefusesIllegalMovesAndItsListenersNeverHearThem() {
    Recorder<Item, String> rec = new Recorder<>();
    DefaultSyncMutation<Item, String> m = (DefaultSyncMutation<Item, String>) SyncMutation.<Item, String>builder("s")
        .endpoint(URI.create("http://127.0.0.1:9/x")).listener(rec).build();
    Exchange e = new Exchange("s", "POST", URI.create("http://127.0.0.1:9/x"), Map.of(), new byte[0], "k1", null, null);
    DefaultMutationCall<Item, String> call = new DefaultMutationCall<>(m, new Item("1", "x"), e, 1);

    assertThat(call.move(new MutationState.Success<>("early"), null)).isFalse(); // IDLE -> SUCCESS
    assertThat(call.move(new MutationState.Pending<>(1, 3, null), null)).isTrue();
    assertThat(call.move(new MutationState.Dead<>("no"), null)).isFalse(); // PENDING -> DEAD
    assertThat(call.move(new MutationState.Queued<>(7), null)).isTrue();
    assertThat(call.move(new MutationState.Pending<>(2, 3, null), null)).isFalse(); // QUEUED -> PENDING
    assertThat(call.move(new MutationState.Dead<>("gone"), null)).isTrue();
    assertThat(call.move(MutationState.idle(), null)).isFalse(); // DEAD is final
    call.removed("late"); // ERROR after DEAD: refused too

    assertThat(call.state()).isEqualTo(new MutationState.Dead<>("gone"));
    assertThat(rec.kinds("k1")).containsExactly(IDLE, PENDING, QUEUED, DEAD);
    assertThat(rec.firstProblem("k1")).isNull();
  }
}
