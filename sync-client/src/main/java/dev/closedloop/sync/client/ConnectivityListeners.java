package dev.closedloop.sync.client;

import dev.closedloop.sync.spi.Listeners;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicBoolean;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** The online flag and listeners shared by the connectivity implementations. This class is threadsafe. */
final class ConnectivityListeners {
  private static final Logger log = LoggerFactory.getLogger(Connectivity.class);

  private final AtomicBoolean online;
  private final List<Connectivity.Listener> listeners = new CopyOnWriteArrayList<>();

  ConnectivityListeners(boolean online) {
    this.online = new AtomicBoolean(online);
  }

  boolean isOnline() {
    return online.get();
  }

  void add(Connectivity.Listener l) {
    listeners.add(Objects.requireNonNull(l, "listener cannot be null"));
  }

  void remove(Connectivity.Listener l) {
    listeners.remove(l);
  }

  /** Sets the flag; if it changed, tells every listener. Returns true if it changed. */
  boolean set(boolean value) {
    if (online.getAndSet(value) == value) {
      return false;
    }
    Listeners.of(listeners, log, "Connectivity").fire("onChange", Connectivity.Listener::onChange, value);
    return true;
  }
}
