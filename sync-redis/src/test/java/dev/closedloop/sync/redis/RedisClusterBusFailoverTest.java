package dev.closedloop.sync.redis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import dev.closedloop.sync.realtime.ChangeDraft;
import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.CloseReason;
import dev.closedloop.sync.realtime.Cursor;
import dev.closedloop.sync.realtime.RealtimeBusUnavailableException;
import dev.closedloop.sync.realtime.RealtimeListener;
import dev.closedloop.sync.realtime.Subscription;
import dev.closedloop.sync.testkit.LocalRedisCluster;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * The bus through a failover on a Redis Cluster of its own: the node that node B's bus listens on
 * for Pub/Sub dies, and so does the master of the topic's slot (one and the same node when the
 * listener happens to be on a master). Publishing on node A fails cleanly while the slot has no
 * master, then goes on; node B's subscription stays open, its listener moves to another node
 * and subscribes again, and it receives the events in order, each once, everything published
 * after the failover included.
 */
class RedisClusterBusFailoverTest {
  @Test
  void aSubscriberOnNodeBHearsNodeAThroughTheDeathOfItsListenerNodeAndOfTheTopicsMaster() throws Exception {
    String prefix = RedisTestSupport.newPrefix();
    String nameB = "cls-bus-b-" + prefix.substring(9, 17);
    try (LocalRedisCluster cluster = ClusterTestSupport.startOwn()) {
      String[] seeds = ClusterTestSupport.seeds(cluster);
      try (RedisRealtimeBus busA = RedisRealtimeBus.builder().clusterUris(seeds).keyPrefix(prefix)
              .commandTimeout(Duration.ofSeconds(1)).build();
          RedisRealtimeBus busB = RedisRealtimeBus.builder().clusterUris(seeds).keyPrefix(prefix)
              .clientName(nameB).commandTimeout(Duration.ofSeconds(1)).build()) {
        // node B listens on one node; which one is Lettuce's choice
        busB.subscribe(Set.of("warm-up"), Cursor.EMPTY, event -> { }).close();
        int listenerNode = await().atMost(Duration.ofSeconds(10))
            .until(() -> nodeWithClient(cluster, nameB + "-listener"), p -> p > 0);
        boolean onMaster = cluster.masterPorts().contains(listenerNode);
        int topicMaster = onMaster ? listenerNode : cluster.masterPorts().stream()
            .filter(m -> !cluster.replicaPortsOf(m).contains(listenerNode)).findFirst().orElseThrow();
        String topic = topicOn(cluster, busB, topicMaster);

        List<Long> received = new CopyOnWriteArrayList<>();
        AtomicReference<CloseReason> closed = new AtomicReference<>();
        Subscription s = busB.subscribe(Set.of(topic), Cursor.EMPTY, new RealtimeListener() {
          @Override
          public void onEvent(ChangeEvent event) {
            received.add(Long.parseLong(event.newData().replaceAll("\\D", "")));
          }

          @Override
          public void onClosed(CloseReason reason) {
            closed.set(reason);
          }
        });

        AtomicBoolean stop = new AtomicBoolean();
        ConcurrentLinkedQueue<Long> published = new ConcurrentLinkedQueue<>();
        AtomicInteger unavailable = new AtomicInteger();
        Thread publisher = new Thread(() -> {
          for (long n = 0; !stop.get(); n++) {
            try {
              busA.publish(ChangeDraft.update(topic, "e", "{\"n\":" + n + "}", null));
              published.add(n);
            } catch (RealtimeBusUnavailableException e) {
              unavailable.incrementAndGet();
            }
            try {
              Thread.sleep(5);
            } catch (InterruptedException e) {
              return;
            }
          }
        }, "bus-failover-publisher");
        publisher.start();
        await().atMost(Duration.ofSeconds(30)).until(() -> received.size() >= 20);

        if (onMaster) {
          cluster.killMaster(listenerNode); // the listener's node and the topic's master at once
        } else {
          cluster.kill(listenerNode);       // a replica: only the listener has to move
          cluster.killMaster(topicMaster);
        }
        int publishedAtRecovery = published.size();
        await().atMost(Duration.ofSeconds(60)).until(() -> published.size() >= publishedAtRecovery + 50);
        stop.set(true);
        publisher.join();
        List<Long> sent = new ArrayList<>(published);
        List<Long> after = sent.subList(publishedAtRecovery, sent.size());
        await().atMost(Duration.ofSeconds(30)).until(() -> received.containsAll(after));

        assertThat(unavailable.get()).as("publishing failed cleanly while the slot had no master").isPositive();
        assertThat(s.isOpen()).as("the subscription lived through it: " + closed.get()).isTrue();
        assertThat(received).as("in order, each once").isSorted().doesNotHaveDuplicates();
        // what arrived after the failover came over a listener that moved: its node is dead
        assertThat(sent).as("only published events were delivered").containsAll(received);
      }
    }
  }

  /** The port of the live node where a client of this name is connected, or 0. */
  private static int nodeWithClient(LocalRedisCluster cluster, String name) {
    for (int port : cluster.livePorts()) {
      if (cluster.cli(port, "CLIENT", "LIST").contains(" name=" + name + " ")) {
        return port;
      }
    }
    return 0;
  }

  /** A topic whose slot {@code master} serves. */
  private static String topicOn(LocalRedisCluster cluster, RedisRealtimeBus bus, int master) {
    for (int i = 0; ; i++) {
      String topic = "orders-" + i;
      if (cluster.masterPortOf(bus.streamKey(topic)) == master) {
        return topic;
      }
    }
  }
}
