package dev.closedloop.sync.client;

/**
 * A {@link Connectivity} the app sets: from the platform's network callbacks, a "work offline"
 * switch, or a test.
 *
 * <p>This class is threadsafe.
 */
public final class ManualConnectivity implements Connectivity {
  private final ConnectivityListeners state;

  ManualConnectivity(boolean online) {
    this.state = new ConnectivityListeners(online);
  }

  /** Sets the value; listeners hear it on this thread if it changed. */
  public void setOnline(boolean online) {
    state.set(online);
  }

  @Override
  public boolean isOnline() {
    return state.isOnline();
  }

  @Override
  public void addListener(Listener listener) {
    state.add(listener);
  }

  @Override
  public void removeListener(Listener listener) {
    state.remove(listener);
  }

  @Override
  public String toString() {
    return "ManualConnectivity[" + (isOnline() ? "online" : "offline") + "]";
  }
}
