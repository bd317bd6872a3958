package dev.closedloop.sync.client;

import dev.closedloop.sync.realtime.ChangeEvent;
import java.net.http.HttpResponse;
import org.jspecify.annotations.Nullable;

/**
 * What a {@link DefaultMutationCall} needs from the mutation that started it, and nothing more:
 * its name, the executor its callbacks run on, the optimistic update, the decoding of a response,
 * and the events of the call's life. {@link DefaultSyncMutation} is the one implementation.
 */
interface CallHost<V, T> {

  /** Returns the mutation's name, for errors and logs. */
  String name();

  /** Returns the executor on which the call's callbacks and listeners run, in order. */
  SerialExecutor callbacks();

  /** Returns the optimistic update, or null if none. */
  @Nullable
  OptimisticUpdate<? super V, ? super T, Object> optimistic();

  /**
   * Decodes a 2xx body: empty → null; untyped mutation → null.
   *
   * @throws MutationDecodeException if the body cannot be read as the response type
   */
  @Nullable
  T decode(String key, HttpResponse<byte[]> response);

  /** The call settled (success, error or dead letter): it is no longer in flight. */
  void settled(DefaultMutationCall<V, T> call);

  /** The call moved to SUCCESS; called under the call's lock, before anyone sees the result. */
  void succeeded(DefaultMutationCall<V, T> call);

  /** Tells the mutation's listeners of a move; runs on {@link #callbacks()}. */
  void notifyState(DefaultMutationCall<V, T> call, MutationState<T> from, MutationState<T> to);

  /** Tells the mutation's listeners of a confirmation; runs on {@link #callbacks()}. */
  void notifyConfirmed(DefaultMutationCall<V, T> call, ChangeEvent event);
}
