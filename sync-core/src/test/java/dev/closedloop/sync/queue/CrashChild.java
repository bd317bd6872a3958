package dev.closedloop.sync.queue;

import java.io.IOException;
import java.io.PrintStream;
import java.nio.file.Path;
import java.util.Optional;
import java.util.SplittableRandom;

/**
 * The process {@link FileOfflineQueueCrashTest} kills: a few threads offer, poll and ack as fast
 * as {@link Durability#ALWAYS} allows, and print each completed step only after it returned.
 *
 * <pre>
 * O id key   an offer returned (the item is durable)
 * a id       an ack is about to be written
 * A id       that ack returned
 * </pre>
 *
 * Usage: {@code java -cp <test classpath> dev.closedloop.sync.queue.CrashChild <dir> <round>}
 */
public final class CrashChild {
  private CrashChild() {}

  public static void main(String[] args) throws Exception {
    Path dir = Path.of(args[0]);
    String round = args[1];
    int threads = args.length > 2 ? Integer.parseInt(args[2]) : 4;
    PrintStream out = System.out;
    OfflineQueue queue = OfflineQueue.builder().durability(Durability.ALWAYS).segmentBytes(64 << 10).open(dir);
    out.println("READY");
    out.flush();
    for (int t = 0; t < threads; t++) {
      int thread = t;
      Thread w = new Thread(() -> {
        SplittableRandom rnd = new SplittableRandom(thread * 31L + round.hashCode());
        byte[] payload = new byte[64];
        try {
          for (long i = 0; ; i++) {
            String key = "r" + round + "-t" + thread + "-" + i;
            QueuedItem item = queue.offer(Offer.of(key, payload).scope(rnd.nextInt(4) == 0 ? "s" + thread : null)
                .priority(rnd.nextInt(3)));
            out.println("O " + item.id() + " " + key);
            out.flush();
            if (rnd.nextBoolean()) {
              Optional<QueuedItem> polled = queue.poll();
              if (polled.isPresent()) {
                long id = polled.get().id();
                out.println("a " + id);
                out.flush();
                if (queue.ack(id)) {
                  out.println("A " + id);
                  out.flush();
                }
              }
            }
          }
        } catch (IOException | RuntimeException e) {
          e.printStackTrace();
          System.exit(3);
        }
      });
      w.start();
    }
  }
}
