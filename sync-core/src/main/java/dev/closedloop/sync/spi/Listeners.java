package dev.closedloop.sync.spi;

import java.util.List;
import java.util.Objects;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;

/**
 * The listeners of one owner (a breaker, a retry policy, a mutation), called the way every
 * listener of the library is: in the order they were added, each in its own try/catch, a failure
 * logged at WARN with the owner, the listener and the event, and never propagated, so one bad
 * listener neither silences the others nor breaks the call that fired the event. A {@link
 * VirtualMachineError} (out of memory, stack overflow) is not a listener's doing and is
 * rethrown.
 *
 * <pre>{@code
 * Listeners<CircuitBreakerListener> listeners = Listeners.of(b.listeners, log, "Circuit breaker '" + name + "'");
 * listeners.fire("onCallRejected", CircuitBreakerListener::onCallRejected, name, state);
 * }</pre>
 *
 * <p>Firing allocates nothing of its own: pass the event's arguments to {@code fire} and a
 * non-capturing lambda or method reference, and no object is created per event (a capturing
 * lambda, fine on a cold path, allocates one).
 *
 * <p>The contract a listener is held to (documented on each listener interface): fast, must not
 * throw, must not call back into its owner.
 *
 * <p>This class is immutable and threadsafe; whether events may be fired from several threads at
 * once is the owner's contract.
 *
 * @param <L> the listener type
 */
public final class Listeners<L> {
  private static final Object[] NONE = new Object[0];
  private static final @Nullable Object[] NO_ARGS = new Object[0];

  private final Object[] listeners;
  private final Logger log;
  private final String owner;

  private Listeners(Object[] listeners, Logger log, String owner) {
    this.listeners = listeners;
    this.log = log;
    this.owner = owner;
  }

  /**
   * Returns the composite of {@code listeners} (copied), failures logged to {@code log} as those
   * of {@code owner}'s listeners.
   *
   * @param owner names the owner in log lines, e.g. {@code "Circuit breaker 'payments'"}
   * @throws NullPointerException if an argument or a listener is null
   */
  public static <L> Listeners<L> of(List<? extends L> listeners, Logger log, String owner) {
    Objects.requireNonNull(listeners, "listeners cannot be null");
    Objects.requireNonNull(log, "log cannot be null");
    Objects.requireNonNull(owner, "owner cannot be null");
    Object[] copy = listeners.isEmpty() ? NONE : listeners.toArray();
    for (Object l : copy) {
      Objects.requireNonNull(l, "a listener cannot be null");
    }
    return new Listeners<>(copy, log, owner);
  }

  /** Returns true if there is no listener: firing does nothing. */
  public boolean isEmpty() {
    return listeners.length == 0;
  }

  /** Returns the listeners, in order. */
  @SuppressWarnings("unchecked")
  public List<L> asList() {
    return (List<L>) List.of(listeners);
  }

  /** Tells every listener {@code event} through {@code call}; see the class comment. */
  @SuppressWarnings("unchecked")
  public void fire(String event, Consumer<? super L> call) {
    for (Object l : listeners) {
      try {
        call.accept((L) l);
      } catch (Throwable t) {
        failed(l, event, t, NO_ARGS);
      }
    }
  }

  /** Tells every listener {@code event} with argument {@code a}: {@code call(listener, a)}. */
  @SuppressWarnings("unchecked")
  public <A extends @Nullable Object> void fire(String event, BiConsumer<? super L, ? super A> call, A a) {
    for (Object l : listeners) {
      try {
        call.accept((L) l, a);
      } catch (Throwable t) {
        failed(l, event, t, new Object[] {a});
      }
    }
  }

  /** Tells every listener {@code event} with arguments {@code a, b}: {@code call(listener, a, b)}. */
  @SuppressWarnings("unchecked")
  public <A extends @Nullable Object, B extends @Nullable Object> void fire(String event, Event2<? super L, ? super A, ? super B> call, A a, B b) {
    for (Object l : listeners) {
      try {
        call.accept((L) l, a, b);
      } catch (Throwable t) {
        failed(l, event, t, new Object[] {a, b});
      }
    }
  }

  /**
   * Calls one listener's event the same way, for an owner that has a single listener (or a
   * callback) rather than a list: a failure is logged as {@code owner}'s and not propagated.
   *
   * @return true if {@code call} returned normally
   */
  public static boolean isolate(Logger log, String owner, Object listener, String event, Runnable call) {
    try {
      call.run();
      return true;
    } catch (Throwable t) {
      if (t instanceof VirtualMachineError) {
        throw (VirtualMachineError) t;
      }
      log.warn("{} {} threw from {}; ignored", owner, listener, event, t);
      return false;
    }
  }

  private void failed(Object listener, String event, Throwable t, @Nullable Object[] args) {
    if (t instanceof VirtualMachineError) {
      throw (VirtualMachineError) t;
    }
    if (args.length == 0) {
      log.warn("{} listener {} threw from {}; ignored", owner, listener, event, t);
    } else {
      log.warn("{} listener {} threw from {}{}; ignored", owner, listener, event, java.util.Arrays.asList(args), t);
    }
  }

  /** An event with two arguments. */
  @FunctionalInterface
  public interface Event2<L, A extends @Nullable Object, B extends @Nullable Object> {
    /** Tells {@code listener} the event. */
    void accept(L listener, A a, B b);
  }

  @Override
  public String toString() {
    return owner + " listeners " + List.of(listeners);
  }
}
