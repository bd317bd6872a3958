package dev.closedloop.sync.client;

import org.jspecify.annotations.Nullable;

/**
 * Optimistic updates around a {@link SyncMutation}, as TanStack Query's {@code useMutation}:
 * apply the change locally before the server answers, roll it back if the server refuses.
 *
 * <ol>
 *   <li>{@link #onMutate} runs on the thread that calls {@code mutate}, before anything is sent;
 *       it applies the change and returns a context (say, the previous value). If it throws,
 *       {@code mutate} throws that and nothing is sent.
 *   <li>{@link #onSuccess} or {@link #onError}, then {@link #onSettled}, run on the mutation's
 *       callback executor, in order with the listeners, before {@link MutationCall#result()}
 *       completes.
 * </ol>
 *
 * <p>When a call goes to the offline queue, neither {@code onError} nor {@code onSettled} runs:
 * the change is still pending, so the optimistic state stays. They run when offline replay
 * settles it in this process ({@code onSuccess}, or {@code onError} for a dead letter). A call
 * queued before the app restarted has no context any more: its outcome reaches the {@link
 * ReplayHandler} registered under the mutation's name.
 *
 * <p>{@code onError}, {@code onSuccess} and {@code onSettled} must not throw; if they do, it is
 * logged and the call goes on.
 *
 * <p>Implementations must be threadsafe: {@code onMutate} runs on the caller's thread while the other methods run on the callback executor.
 *
 * @param <V> the type of the variables
 * @param <T> the type of the result
 * @param <C> the type of the context
 */
public interface OptimisticUpdate<V, T, C> {

  /** Applies the change locally and returns what a rollback needs (may be null). */
  @Nullable
  C onMutate(V variables);

  /** The mutation failed for good: roll back with {@code context}. */
  default void onError(Throwable error, V variables, @Nullable C context) {}

  /** The server applied the mutation. */
  default void onSuccess(@Nullable T data, V variables, @Nullable C context) {}

  /** After {@code onSuccess} or {@code onError}: exactly one of {@code data} and {@code error} is meaningful. */
  default void onSettled(@Nullable T data, @Nullable Throwable error, V variables, @Nullable C context) {}
}
