package dev.closedloop.sync.realtime.spi;

import dev.closedloop.sync.realtime.ChangeEvent;
import dev.closedloop.sync.realtime.ChangeType;
import java.util.LinkedHashMap;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The latest state of the keys of one topic: the last {@code INSERT} or {@code UPDATE} of each
 * key {@linkplain #apply applied} (a {@code DELETE} forgets the key; events without a key, and
 * broadcasts, change nothing), at most {@code maxKeys} keys, the least recently changed out
 * first. A bound of 0 keeps nothing.
 *
 * <p>This class is not threadsafe: its owner guards it (the in-process bus with the topic's
 * lock, the client with its cache lock).
 */
public final class LatestEvents {
  private final int maxKeys;
  private final LinkedHashMap<String, ChangeEvent> byKey;

  /**
   * @param maxKeys the bound; 0 keeps nothing
   * @throws IllegalArgumentException if {@code maxKeys} is negative
   */
  public LatestEvents(int maxKeys) {
    if (maxKeys < 0) {
      throw new IllegalArgumentException("maxKeys must not be negative: " + maxKeys);
    }
    this.maxKeys = maxKeys;
    this.byKey = new LinkedHashMap<>(16, 0.75f, false) {
      private static final long serialVersionUID = 1L;

      @Override
      protected boolean removeEldestEntry(Map.Entry<String, ChangeEvent> eldest) {
        return size() > LatestEvents.this.maxKeys;
      }
    };
  }

  /** Records {@code event}: see the class comment. */
  public void apply(ChangeEvent event) {
    String key = event.key();
    if (key == null || !event.type().isEntityChange()) {
      return;
    }
    byKey.remove(key); // re-inserted at the end: eviction drops the least recently changed
    if (event.type() != ChangeType.DELETE && maxKeys > 0) {
      byKey.put(key, event);
    }
  }

  /** Returns the latest insert or update of {@code key}, or null if none is kept. */
  public @Nullable ChangeEvent get(String key) {
    return byKey.get(key);
  }

  /** Returns how many keys are kept. */
  public int size() {
    return byKey.size();
  }

  @Override
  public String toString() {
    return "LatestEvents[" + byKey.size() + " of at most " + maxKeys + " keys]";
  }
}
