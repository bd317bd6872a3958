package dev.closedloop.sync.client;

import java.net.URI;

/**
 * Whether the app can reach its server, and when that changes: the seed's online/offline events.
 * {@link OfflineSync} queues mutations at once while offline and syncs when it comes back.
 *
 * <ul>
 *   <li>{@link #manual(boolean)}: the app sets it (from the platform's network callbacks, or in
 *       tests);
 *   <li>{@link #probe(URI)}: asks a URI every few seconds; any HTTP answer means online.
 * </ul>
 *
 * <p>Implementations must be threadsafe.
 */
public interface Connectivity {

  /** Returns true if the server is believed reachable. */
  boolean isOnline();

  /**
   * Adds a listener called with the new value on every change (not for repeats of the same value).
   *
   * @throws NullPointerException if {@code listener} is null
   */
  void addListener(Listener listener);

  /** Removes a listener; nothing happens if it was not added. */
  void removeListener(Listener listener);

  /**
   * Hears connectivity changes. Contract: called on the thread that noticed the change, after the
   * new value is visible through {@link #isOnline()}; must be fast and must not throw (a throw is
   * logged and the other listeners still hear the change).
   */
  @FunctionalInterface
  interface Listener {
    void onChange(boolean online);
  }

  /** Returns a connectivity the app sets, starting at {@code online}. */
  static ManualConnectivity manual(boolean online) {
    return new ManualConnectivity(online);
  }

  /**
   * Returns a builder for a connectivity that probes {@code uri}.
   *
   * @throws NullPointerException if {@code uri} is null
   * @throws IllegalArgumentException if it is not an absolute http(s) URI
   */
  static ProbeConnectivityBuilder probe(URI uri) {
    return new ProbeConnectivityBuilder(uri);
  }
}
