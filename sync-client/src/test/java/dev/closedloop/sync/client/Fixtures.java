package dev.closedloop.sync.client;

import dev.closedloop.sync.client.MutationState.Kind;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;

/** Variables, responses and a recording listener shared by the mutation tests. */
final class Fixtures {
  private Fixtures() {}

  /** The variables of the tests' mutations. */
  record Item(String id, String text) {}

  /** What the test server answers. */
  record Saved(String id, String text, String key) {}

  /** A move of one call, as a listener heard it. */
  record Move(Kind from, Kind to, MutationState<?> state) {}

  /** Records every state change per call key, and the order of all events. */
  static final class Recorder<V, T> implements MutationListener<V, T> {
    final Map<String, List<Move>> moves = new ConcurrentHashMap<>();
    final List<String> events = new CopyOnWriteArrayList<>();
    final Map<String, Thread> threads = new ConcurrentHashMap<>();

    @Override
    public void onStateChange(MutationCall<V, T> call, MutationState<T> from, MutationState<T> to) {
      moves.computeIfAbsent(call.key(), k -> new CopyOnWriteArrayList<>()).add(new Move(from.kind(), to.kind(), to));
      events.add(call.key() + ":" + from.kind() + "->" + to.kind());
      threads.put(call.key() + ":" + to.kind(), Thread.currentThread());
    }

    @Override
    public void onConfirmed(MutationCall<V, T> call, dev.closedloop.sync.realtime.ChangeEvent event) {
      events.add(call.key() + ":confirmed");
    }

    List<Kind> kinds(String key) {
      List<Kind> out = new ArrayList<>();
      List<Move> m = moves.getOrDefault(key, List.of());
      if (!m.isEmpty()) {
        out.add(m.get(0).from());
      }
      m.forEach(x -> out.add(x.to()));
      return out;
    }

    /** Returns a description of the first illegal or discontinuous move of {@code key}, or null. */
    String firstProblem(String key) {
      Kind at = Kind.IDLE;
      for (Move m : moves.getOrDefault(key, List.of())) {
        if (m.from() != at) {
          return key + ": heard " + m.from() + "->" + m.to() + " while at " + at;
        }
        if (!m.from().canMoveTo(m.to())) {
          return key + ": illegal " + m.from() + "->" + m.to();
        }
        at = m.to();
      }
      return null;
    }
  }
}
