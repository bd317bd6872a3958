package dev.closedloop.sync.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.Replay;
import dev.closedloop.sync.realtime.Subscription;
import io.lettuce.core.KillArgs;
import io.lettuce.core.RedisClient;
import io.lettuce.core.api.StatefulRedisConnection;
import io.lettuce.core.api.sync.RedisCommands;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** What the Redis bus writes, and how it survives a dropped connection, on a real server. */
class RedisRealtimeBusTest {
  private final String prefix = RedisTestSupport.newPrefix();
  private final String name = "cls-bus-" + UUID.randomUUID().toString().substring(0, 8);
  private RedisClient adminClient;
  private StatefulRedisConnection<String, String> adminConnection;
  private RedisCommands<String, String> admin;
  private RedisRealtimeBus bus;

  @BeforeEach
  void connect() {
    String url = RedisTestSupport.url();
    adminClient = RedisClient.create(url);
    adminConnection = adminClient.connect();
    admin = adminConnection.sync();
    bus = RedisRealtimeBus.builder().uri(url).keyPrefix(prefix).clientName(name).maxEventsPerTopic(10).build();
  }

  @AfterEach
  void close() {
    if (adminClient == null) {
      return; // skipped: no server
    }
    try {
      bus.close();
      RedisTestSupport.deleteKeys(admin, prefix);
    } finally {
      adminConnection.close();
      adminClient.shutdown();
    }
  }

  @Test
  void eventIsAStreamEntryWhoseIdIsItsPositionAndTheStreamIsTrimmedExactlyInBatches() {
    long p = bus.publish(ChangeDraft.insert("orders", "1", "{\"n\":1}"));
    String id = admin.xrange(prefix + "{orders}", io.lettuce.core.Range.unbounded()).get(0).getId();
    assertThat(StreamEntries.position(id)).isEqualTo(p);
    for (int i = 2; i <= 11; i++) {
      bus.publish(ChangeDraft.insert("orders", "1", "{\"n\":" + i + "}"));
    }
    assertThat(admin.xlen(prefix + "{orders}")).as("10 kept plus a batch of 1").isEqualTo(11);
    long twelfth = bus.publish(ChangeDraft.insert("orders", "1", "{\"n\":12}"));
    assertThat(admin.xlen(prefix + "{orders}")).isEqualTo(10);
    Replay all = bus.replay("orders", 0);
    assertThat(all.isGap()).isTrue();
    assertThat(all.head()).isEqualTo(twelfth);
    long trimmed = StreamEntries.position(admin.hget(prefix + "{orders}:meta", "trimmed"));
    assertThat(bus.replay("orders", trimmed).events()).hasSize(10);
    assertThat(bus.replay("orders", trimmed - 1).isGap()).isTrue();
  }

  @Test
  void latestSurvivesTrimmingAndIsForgottenOnDelete() {
    bus.publish(ChangeDraft.insert("orders", "keep", "{\"v\":1}"));
    for (int i = 0; i < 30; i++) {
      bus.publish(ChangeDraft.broadcast("orders", null));
    }
    Optional<ChangeEvent> latest = bus.latest("orders", "keep");
    assertThat(latest).get().extracting(ChangeEvent::newData).isEqualTo("{\"v\":1}");
    bus.publish(ChangeDraft.delete("orders", "keep", null));
    assertThat(bus.latest("orders", "keep")).isEmpty();
    assertThat(admin.hlen(prefix + "{orders}:latest")).isZero();
  }

  @Test
  void droppedListenerConnectionIsReopenedAndEveryEventArrivesInOrderOnce() throws Exception {
    LinkedBlockingQueue<ChangeEvent> heard = new LinkedBlockingQueue<>();
    try (Subscription s = bus.subscribe(Set.of("orders"), Cursor.EMPTY, heard::add)) {
      long first = bus.publish(ChangeDraft.insert("orders", "0", "{}"));
      assertThat(heard.poll(10, TimeUnit.SECONDS)).extracting(ChangeEvent::position).isEqualTo(first);
      long before = listenerId();
      admin.clientKill(KillArgs.Builder.id(before));
      List<Long> published = new ArrayList<>();
      for (int i = 1; i <= 8; i++) {
        published.add(bus.publish(ChangeDraft.insert("orders", Integer.toString(i), "{}")));
      }
      List<Long> got = new ArrayList<>();
      for (int i = 0; i < 8; i++) {
        ChangeEvent e = heard.poll(10, TimeUnit.SECONDS);
        assertThat(e).as("event %d", i).isNotNull();
        got.add(e.position());
      }
      assertThat(got).containsExactlyElementsOf(published);
      await().atMost(Duration.ofSeconds(10)).until(() -> listenerId() != before);
      long after = bus.publish(ChangeDraft.insert("orders", "9", "{}"));
      assertThat(heard.poll(10, TimeUnit.SECONDS)).extracting(ChangeEvent::position).isEqualTo(after);
      assertThat(heard).as("nothing twice").isEmpty();
      assertThat(s.isOpen()).isTrue();
    }
  }

  private long listenerId() {
    String line = Arrays.stream(admin.clientList().split("\n")).filter(l -> l.contains(" name=" + name + "-listener "))
        .findFirst().orElse("id=-1 ");
    return Long.parseLong(line.substring(3, line.indexOf(' ')));
  }

  @Test
  void builderValidatesEagerly() {
    assertThatThrownBy(() -> RedisRealtimeBus.builder().maxEventsPerTopic(0))
        .hasMessage("maxEventsPerTopic must be between 1 and 100000000: 0");
    assertThatThrownBy(() -> RedisRealtimeBus.builder().keyPrefix("")).hasMessage("keyPrefix must have 1 to 256 characters: 0");
    assertThatThrownBy(() -> RedisRealtimeBus.builder().uri("http://x")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RedisRealtimeBus.builder().build()).isInstanceOf(IllegalStateException.class)
        .hasMessage("exactly one of uri, client, clusterUris and clusterClient must be set: 0 are");
    assertThatThrownBy(() -> RedisRealtimeBus.builder().clusterUris()).isInstanceOf(IllegalArgumentException.class)
        .hasMessage("clusterUris must name 1 to 64 nodes: 0");
    assertThatThrownBy(() -> RedisRealtimeBus.builder().clientName("a b")).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> RedisRealtimeBus.builder().reconnectPolicy(null)).isInstanceOf(NullPointerException.class)
        .hasMessage("policy cannot be null");
  }
}
