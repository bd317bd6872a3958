package dev.closedloop.sync.realtime;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import dev.closedloop.sync.idempotency.Idempotency;
import dev.closedloop.sync.idempotency.InMemoryIdempotencyStore;
import dev.closedloop.sync.idempotency.ResultNotReplayableException;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

class JacksonResultCodecTest {
  record Receipt(String account, BigDecimal balance, List<String> lines) {}

  @Test
  void recordsRoundTripAsJson() {
    JacksonResultCodec<Receipt> codec = JacksonResultCodec.of(Receipt.class);
    Receipt r = new Receipt("acc-1", new BigDecimal("10.10"), List.of("credit 10.10"));
    byte[] json = codec.encode(r);
    assertThat(new String(json, StandardCharsets.UTF_8))
        .isEqualTo("{\"account\":\"acc-1\",\"balance\":10.10,\"lines\":[\"credit 10.10\"]}");
    assertThat(codec.decode(json)).isEqualTo(r);
    assertThat(codec.mediaType()).isEqualTo("application/json");
  }

  @Test
  void genericTypesGoThroughATypeReference() {
    JacksonResultCodec<List<Receipt>> codec = JacksonResultCodec.of(new ObjectMapper(), new TypeReference<>() {});
    List<Receipt> rs = List.of(new Receipt("a", BigDecimal.ONE, List.of()), new Receipt("b", BigDecimal.TEN, List.of()));
    assertThat(codec.decode(codec.encode(rs))).isEqualTo(rs);
  }

  @Test
  void bytesThatAreNotTheTypeAreRefusedNamingIt() {
    JacksonResultCodec<Receipt> codec = JacksonResultCodec.of(Receipt.class);
    assertThatThrownBy(() -> codec.decode("[1,2]".getBytes(StandardCharsets.UTF_8)))
        .isInstanceOf(IllegalArgumentException.class)
        .hasMessageContaining("Receipt");
  }

  @Test
  void anIdempotencyHandsEveryRepeatTheFirstReceipt() {
    Idempotency idempotency = Idempotency.of(InMemoryIdempotencyStore.ofDefaults());
    JacksonResultCodec<Receipt> codec = JacksonResultCodec.of(Receipt.class);
    AtomicInteger runs = new AtomicInteger();
    String fp = Idempotency.fingerprint("credit acc-1 10.10");

    Receipt first = idempotency.execute("ledger", "m-1", fp,
        () -> new Receipt("acc-1", new BigDecimal("10.10"), List.of("run " + runs.incrementAndGet())), codec);
    Receipt again = idempotency.execute("ledger", "m-1", fp,
        () -> new Receipt("acc-1", new BigDecimal("10.10"), List.of("run " + runs.incrementAndGet())), codec);

    assertThat(again).isEqualTo(first);
    assertThat(runs).hasValue(1);
    assertThatThrownBy(() -> idempotency.execute("ledger", "m-1", fp, () -> List.of(), JacksonResultCodec.of(
        new ObjectMapper(), new TypeReference<List<String>>() {}))).isInstanceOf(ResultNotReplayableException.class);
  }
}
